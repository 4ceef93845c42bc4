// Episode returns against sums written out by hand: the counters `run` and `inspect` print, and the
// returns a PBT member is scored on (per environment, drained by take()).
import { describe, expect, it } from "vitest";
import type { DecisionSteps, TerminalSteps } from "../../src/env/index.js";
import { EpisodeReturns } from "../../src/run/episode-returns.js";
import { Env } from "../trainers/sac/trainer-helpers.js";

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
    expect(r.take()).toEqual([0, 2.75]);
    expect(r.take()).toEqual([]);
    // Lengths in decisions before the terminal step, same order: agent 2 decided twice, agent 1 three times.
    expect(r.takeLengths()).toEqual([2, 3]);
    expect(r.takeLengths()).toEqual([]);
    expect(r.episodes).toBe(2);
    expect(r.meanReturn).toBeCloseTo(1.375);
    expect(r.decisions).toBe(7);
    expect(r.rewardSum).toBeCloseTo(0.5 + 1 + 0.25 + 0 - 1 + 3 + 2);
    expect(r.isOpen(0, 2)).toBe(true);
    expect(new EpisodeReturns().meanReturn).toBeNull();
  });

  it("without collecting, keeps the counters only", () => {
    const r = new EpisodeReturns({ collect: false });
    r.observe(decision([1], [0.5]), terminal([], []));
    r.observe(decision([], []), terminal([1], [1]));
    expect(r.take()).toEqual([]);
    expect([r.episodes, r.meanReturn]).toEqual([1, 1.5]);
  });

  it("keeps environments apart: the same agent ids in two environments are other agents", () => {
    const returns = new EpisodeReturns();
    const len = 5;
    const a = new Env(3, len);
    const b = new Env(3, len);
    for (let t = 0; t <= 2 * len; t++) {
      const sa = a.next();
      returns.observe(sa.decision, sa.terminal, 0);
      const sb = b.next();
      // Environment 1 pays double.
      returns.observe({ ...sb.decision, reward: sb.decision.reward.map((r) => 2 * r) }, { ...sb.terminal, reward: sb.terminal.reward.map((r) => 2 * r) }, 1);
    }
    // Two episodes per agent per environment, each len decisions of 0.1 * id then the terminal reward 1; doubled in environment 1.
    const episode = (id: number): number => len * 0.1 * id + 1;
    const want = [0, 1, 2].flatMap((id) => [episode(id), episode(id), 2 * episode(id), 2 * episode(id)]);
    const got = returns.take();
    expect([...got].sort((x, y) => x - y)).toEqual(want.sort((x, y) => x - y).map((x) => expect.closeTo(x, 5)));
  });

  it("discard forgets one environment's running sums; reset forgets everything", () => {
    const r = new EpisodeReturns();
    r.observe(decision([1], [0.5]), terminal([], []), 0);
    r.observe(decision([1], [0.5]), terminal([], []), 1);
    r.discard(0);
    expect([r.isOpen(0, 1), r.isOpen(1, 1)]).toEqual([false, true]);
    r.observe(decision([], []), terminal([1], [1]), 0); // only the terminal reward: the running sum was dropped
    r.observe(decision([], []), terminal([1], [2]), 1);
    expect(r.take()).toEqual([1, 2.5]);
    r.observe(decision([3], [2]), terminal([], []), 0);
    r.reset();
    expect([r.isOpen(0, 3), r.take().length]).toEqual([false, 0]);
  });
});
