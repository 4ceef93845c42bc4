import { describe, expect, it } from "vitest";
import type { StatsRecord } from "../../src/report/load-run.js";
import { episodeCount, lastValue, plainCharts, tagsMatching } from "../../src/report/plain-charts.js";

const R = "Environment/Cumulative Reward";
const stats: StatsRecord[] = [
  { step: 1000, values: { [R]: 1, "Environment/Cumulative Reward Std": 0.5, "Environment/Episode Length": 20, "Environment/Episode Count": 40, "Losses/Q1 Loss": 0.3, "Policy/Continuous Entropy Coeff": 0.5 } },
  { step: 2000, values: { "Losses/Q1 Loss": 0.2, "Losses/Policy Loss": -1, "Policy/Continuous Entropy Coeff": 0.05 } }, // no episode finished
  { step: 3000, values: { [R]: 4, "Environment/Cumulative Reward Std": 1, "Environment/Episode Length": 50, "Environment/Episode Count": 10, "Losses/Q1 Loss": null, "Policy/Continuous Entropy Coeff": 0.004 } },
];

describe("plainCharts", () => {
  const charts = plainCharts("3DBall", stats);
  const byId = new Map(charts.map((c) => [c.id, c]));

  it("draws reward, losses, entropy coefficient and episode length over the summary steps", () => {
    expect(charts.map((c) => c.id)).toEqual(["3dball-reward", "3dball-losses", "3dball-entropy-coefficient", "3dball-episode-length"]);
    for (const c of charts) expect(c.x).toEqual([1000, 2000, 3000]);
  });

  it("reward: mean with mean ± std, gaps where no episode finished", () => {
    const r = byId.get("3dball-reward")!;
    expect(r.series.map((s) => s.values)).toEqual([
      [1, null, 4],
      [0.5, null, 3],
      [1.5, null, 5],
    ]);
    expect(r.series.map((s) => Boolean(s.dashed))).toEqual([false, true, true]);
    expect(r.logY).toBe(false);
  });

  it("losses: one series per Losses/ tag, named without the prefix", () => {
    const l = byId.get("3dball-losses")!;
    expect(l.series.map((s) => [s.label, s.values])).toEqual([
      ["Q1 Loss", [0.3, 0.2, null]],
      ["Policy Loss", [null, -1, null]],
    ]);
  });

  it("entropy coefficient on a log scale when it spans decades; episode length linear", () => {
    expect(byId.get("3dball-entropy-coefficient")!.logY).toBe(true);
    expect(byId.get("3dball-episode-length")!.series[0]!.values).toEqual([20, null, 50]);
  });

  it("leaves out charts with no data", () => {
    expect(plainCharts("B", [{ step: 5, values: { "Losses/Q1 Loss": 1 } }]).map((c) => c.id)).toEqual(["b-losses"]);
    expect(plainCharts("B", [])).toEqual([]);
  });
});

describe("summary helpers", () => {
  it("finds the last value and counts episodes", () => {
    expect(lastValue(stats, R)).toEqual({ step: 3000, value: 4 });
    expect(lastValue(stats, "Losses/Q1 Loss")).toEqual({ step: 2000, value: 0.2 });
    expect(lastValue(stats, "absent")).toBeNull();
    expect(episodeCount(stats)).toBe(50);
    expect(tagsMatching(stats, (t) => t.startsWith("Policy/"))).toEqual(["Policy/Continuous Entropy Coeff"]);
  });
});

describe("plainCharts of a Mix & Match behavior", () => {
  const mm: StatsRecord[] = [
    { step: 1000, values: { [R]: 0.1, "Mix&Match/Alpha": 0.2, "Mix&Match/Decisions [component 1]": 0.81, "Mix&Match/Decisions [component 2]": 0.19 } },
    { step: 2000, values: { [R]: 0.5, "Mix&Match/Alpha": 0.4, "Mix&Match/Decisions [component 1]": 0.58, "Mix&Match/Decisions [component 2]": 0.42 } },
  ];

  it("draws α and each component's share of the decisions beside the reward", () => {
    const charts = plainCharts("Basic", mm);
    expect(charts.map((c) => c.id)).toEqual(["basic-reward", "basic-mix-and-match"]);
    const mix = charts[1]!;
    expect(mix.series.map((s) => [s.label, s.values])).toEqual([
      ["α (target's weight)", [0.2, 0.4]],
      ["decisions [component 1]", [0.81, 0.58]],
      ["decisions [component 2]", [0.19, 0.42]],
    ]);
  });

  it("has no α chart for plain SAC", () => {
    expect(plainCharts("3DBall", stats).some((c) => c.id.endsWith("mix-and-match"))).toBe(false);
  });
});
