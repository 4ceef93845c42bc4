// How the agents of one behavior are shared by the members of its team (a population of N).
// An agent belongs to a member by a pure function of (environment index, agent id): no table, so
// nothing grows with Unity's ids, which are episode ids that increase with every new episode.
// Consecutive ids (Unity hands them out in order) spread evenly: 3DBall's 12 agents in 4 members
// give 3 each; an agent whose episode restarts gets the next free id and may change member, which
// is harmless, since a transition never spans two episodes.
import { ActionTuple } from "../env/action-tuple.js";
import type { ActionSpec } from "../env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../env/steps.js";

/** The member (0..members-1) that acts for and learns from this agent. */
export function memberOfAgent(envIndex: number, agentId: number, members: number): number {
  if (members <= 1) return 0;
  return (((agentId + envIndex) % members) + members) % members;
}

/** Row indices of `agentId` per member, in the step's order. */
export function rowsByMember(agentId: Int32Array, envIndex: number, members: number): number[][] {
  const rows: number[][] = Array.from({ length: members }, () => []);
  for (let i = 0; i < agentId.length; i++) rows[memberOfAgent(envIndex, agentId[i]!, members)]!.push(i);
  return rows;
}

/** Copies rows of a row-major array with `width` values per row. */
function pick<T extends Float32Array | Int32Array | Uint8Array>(src: T, rows: readonly number[], width: number): T {
  const out = new (src.constructor as new (n: number) => T)(rows.length * width);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (width === 1) out[k] = src[r]!;
    else out.set(src.subarray(r * width, (r + 1) * width), k * width);
  }
  return out;
}

function pickObs(obs: readonly Float32Array[], n: number, rows: readonly number[]): Float32Array[] {
  return obs.map((o) => pick(o, rows, n === 0 ? 0 : o.length / n));
}

export function selectDecisionRows(d: DecisionSteps, rows: readonly number[]): DecisionSteps {
  return {
    length: rows.length,
    obs: pickObs(d.obs, d.length, rows),
    reward: pick(d.reward, rows, 1),
    agentId: pick(d.agentId, rows, 1),
    actionMask: d.actionMask ? d.actionMask.map((m) => pick(m, rows, d.length === 0 ? 0 : m.length / d.length)) : null,
    groupId: pick(d.groupId, rows, 1),
    groupReward: pick(d.groupReward, rows, 1),
  };
}

export function selectTerminalRows(t: TerminalSteps, rows: readonly number[]): TerminalSteps {
  return {
    length: rows.length,
    obs: pickObs(t.obs, t.length, rows),
    reward: pick(t.reward, rows, 1),
    interrupted: pick(t.interrupted, rows, 1),
    agentId: pick(t.agentId, rows, 1),
    groupId: pick(t.groupId, rows, 1),
    groupReward: pick(t.groupReward, rows, 1),
  };
}

/** The members' actions put back in the step's agent order: parts[m] holds the rows rows[m]. */
export function mergeActions(spec: ActionSpec, n: number, rows: readonly (readonly number[])[], parts: readonly ActionTuple[]): ActionTuple {
  const out = ActionTuple.empty(spec, n);
  const c = spec.continuousSize;
  const d = spec.discreteSize;
  rows.forEach((memberRows, m) => {
    const part = parts[m]!;
    memberRows.forEach((r, k) => {
      out.continuous.set(part.continuous.subarray(k * c, (k + 1) * c), r * c);
      out.discrete.set(part.discrete.subarray(k * d, (k + 1) * d), r * d);
    });
  });
  return out;
}
