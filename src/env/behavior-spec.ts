// Typed description of a behavior: what it observes and how it acts (mlagents_envs base_env).

/** Flags per observation dimension, as Unity sends them in ObservationProto.dimension_properties. */
export enum DimensionProperty {
  UNSPECIFIED = 0,
  NONE = 1,
  TRANSLATIONAL_EQUIVARIANCE = 2,
  VARIABLE_SIZE = 4,
}

export enum ObservationType {
  DEFAULT = 0,
  GOAL_SIGNAL = 1,
}

export interface ObservationSpec {
  /** Sensor name of the first agent seen (names may differ between agents; never compared). */
  readonly name: string;
  /** Rank 1 [N], rank 2 [maxNumObs, obsSize], rank 3 [C, H, W]. */
  readonly shape: readonly number[];
  readonly dimensionProperties: readonly DimensionProperty[];
  readonly observationType: ObservationType;
}

export function observationSize(spec: ObservationSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Continuous size plus discrete branch sizes; hybrid when both are present. */
export class ActionSpec {
  readonly continuousSize: number;
  readonly discreteBranches: readonly number[];

  constructor(continuousSize: number, discreteBranches: readonly number[]) {
    this.continuousSize = continuousSize;
    this.discreteBranches = Object.freeze([...discreteBranches]);
  }

  static continuous(size: number): ActionSpec {
    return new ActionSpec(size, []);
  }

  static discrete(...branches: number[]): ActionSpec {
    return new ActionSpec(0, branches);
  }

  /** Number of discrete branches. */
  get discreteSize(): number {
    return this.discreteBranches.length;
  }

  /** Sum of branch sizes: the length of a flattened action mask. */
  get discreteTotal(): number {
    return this.discreteBranches.reduce((a, b) => a + b, 0);
  }

  get isHybrid(): boolean {
    return this.continuousSize > 0 && this.discreteSize > 0;
  }

  equals(other: ActionSpec): boolean {
    return (
      this.continuousSize === other.continuousSize &&
      this.discreteBranches.length === other.discreteBranches.length &&
      this.discreteBranches.every((b, i) => b === other.discreteBranches[i])
    );
  }

  toString(): string {
    const parts: string[] = [];
    if (this.continuousSize > 0) parts.push(`${this.continuousSize} continuous`);
    if (this.discreteSize > 0) parts.push(`discrete branches [${this.discreteBranches.join(", ")}]`);
    return parts.length ? parts.join(" + ") : "no actions";
  }
}

export interface BehaviorSpec {
  readonly observationSpecs: readonly ObservationSpec[];
  readonly actionSpec: ActionSpec;
}

/** Splits "3DBall?team=0" into its plain name and team id (parsed like a URL query). */
export function parseBehaviorName(fullName: string): { name: string; team: number } {
  const q = fullName.indexOf("?");
  if (q < 0) return { name: fullName, team: 0 };
  const params = new URLSearchParams(fullName.slice(q + 1));
  const team = Number.parseInt(params.get("team") ?? "0", 10);
  return { name: fullName.slice(0, q), team: Number.isFinite(team) ? team : 0 };
}
