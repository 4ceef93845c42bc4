import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ActionTuple } from "../../src/env/action-tuple.js";
import { ActionSpec } from "../../src/env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../src/env/steps.js";
import { memberOfAgent, mergeActions, rowsByMember, selectDecisionRows, selectTerminalRows } from "../../src/run/agent-split.js";

/** Agent k has observation [id, 10 id] and the mask row [id % 2, 0, 1]. */
function decision(ids: number[]): DecisionSteps {
  return {
    length: ids.length,
    obs: [Float32Array.from(ids.flatMap((id) => [id, 10 * id])), Float32Array.from(ids.map((id) => -id))],
    reward: Float32Array.from(ids.map((id) => id / 100)),
    agentId: Int32Array.from(ids),
    actionMask: [Uint8Array.from(ids.flatMap((id) => [id % 2, 0, 1]))],
    groupId: Int32Array.from(ids.map((id) => id + 1000)),
    groupReward: Float32Array.from(ids.map((id) => id / 1000)),
  };
}

function terminal(ids: number[]): TerminalSteps {
  return {
    length: ids.length,
    obs: [Float32Array.from(ids.flatMap((id) => [id, 10 * id])), Float32Array.from(ids.map((id) => -id))],
    reward: Float32Array.from(ids.map((id) => id / 100)),
    interrupted: Uint8Array.from(ids.map((id) => id % 2)),
    agentId: Int32Array.from(ids),
    groupId: Int32Array.from(ids.map((id) => id + 1000)),
    groupReward: Float32Array.from(ids.map((id) => id / 1000)),
  };
}

describe("agent split between the members of a team", () => {
  it("3DBall's 12 consecutive ids in 4 members: 3 each; environment index shifts the assignment", () => {
    const ids = Int32Array.from({ length: 12 }, (_, i) => i);
    expect(rowsByMember(ids, 0, 4).map((r) => r.length)).toEqual([3, 3, 3, 3]);
    expect(rowsByMember(ids, 0, 4)[1]).toEqual([1, 5, 9]);
    expect(rowsByMember(ids, 1, 4)[1]).toEqual([0, 4, 8]);
    expect(rowsByMember(ids, 0, 1)).toEqual([[...ids.keys()]]);
  });

  it("is a pure function of (environment, agent id) in 0..N-1, for any int32 id", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 1, max: 64 }), (env, id, n) => {
        const m = memberOfAgent(env, id, n);
        expect(Number.isInteger(m) && m >= 0 && m < n).toBe(true);
        expect(memberOfAgent(env, id, n)).toBe(m);
      }),
    );
  });

  it("selects rows of every field, and merging the members' actions restores the step's order", () => {
    const ids = [7, 2, 9, 4, 11, 6, 3];
    const d = decision(ids);
    const t = terminal(ids);
    const rows = rowsByMember(d.agentId, 3, 3);
    const spec = new ActionSpec(2, [3, 2]);
    const parts = rows.map((r) => {
      const mine = selectDecisionRows(d, r);
      const myIds = [...mine.agentId];
      expect(myIds).toEqual(r.map((i) => ids[i]));
      expect(myIds.every((id) => memberOfAgent(3, id, 3) === rows.indexOf(r))).toBe(true);
      // Every field follows its agent.
      expect([...mine.obs[0]!]).toEqual(myIds.flatMap((id) => [id, 10 * id]));
      expect([...mine.obs[1]!]).toEqual(myIds.map((id) => -id));
      expect([...mine.reward]).toEqual([...Float32Array.from(myIds.map((id) => id / 100))]);
      expect([...mine.actionMask![0]!]).toEqual(myIds.flatMap((id) => [id % 2, 0, 1]));
      expect([...mine.groupId]).toEqual(myIds.map((id) => id + 1000));
      const term = selectTerminalRows(t, r);
      expect([...term.interrupted]).toEqual(myIds.map((id) => id % 2));
      expect([...term.obs[0]!]).toEqual(myIds.flatMap((id) => [id, 10 * id]));
      // Actions that name their agent: continuous [id, -id], discrete [id % 3, id % 2].
      return new ActionTuple(
        myIds.length,
        Float32Array.from(myIds.flatMap((id) => [id, -id])),
        Int32Array.from(myIds.flatMap((id) => [id % 3, id % 2])),
      );
    });
    const merged = mergeActions(spec, ids.length, rows, parts);
    expect([...merged.continuous]).toEqual(ids.flatMap((id) => [id, -id]));
    expect([...merged.discrete]).toEqual(ids.flatMap((id) => [id % 3, id % 2]));
  });

  it("an empty step splits into empty parts", () => {
    const d = decision([]);
    const rows = rowsByMember(d.agentId, 0, 4);
    expect(rows).toEqual([[], [], [], []]);
    expect(selectDecisionRows(d, rows[0]!).length).toBe(0);
    expect(mergeActions(new ActionSpec(2, []), 0, rows, rows.map(() => ActionTuple.empty(new ActionSpec(2, []), 0))).length).toBe(0);
  });
});
