// The trainer's side of the replay buffer: the layout of a behavior's transitions and the
// reward strength applied to sampled minibatches.
import { describe, expect, it } from "vitest";
import { ActionSpec } from "../../../src/env/behavior-spec.js";
import { RewardScaling, replayLayout } from "../../../src/trainers/sac/sac-replay.js";
import { makeSpec, randomBatch } from "./helpers.js";

describe("replayLayout", () => {
  it("flattens each observation and sizes actions and masks from the action spec", () => {
    const spec = { ...makeSpec([[3], [2, 2]], 0, []), actionSpec: new ActionSpec(2, [3, 4]) };
    expect(replayLayout(spec, false)).toEqual({ obsSizes: [3, 4], continuousSize: 2, discreteSize: 2, maskSize: 7, tagged: false });
    expect(replayLayout(spec, true).tagged).toBe(true);
  });
});

describe("RewardScaling", () => {
  const spec = makeSpec([[3]], 1, []);

  it("strength 1 passes the batch itself", () => {
    const batch = randomBatch(spec, 8, 1);
    expect(new RewardScaling().apply(batch, 1)).toBe(batch);
  });

  it("scales the rewards into its own array and leaves the stored ones as they were", () => {
    const batch = randomBatch(spec, 8, 2);
    const stored = batch.rewards.slice();
    const scaled = new RewardScaling().apply(batch, 0.5);
    expect(Array.from(scaled.rewards)).toEqual(Array.from(stored, (r) => Math.fround(r * 0.5)));
    expect(Array.from(batch.rewards)).toEqual(Array.from(stored));
    expect(scaled.obs).toBe(batch.obs);
  });

  it("reuses one array, grown for a larger batch", () => {
    const scaling = new RewardScaling();
    const a = scaling.apply(randomBatch(spec, 8, 3), 2).rewards;
    const b = scaling.apply(randomBatch(spec, 4, 4), 2).rewards;
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(4);
    const c = scaling.apply(randomBatch(spec, 16, 5), 2).rewards;
    expect(c.length).toBe(16);
  });
});
