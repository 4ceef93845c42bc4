import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ActionSpec, type BehaviorSpec, DimensionProperty, ObservationType } from "../../../src/env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../../src/env/steps.js";
import { AgentProcessor, AgentShapeError } from "../../../src/trainers/common/agent-processor.js";

// Two observations (sizes 2 and 1), 1 continuous action, one discrete branch of 3.
const spec: BehaviorSpec = {
  observationSpecs: [
    { name: "a", shape: [2], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT },
    { name: "b", shape: [1], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT },
  ],
  actionSpec: new ActionSpec(1, [3]),
};

// Observation of agent `id` at time `t` is fully determined, so transitions can be checked.
const o0 = (id: number, t: number): [number, number] => [id * 100 + t, -(id * 100 + t)];
const o1 = (id: number, t: number): number => id + t / 1000;

function decision(ids: number[], t: number, rewards?: number[], masks?: number[][]): DecisionSteps {
  return {
    length: ids.length,
    obs: [Float32Array.from(ids.flatMap((id) => o0(id, t))), Float32Array.from(ids.map((id) => o1(id, t)))],
    reward: Float32Array.from(rewards ?? ids.map(() => 0)),
    agentId: Int32Array.from(ids),
    actionMask: [Uint8Array.from(masks ? masks.flat() : ids.flatMap(() => [0, 0, 0]))],
    groupId: new Int32Array(ids.length),
    groupReward: new Float32Array(ids.length),
  };
}

function terminal(ids: number[], t: number, rewards: number[], interrupted: boolean[]): TerminalSteps {
  return {
    length: ids.length,
    obs: [Float32Array.from(ids.flatMap((id) => o0(id, t))), Float32Array.from(ids.map((id) => o1(id, t)))],
    reward: Float32Array.from(rewards),
    interrupted: Uint8Array.from(interrupted.map((x) => (x ? 1 : 0))),
    agentId: Int32Array.from(ids),
    groupId: new Int32Array(ids.length),
    groupReward: new Float32Array(ids.length),
  };
}

const noTerminal = terminal([], 0, [], []);

/** Actions that encode agent id and time: continuous = id + t/10, discrete = (id + t) % 3. */
function actionsFor(ids: number[], t: number) {
  return { continuous: Float32Array.from(ids.map((id) => id + t / 10)), discrete: Int32Array.from(ids.map((id) => (id + t) % 3)) };
}

function step(p: AgentProcessor, ids: number[], t: number, term: TerminalSteps = noTerminal, rewards?: number[], masks?: number[][], envIndex = 0) {
  const d = decision(ids, t, rewards, masks);
  const batch = p.observe(d, term, envIndex);
  const copy = {
    length: batch.length,
    obs0: Array.from(batch.obs[0]!),
    next0: Array.from(batch.nextObs[0]!),
    obs1: Array.from(batch.obs[1]!),
    next1: Array.from(batch.nextObs[1]!),
    cont: Array.from(batch.continuousActions),
    disc: Array.from(batch.discreteActions),
    rewards: Array.from(batch.rewards),
    dones: Array.from(batch.dones),
    masks: Array.from(batch.actionMasks),
    nextMasks: Array.from(batch.nextActionMasks),
  };
  p.recordActions(d, actionsFor(ids, t), envIndex);
  return copy;
}

describe("AgentProcessor", () => {
  it("completes an experience with the next decision: reward, next obs, done 0, masks carried", () => {
    const p = new AgentProcessor(spec, "Test");
    const first = step(p, [7], 0, noTerminal, [5], [[1, 0, 0]]);
    expect(first.length).toBe(0); // nothing pending yet; the first reward is not part of any transition
    const b = step(p, [7], 1, noTerminal, [0.5], [[0, 1, 1]]);
    expect(b.length).toBe(1);
    expect(b.obs0).toEqual(o0(7, 0));
    expect(b.next0).toEqual(o0(7, 1));
    expect(b.obs1[0]).toBeCloseTo(o1(7, 0), 6);
    expect(b.next1[0]).toBeCloseTo(o1(7, 1), 6);
    expect(b.cont[0]).toBeCloseTo(7, 6);
    expect(b.disc).toEqual([7 % 3]);
    expect(b.rewards).toEqual([0.5]);
    expect(b.dones).toEqual([0]);
    expect(b.masks).toEqual([1, 0, 0]);
    expect(b.nextMasks).toEqual([0, 1, 1]);
  });

  it("true end: done 1, next obs = terminal obs, agent forgotten", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1, 2], 0);
    const b = step(p, [2], 1, terminal([1], 1, [-1], [false]), [0.25]);
    expect(b.length).toBe(2);
    // terminal first
    expect(b.obs0.slice(0, 2)).toEqual(o0(1, 0));
    expect(b.next0.slice(0, 2)).toEqual(o0(1, 1));
    expect(b.rewards).toEqual([-1, 0.25]);
    expect(b.dones).toEqual([1, 0]);
    expect(b.nextMasks.slice(0, 3)).toEqual([0, 0, 0]); // terminal infos carry no mask
    expect(p.trackedAgents).toBe(1);
  });

  it("interrupted end: done 0 and bootstrap from the terminal observation", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [3], 0);
    const b = step(p, [], 1, terminal([3], 1, [2], [true]));
    expect(b.length).toBe(1);
    expect(b.dones).toEqual([0]);
    expect(b.next0).toEqual(o0(3, 1));
    expect(b.next0).not.toEqual(b.obs0); // not ML-Agents' copy of the last obs
  });

  it("same agent terminal and decision in one step: old episode closed, new one starts without a transition", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [4], 0, noTerminal, [0]);
    step(p, [4], 1, noTerminal, [1]);
    const b = step(p, [4], 2, terminal([4], 2, [10], [false]), [0]);
    expect(b.length).toBe(1);
    expect(b.dones).toEqual([1]);
    expect(b.obs0).toEqual(o0(4, 1));
    expect(p.episodes.drain()).toEqual({ count: 1, meanReward: 11, stdReward: 0, meanLength: 2 });
    // the new episode's first experience is pending (recorded at t=2)
    const c = step(p, [4], 3, noTerminal, [0.5]);
    expect(c.obs0).toEqual(o0(4, 2));
    expect(c.dones).toEqual([0]);
  });

  it("agents appearing and disappearing, in any order", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1, 2, 3], 0);
    const b = step(p, [3, 5, 1], 1); // 2 skipped a step, 5 is new
    expect(b.length).toBe(2);
    expect(b.obs0).toEqual([...o0(3, 0), ...o0(1, 0)]);
    expect(b.next0).toEqual([...o0(3, 1), ...o0(1, 1)]);
    const c = step(p, [2, 5], 2); // 2 completes its t=0 experience now
    expect(c.obs0).toEqual([...o0(2, 0), ...o0(5, 1)]);
    expect(c.next0).toEqual([...o0(2, 2), ...o0(5, 2)]);
  });

  it("a decision without recorded actions does not reuse a stale experience", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1], 0);
    expect(p.observe(decision([1], 1), noTerminal).length).toBe(1); // no recordActions after this one
    expect(p.observe(decision([1], 2), noTerminal).length).toBe(0);
  });

  it("discardPending drops open episodes without counting them", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1, 2], 0);
    step(p, [1, 2], 1, noTerminal, [1, 1]);
    p.discardPending();
    expect(p.trackedAgents).toBe(0);
    expect(p.pendingCount).toBe(0);
    const b = step(p, [1], 2, terminal([2], 2, [5], [false]));
    expect(b.length).toBe(0);
    expect(p.episodes.drain()).toBeNull();
  });

  it("discardPending(envIndex) drops only that environment's agents (its session ended)", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1, 2], 0, noTerminal, undefined, undefined, 0);
    step(p, [1, 2], 0, noTerminal, undefined, undefined, 1);
    p.discardPending(1);
    expect(p.trackedAgents).toBe(2);
    // Environment 0's agents still complete their experiences; environment 1's start afresh.
    expect(step(p, [1, 2], 1, noTerminal, undefined, undefined, 0).length).toBe(2);
    expect(step(p, [1, 2], 1, noTerminal, undefined, undefined, 1).length).toBe(0);
  });

  it("two environments that send the same agent ids keep separate experiences and episodes", () => {
    const p = new AgentProcessor(spec, "Test");
    // Same id 5 in both environments; environment 1's observations are offset by 50 in time.
    step(p, [5], 0, noTerminal, undefined, undefined, 0);
    step(p, [5], 50, noTerminal, undefined, undefined, 1);
    const a = step(p, [5], 1, noTerminal, [1], undefined, 0);
    const b = step(p, [5], 51, noTerminal, [2], undefined, 1);
    expect(a.obs0).toEqual(o0(5, 0));
    expect(a.next0).toEqual(o0(5, 1));
    expect(a.cont[0]).toBeCloseTo(5 + 0 / 10, 6);
    expect(b.obs0).toEqual(o0(5, 50));
    expect(b.next0).toEqual(o0(5, 51));
    expect(b.cont[0]).toBeCloseTo(5 + 50 / 10, 6);
    expect(p.trackedAgents).toBe(2);
    // Environment 1's agent ends its episode; environment 0's agent 5 keeps going.
    const end = step(p, [], 0, terminal([5], 52, [3], [false]), undefined, undefined, 1);
    expect(end.length).toBe(1);
    expect(end.rewards).toEqual([3]);
    expect(p.trackedAgents).toBe(1);
    expect(p.episodes.drain()).toMatchObject({ count: 1, meanReward: 2 + 3, meanLength: 2 });
    expect(step(p, [5], 2, noTerminal, undefined, undefined, 0).length).toBe(1);
  });

  it("the slot pools grow with the agents alive at once, not faster, and reuse slots of ended episodes", () => {
    const p = new AgentProcessor(spec, "Test");
    // 4 environments of 250 agents each: 1,000 agents alive at once.
    const ids = Array.from({ length: 250 }, (_, i) => i);
    for (const env of [0, 1, 2, 3]) step(p, ids, 0, noTerminal, undefined, undefined, env);
    expect(p.trackedAgents).toBe(1000);
    expect(p.slotPoolSize).toBeGreaterThanOrEqual(1000);
    expect(p.slotPoolSize).toBeLessThanOrEqual(2000);
    // Every episode ends and new ones start under new ids (Unity's episode ids grow): same pool.
    const before = p.slotPoolSize;
    for (const env of [0, 1, 2, 3]) {
      step(p, ids.map((i) => i + 1000), 1, terminal(ids, 1, ids.map(() => 0), ids.map(() => false)), undefined, undefined, env);
    }
    expect(p.trackedAgents).toBe(1000);
    expect(p.slotPoolSize).toBe(before);
  });

  it("ids at the int32 edges and many environments do not collide", () => {
    const p = new AgentProcessor(spec, "Test");
    const ids = [0x7fffffff, -0x80000000, -1, 0];
    for (const env of [0, 1, 200, 5000]) step(p, ids, 0, noTerminal, undefined, undefined, env);
    expect(p.trackedAgents).toBe(16);
    for (const env of [0, 1, 200, 5000]) expect(step(p, ids, 1, noTerminal, undefined, undefined, env).length).toBe(4);
  });

  it("episode stats: cumulative reward and length of finished episodes", () => {
    const p = new AgentProcessor(spec, "Test");
    step(p, [1, 2], 0);
    step(p, [1, 2], 1, noTerminal, [1, 2]);
    step(p, [2], 2, terminal([1], 2, [3], [true]), [2]);
    step(p, [], 3, terminal([2], 3, [0], [false]));
    const s = p.episodes.drain();
    expect(s).not.toBeNull();
    expect(s!.count).toBe(2);
    expect(s!.meanReward).toBeCloseTo((4 + 4) / 2);
    expect(s!.meanLength).toBe(2.5);
    expect(p.episodes.totalEpisodes).toBe(2);
  });

  it("rejects observations of the wrong size with a message naming the behavior", () => {
    const p = new AgentProcessor(spec, "Walker");
    const d = decision([1], 0);
    const bad = { ...d, obs: [d.obs[0]!, new Float32Array(2)] };
    expect(() => p.observe(bad, noTerminal)).toThrow(AgentShapeError);
    expect(() => p.observe(bad, noTerminal)).toThrow(/Walker/);
  });

  it("matches a naive per-agent model on random step sequences", () => {
    // Random agents appear, act, end (true or interrupted) and reappear; compare every transition
    // with a straightforward Map-based reference.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ present: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }), ends: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 3 }) }),
          { minLength: 1, maxLength: 15 },
        ),
        (steps) => {
          const p = new AgentProcessor(spec, "Prop");
          const pending = new Map<number, number>(); // id -> t of the pending experience
          steps.forEach((s, t) => {
            const ids = [...new Set(s.present)];
            const endMap = new Map(s.ends);
            const endIds = [...endMap.keys()];
            const term = terminal(endIds, t, endIds.map((id) => id * 0.5), endIds.map((id) => endMap.get(id)!));
            const got = step(p, ids, t, term, ids.map((id) => id * 0.25));
            const expObs: number[] = [];
            const expNext: number[] = [];
            const expDone: number[] = [];
            const expReward: number[] = [];
            for (const id of endIds) {
              const from = pending.get(id);
              if (from !== undefined) {
                expObs.push(...o0(id, from));
                expNext.push(...o0(id, t));
                expDone.push(endMap.get(id) ? 0 : 1);
                expReward.push(id * 0.5);
              }
              pending.delete(id);
            }
            for (const id of ids) {
              const from = pending.get(id);
              if (from !== undefined) {
                expObs.push(...o0(id, from));
                expNext.push(...o0(id, t));
                expDone.push(0);
                expReward.push(id * 0.25);
              }
              pending.set(id, t);
            }
            expect(got.obs0).toEqual(expObs);
            expect(got.next0).toEqual(expNext);
            expect(got.dones).toEqual(expDone);
            expect(got.rewards).toEqual(expReward);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("carries each decision's tag into its transition (0 when the actions have none)", () => {
    const p = new AgentProcessor(spec, "Test");
    const d0 = decision([4, 7], 0);
    p.observe(d0, noTerminal);
    p.recordActions(d0, { ...actionsFor([4, 7], 0), tags: Int32Array.from([2, 1]) });
    const d1 = decision([7, 4], 1);
    const out = p.observe(d1, noTerminal);
    expect(Array.from(out.tags!)).toEqual([1, 2]); // by agent, in the order of the next decision
    p.recordActions(d1, actionsFor([7, 4], 1));
    expect(Array.from(p.observe(decision([4, 7], 2), noTerminal).tags!)).toEqual([0, 0]);
    expect(() => p.recordActions(d1, { ...actionsFor([7, 4], 1), tags: Int32Array.from([1]) })).toThrow(AgentShapeError);
  });
});
