import { describe, expect, it } from "vitest";
import type { DecisionSteps, TerminalSteps } from "../../src/env/index.js";
import { EpisodeReturns } from "../../src/cli/episode-returns.js";

const decision = (ids: number[], rewards: number[]): DecisionSteps => ({
  length: ids.length,
  obs: [],
  reward: Float32Array.from(rewards),
  agentId: Int32Array.from(ids),
  actionMask: null,
  groupId: new Int32Array(ids.length),
  groupReward: new Float32Array(ids.length),
});
const terminal = (ids: number[], rewards: number[]): TerminalSteps => ({
  length: ids.length,
  obs: [],
  reward: Float32Array.from(rewards),
  interrupted: new Uint8Array(ids.length),
  agentId: Int32Array.from(ids),
  groupId: new Int32Array(ids.length),
  groupReward: new Float32Array(ids.length),
});

describe("EpisodeReturns", () => {
  it("sums rewards per agent until its terminal step; an agent may end and restart in one message", () => {
    const r = new EpisodeReturns();
    r.observe(decision([1, 2], [0, 0]), terminal([], []));
    r.observe(decision([1, 2], [0.5, 1]), terminal([], []));
    r.observe(decision([1, 2], [0.25, 0]), terminal([2], [-1])); // agent 2 ends (0 + 1 - 1) and starts again
    r.observe(decision([2], [3]), terminal([1], [2])); // agent 1 ends with 0.5 + 0.25 + 2
    expect(r.finished).toEqual([0, 2.75]);
    expect(r.meanReturn).toBeCloseTo(1.375);
    expect(r.decisions).toBe(7);
    expect(r.rewardSum).toBeCloseTo(0.5 + 1 + 0.25 + 0 - 1 + 3 + 2);
    expect(new EpisodeReturns().meanReturn).toBeNull();
  });
});
