// The one boundary between protobuf and env types (mlagents_envs rpc_utils.py). Everything Unity sends
// is checked here: impossible specs throw, and an agent whose step is unusable (NaN, wrong shape,
// bad PNG, duplicate id) is dropped and reported instead of reaching a trainer.
import type { AgentActionProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_action.js";
import type { AgentInfoProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import type { BrainParametersProto } from "../protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import { SpaceTypeProto } from "../protocol/generated/mlagents_envs/communicator_objects/space_type.js";
import type { ActionTuple } from "./action-tuple.js";
import { ActionSpec, observationSize, type BehaviorSpec } from "./behavior-spec.js";
import { ActionShapeError, BehaviorSpecError, ObservationError } from "./errors.js";
import { decodeObservation, observationSpecFromProto } from "./observation-decoding.js";
import type { DecisionSteps, TerminalSteps } from "./steps.js";

/** Cap on continuous actions, discrete branches and the size of one branch. */
export const MAX_ACTION_SIZE = 65536;

/** Builds the behavior spec from its announcement plus the first agent's observations (docs/protocol.md §2.8). */
export function behaviorSpecFromProto(brain: BrainParametersProto, firstAgent: AgentInfoProto): BehaviorSpec {
  const name = brain.brainName;
  return {
    observationSpecs: Object.freeze(firstAgent.observations.map((o, i) => observationSpecFromProto(o, i, name))),
    actionSpec: actionSpecFromProto(brain),
  };
}

function actionSpecFromProto(brain: BrainParametersProto): ActionSpec {
  const fail = (problem: string): never => {
    throw new BehaviorSpecError(brain.brainName, problem);
  };
  const a = brain.actionSpec;
  let continuous = a?.numContinuousActions ?? 0;
  let branches = [...(a?.discreteBranchSizes ?? [])];
  const numBranches = a?.numDiscreteActions ?? 0;
  if (continuous < 0) fail(`negative number of continuous actions ${continuous}`);
  if (numBranches < 0) fail(`negative number of discrete branches ${numBranches}`);
  if (continuous === 0 && numBranches === 0 && branches.length === 0) {
    // A pre-1.3 Unity: only the deprecated fields describe the actions.
    const sizes = brain.vectorActionSizeDeprecated;
    if (brain.vectorActionSpaceTypeDeprecated === SpaceTypeProto.continuous) {
      continuous = sizes[0] ?? 0;
      branches = [];
    } else {
      branches = [...sizes];
    }
  } else if (numBranches !== branches.length) {
    fail(`num_discrete_actions is ${numBranches} but discrete_branch_sizes has ${branches.length} entries [${branches.join(", ")}]`);
  }
  if (!Number.isInteger(continuous) || continuous < 0) fail(`negative number of continuous actions ${continuous}`);
  if (continuous > MAX_ACTION_SIZE) fail(`${continuous} continuous actions, over the cap of ${MAX_ACTION_SIZE}`);
  if (branches.length > MAX_ACTION_SIZE) fail(`${branches.length} discrete branches, over the cap of ${MAX_ACTION_SIZE}`);
  branches.forEach((b, i) => {
    if (!Number.isInteger(b) || b <= 0) fail(`discrete branch ${i} has size ${b}; every branch needs at least one action`);
    if (b > MAX_ACTION_SIZE) fail(`discrete branch ${i} has size ${b}, over the cap of ${MAX_ACTION_SIZE}`);
  });
  return new ActionSpec(continuous, branches);
}

/** Compares two specs; returns a description of the first difference, or null when equal. */
export function behaviorSpecDifference(a: BehaviorSpec, b: BehaviorSpec): string | null {
  if (!a.actionSpec.equals(b.actionSpec)) return `actions changed from ${a.actionSpec} to ${b.actionSpec}`;
  if (a.observationSpecs.length !== b.observationSpecs.length) {
    return `observation count changed from ${a.observationSpecs.length} to ${b.observationSpecs.length}`;
  }
  for (let i = 0; i < a.observationSpecs.length; i++) {
    const x = a.observationSpecs[i]!;
    const y = b.observationSpecs[i]!;
    const same = (p: readonly number[], q: readonly number[]): boolean => p.length === q.length && p.every((v, k) => v === q[k]);
    if (!same(x.shape, y.shape)) return `observation ${i} shape changed from [${x.shape.join(", ")}] to [${y.shape.join(", ")}]`;
    if (!same(x.dimensionProperties, y.dimensionProperties)) {
      return `observation ${i} dimension properties changed from [${x.dimensionProperties.join(", ")}] to [${y.dimensionProperties.join(", ")}]`;
    }
    if (x.observationType !== y.observationType) return `observation ${i} type changed from ${x.observationType} to ${y.observationType}`;
  }
  return null;
}

/** One agent step that did not pass the boundary checks. */
export interface DroppedStep {
  readonly behaviorName: string;
  readonly agentId: number;
  readonly terminal: boolean;
  /** What is wrong, e.g. "observation 0 has NaN". */
  readonly fault: string;
  /** The full line: "Dropped step of agent 7 of behavior 3DBall?team=0: observation 0 has NaN". */
  readonly reason: string;
  readonly error: ObservationError;
}

export interface ParsedSteps {
  readonly decision: DecisionSteps;
  readonly terminal: TerminalSteps;
  readonly dropped: readonly DroppedStep[];
  /** Ids of ALL non-done infos in message order: Unity expects exactly one action per entry (docs/protocol.md §2.6). */
  readonly decisionWireIds: Int32Array;
  /** For each wire entry, its row in `decision`, or -1 when its step was dropped (it then gets a zero action). */
  readonly decisionWireRows: Int32Array;
}

/**
 * The agent steps of one list (decision or terminal) that passed the checks, column by column: no
 * object per agent, and observations stay the message's own arrays until they are batched. A step
 * message can carry 100k agents; every pass over them here is linear.
 */
class KeptRows {
  readonly infos: AgentInfoProto[] = [];
  /** [observation index][row]: that agent's floats. */
  readonly obs: ArrayLike<number>[][];
  readonly seen = new Set<number>();

  constructor(readonly spec: BehaviorSpec) {
    this.obs = spec.observationSpecs.map(() => []);
  }

  get length(): number {
    return this.infos.length;
  }

  /** Checks one agent step; keeps it and returns null, or returns what is wrong with it. */
  check(info: AgentInfoProto, list: string): string | null {
    const id = info.id;
    if (!Number.isInteger(id) || id < 0) return `negative agent id ${id}`;
    if (this.seen.has(id)) return `duplicate agent id ${id} in ${list} steps`;
    this.seen.add(id);
    if (!Number.isFinite(info.reward)) return `reward is ${info.reward}`;
    if (!Number.isFinite(info.groupReward)) return `group reward is ${info.groupReward}`;
    if (!Number.isInteger(info.groupId)) return `group id ${info.groupId} is not an integer`;
    const specs = this.spec.observationSpecs;
    if (info.observations.length !== specs.length) return `has ${info.observations.length} observations, expected ${specs.length}`;
    const row = this.infos.length;
    for (let i = 0; i < specs.length; i++) {
      const decoded = decodeObservation(info.observations[i]!, specs[i]!, i);
      if ("fault" in decoded) {
        for (let k = 0; k < i; k++) this.obs[k]!.length = row;
        return decoded.fault;
      }
      this.obs[i]!.push(decoded.data);
    }
    this.infos.push(info);
    return null;
  }

  batchObs(): Float32Array[] {
    return this.spec.observationSpecs.map((o, i) => {
      const size = observationSize(o);
      const out = new Float32Array(this.length * size);
      const rows = this.obs[i]!;
      for (let row = 0; row < rows.length; row++) out.set(rows[row]!, row * size);
      return out;
    });
  }

  column<T extends Float32Array | Int32Array | Uint8Array>(make: new (n: number) => T, field: (info: AgentInfoProto) => number): T {
    const out = new make(this.infos.length);
    for (let row = 0; row < this.infos.length; row++) out[row] = field(this.infos[row]!);
    return out;
  }
}

function decisionBatch(rows: KeptRows): DecisionSteps {
  const n = rows.length;
  const branches = rows.spec.actionSpec.discreteBranches;
  let actionMask: Uint8Array[] | null = null;
  if (branches.length > 0) {
    actionMask = branches.map((b) => new Uint8Array(n * b));
    const total = rows.spec.actionSpec.discreteTotal;
    rows.infos.forEach((info, row) => {
      // Empty or wrong-length mask: nothing is masked (Python rpc_utils does the same).
      if (info.actionMask.length !== total) return;
      let flat = 0;
      branches.forEach((b, k) => {
        for (let a = 0; a < b; a++, flat++) actionMask![k]![row * b + a] = info.actionMask[flat] ? 1 : 0;
      });
    });
  }
  return {
    length: n,
    obs: rows.batchObs(),
    reward: rows.column(Float32Array, (i) => i.reward),
    agentId: rows.column(Int32Array, (i) => i.id),
    actionMask,
    groupId: rows.column(Int32Array, (i) => i.groupId),
    groupReward: rows.column(Float32Array, (i) => i.groupReward),
  };
}

function terminalBatch(rows: KeptRows): TerminalSteps {
  return {
    length: rows.length,
    obs: rows.batchObs(),
    reward: rows.column(Float32Array, (i) => i.reward),
    interrupted: rows.column(Uint8Array, (i) => (i.maxStepReached ? 1 : 0)),
    agentId: rows.column(Int32Array, (i) => i.id),
    groupId: rows.column(Int32Array, (i) => i.groupId),
    groupReward: rows.column(Float32Array, (i) => i.groupReward),
  };
}

/** Empty decision and terminal batches of a behavior (a message without infos for it). */
export function emptySteps(spec: BehaviorSpec): [DecisionSteps, TerminalSteps] {
  return [decisionBatch(new KeptRows(spec)), terminalBatch(new KeptRows(spec))];
}

/** Splits one behavior's infos into decision (done = false) and terminal steps, in message order (docs/protocol.md §3.8). */
export function stepsFromProto(infos: readonly AgentInfoProto[], spec: BehaviorSpec, behaviorName: string): ParsedSteps {
  const decision = new KeptRows(spec);
  const terminal = new KeptRows(spec);
  const dropped: DroppedStep[] = [];
  let decisionCount = 0;
  for (const info of infos) if (!info.done) decisionCount++;
  const wireIds = new Int32Array(decisionCount);
  const wireRows = new Int32Array(decisionCount);
  let wire = 0;
  for (const info of infos) {
    const done = info.done;
    const row = decision.length;
    const fault = done ? terminal.check(info, "terminal") : decision.check(info, "decision");
    if (!done) {
      wireIds[wire] = info.id;
      wireRows[wire++] = fault === null ? row : -1;
    }
    if (fault !== null) {
      const error = new ObservationError(behaviorName, info.id, fault);
      dropped.push({ behaviorName, agentId: info.id, terminal: done, fault, reason: error.message, error });
    }
  }
  return {
    decision: decisionBatch(decision),
    terminal: terminalBatch(terminal),
    dropped,
    decisionWireIds: wireIds,
    decisionWireRows: wireRows,
  };
}

/** Checks that `actions` holds one action per agent of a batch of `n` for this spec; throws ActionShapeError. */
export function validateActions(actions: ActionTuple, spec: ActionSpec, n: number, behaviorName: string): void {
  const fail = (problem: string): never => {
    throw new ActionShapeError(behaviorName, problem);
  };
  if (actions.length !== n) fail(`got actions for ${actions.length} agents, expected ${n} (one per decision step)`);
  const c = spec.continuousSize;
  const d = spec.discreteSize;
  if (actions.continuous.length !== n * c) fail(`continuous has ${actions.continuous.length} values, expected ${n} agents x ${c}`);
  if (actions.discrete.length !== n * d) fail(`discrete has ${actions.discrete.length} values, expected ${n} agents x ${d} branches`);
  for (let i = 0; i < actions.continuous.length; i++) {
    if (!Number.isFinite(actions.continuous[i]!)) fail(`continuous action ${i % c} of row ${Math.floor(i / c)} is ${actions.continuous[i]}`);
  }
  for (let i = 0; i < actions.discrete.length; i++) {
    const v = actions.discrete[i]!;
    const size = spec.discreteBranches[i % d]!;
    if (v < 0 || v >= size) fail(`discrete action ${v} of row ${Math.floor(i / d)} is outside branch ${i % d} of size ${size}`);
  }
}

/** One AgentActionProto per agent row, like Python: continuous, discrete, and the deprecated concatenation. */
export function actionsToProto(actions: ActionTuple, spec: ActionSpec, behaviorName = "?"): AgentActionProto[] {
  const c = spec.continuousSize;
  const d = spec.discreteSize;
  if (actions.continuous.length !== actions.length * c || actions.discrete.length !== actions.length * d) {
    throw new ActionShapeError(behaviorName, `action arrays do not hold ${actions.length} agents of ${spec}`);
  }
  const out = new Array<AgentActionProto>(actions.length);
  for (let i = 0; i < actions.length; i++) {
    const continuousActions = new Array<number>(c);
    const discreteActions = new Array<number>(d);
    const deprecated = new Array<number>(c + d);
    for (let k = 0; k < c; k++) deprecated[k] = continuousActions[k] = actions.continuous[i * c + k]!;
    for (let k = 0; k < d; k++) deprecated[c + k] = discreteActions[k] = actions.discrete[i * d + k]!;
    out[i] = { vectorActionsDeprecated: deprecated, value: 0, continuousActions, discreteActions };
  }
  return out;
}
