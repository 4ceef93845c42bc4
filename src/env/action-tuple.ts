// Actions for a batch of agents, struct-of-arrays (mlagents_envs ActionTuple).
import type { ActionSpec } from "./behavior-spec.js";

export class ActionTuple {
  /** [n * continuousSize], row-major by agent. */
  readonly continuous: Float32Array;
  /** [n * discreteSize], one index per branch, row-major by agent. */
  readonly discrete: Int32Array;
  readonly length: number;

  constructor(length: number, continuous: Float32Array, discrete: Int32Array) {
    this.length = length;
    this.continuous = continuous;
    this.discrete = discrete;
  }

  /** All-zero actions: what Unity applies when an agent gets none. */
  static empty(spec: ActionSpec, n: number): ActionTuple {
    return new ActionTuple(n, new Float32Array(n * spec.continuousSize), new Int32Array(n * spec.discreteSize));
  }

  /**
   * Uniform random actions: continuous U(-1, 1), discrete uniform over allowed actions per branch.
   * masks: per branch, [n * branchSize] with 1 = masked (the wire convention).
   */
  static random(spec: ActionSpec, n: number, rng: () => number = Math.random, masks?: readonly Uint8Array[] | null): ActionTuple {
    const out = ActionTuple.empty(spec, n);
    for (let i = 0; i < out.continuous.length; i++) out.continuous[i] = rng() * 2 - 1;
    const nb = spec.discreteSize;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < nb; b++) {
        const size = spec.discreteBranches[b]!;
        const mask = masks?.[b];
        const allowed: number[] = [];
        for (let k = 0; k < size; k++) if (!mask || mask[a * size + k] === 0) allowed.push(k);
        const choices = allowed.length > 0 ? allowed : [0];
        out.discrete[a * nb + b] = choices[Math.floor(rng() * choices.length)]!;
      }
    }
    return out;
  }
}
