// Episode returns as the PBT coordinator scores them, against the sums written out by hand for the
// test environment: agent id earns 0.1 * id at each decision and 1 at its terminal step.
import { describe, expect, it } from "vitest";
import { EpisodeReturns, withEpisodeReturns } from "../../../src/run/population/episode-returns.js";
import type { Trainer } from "../../../src/trainers/trainer.js";
import { Env } from "../../trainers/sac/trainer-helpers.js";

describe("EpisodeReturns", () => {
  it("sums each agent's rewards from its first decision to its terminal step, per environment", () => {
    const returns = new EpisodeReturns();
    const len = 5;
    const a = new Env(3, len);
    const b = new Env(3, len);
    for (let t = 0; t <= 2 * len; t++) {
      const sa = a.next();
      returns.observe(sa.decision, sa.terminal, 0);
      const sb = b.next();
      // Environment 1 pays double: the same agent ids there are other agents.
      returns.observe({ ...sb.decision, reward: sb.decision.reward.map((r) => 2 * r) }, { ...sb.terminal, reward: sb.terminal.reward.map((r) => 2 * r) }, 1);
    }
    // Two episodes per agent per environment, each len decisions of 0.1 * id then the terminal reward 1; doubled in environment 1.
    const episode = (id: number): number => len * 0.1 * id + 1;
    const want = [0, 1, 2].flatMap((id) => [episode(id), episode(id), 2 * episode(id), 2 * episode(id)]);
    const got = returns.take();
    expect(got.length).toBe(12);
    expect([...got].sort((x, y) => x - y)).toEqual(want.sort((x, y) => x - y).map((x) => expect.closeTo(x, 5)));
    expect(returns.take()).toEqual([]);
    // Lengths, one per finished episode: each had len decisions before its terminal step.
    expect(returns.takeLengths()).toEqual(got.map(() => len));
    expect(returns.takeLengths()).toEqual([]);
  });

  it("the tracking proxy sees observe and discardPending and passes them on; discarded episodes never finish", () => {
    const calls: string[] = [];
    const trainer = {
      stepCount: 7,
      observe: () => calls.push("observe"),
      discardPending: (i?: number) => calls.push(`discard ${i}`),
      loadSerializedState: () => calls.push("load"),
    } as unknown as Trainer;
    const returns = new EpisodeReturns();
    let loadedAt = -1;
    const tracked = withEpisodeReturns(trainer, returns, (t) => (loadedAt = t.stepCount));
    const env = new Env(2, 3);
    for (let t = 0; t < 3; t++) {
      const s = env.next();
      tracked.observe(s.decision, s.terminal, 0);
    }
    tracked.discardPending(0);
    const s = env.next(); // the terminal step of the discarded episodes
    tracked.observe(s.decision, s.terminal, 0);
    expect(returns.take()).toEqual([1, 1]); // only the terminal reward: the running sums were dropped
    tracked.loadSerializedState(new Uint8Array(0));
    expect(loadedAt).toBe(7);
    expect(tracked.stepCount).toBe(7);
    expect(calls).toEqual(["observe", "observe", "observe", "discard 0", "observe", "load"]);
  });
});
