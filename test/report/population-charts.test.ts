import { mkdtempSync, promises as fs, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BehaviorRun, loadRun, type StatsRecord } from "../../src/report/load-run.js";
import { colorOf } from "../../src/report/palette.js";
import { describeChange, lastStep, memberIndices, numericHyperNames, populationCharts, rewardAt } from "../../src/report/population-charts.js";
import { POPULATION_EVENTS, SUMMARY_STEPS, syntheticReward, writePopulationRun } from "./helpers/synthetic-run.js";

const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-pop-charts-"));
let behavior: BehaviorRun;
beforeAll(async () => {
  await writePopulationRun(path.join(root, "p"));
  behavior = (await loadRun(path.join(root, "p"))).behaviors[0]!;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("populationCharts", () => {
  it("reward per member over the union of summary steps, in the member colours", () => {
    const reward = populationCharts(behavior)[0]!;
    expect(reward.x).toEqual(SUMMARY_STEPS);
    expect(populationCharts(behavior).map((c) => c.xRange)).toEqual(Array(4).fill([0, 30000])); // aligned with the lineage
    expect(reward.series.map((s) => [s.label, s.color])).toEqual([0, 1, 2, 3].map((m) => [`member ${m}`, colorOf(m)]));
    expect(reward.series[3]!.values).toEqual(SUMMARY_STEPS.map((s) => syntheticReward(3, s)));
  });

  it("marks every exploit and failed attempt on the member's curve", () => {
    const markers = populationCharts(behavior)[0]!.markers;
    const marked = POPULATION_EVENTS.filter((e) => e.kind !== "init");
    expect(markers.map((m) => [m.kind, m.step, m.color])).toEqual(marked.map((e) => [e.kind, e.step, colorOf(e.member)]));
    // 10000 and 16000 are summary steps: the curve's own value there.
    expect(markers[0]!.value).toBe(syntheticReward(3, 10000));
    expect(markers[0]!.label).toBe("member 3 ← member 0 at step 10,000 (copied)");
  });

  it("one step chart per numeric hyperparameter, holding each member's value from its events to the end", () => {
    const charts = populationCharts(behavior).slice(1);
    expect(charts.map((c) => c.title)).toEqual(["Hyperparameter: learning_rate", "Hyperparameter: batch_size", "Hyperparameter: init_entcoef"]);
    const lr = charts[0]!;
    expect(lr.x).toEqual([0, 10000, 16000, 24000, 28000, 30000]);
    expect(lr.series.every((s) => s.stepped)).toBe(true);
    expect(lr.series[3]!.values).toEqual([1e-5, 3.6e-4, 3.6e-4, 1.2e-3, 1.2e-3, 1.2e-3]);
    expect(lr.series[2]!.values).toEqual([3e-5, 3e-5, 8e-4, 8e-4, 8e-4, 8e-4]);
    expect(lr.logY).toBe(true); // 1e-5 .. 1.2e-3
    expect(charts[1]!.logY).toBe(false); // batch sizes 64 .. 256
  });
});

describe("population helpers", () => {
  it("members, last step, numeric hyperparameters", () => {
    expect(memberIndices(behavior)).toEqual([0, 1, 2, 3]);
    expect(lastStep(behavior)).toBe(30000);
    expect(numericHyperNames(behavior.lineage)).toEqual(["learning_rate", "batch_size", "init_entcoef"]);
  });

  it("interpolates the reward curve between summaries", () => {
    const stats: StatsRecord[] = [
      { step: 100, values: { "Environment/Cumulative Reward": 1 } },
      { step: 200, values: {} },
      { step: 300, values: { "Environment/Cumulative Reward": 5 } },
    ];
    expect([rewardAt(stats, 100), rewardAt(stats, 200), rewardAt(stats, 300), rewardAt(stats, 50), rewardAt(stats, 400)]).toEqual([1, 3, 5, null, null]);
  });

  it("describes an explore step", () => {
    expect(describeChange(behavior.lineage.find((e) => e.kind === "exploit")!)).toBe("learning_rate: 1e-5 → 3.6e-4, batch_size: 256 → 64");
  });
});

describe("populationCharts of a Mix & Match population", () => {
  const alphaOf = (m: number, step: number): number => (m === 1 && step > 2000 ? 0.6 : [0.2, 0.4][m]!);
  let mm: BehaviorRun;
  beforeAll(async () => {
    const runDir = path.join(root, "mm");
    for (const m of [0, 1]) {
      const dir = path.join(runDir, "Basic", `member-${m}`);
      await fs.mkdir(dir, { recursive: true });
      const rows = [1000, 2000, 3000].map((step) => JSON.stringify({ step, "Environment/Cumulative Reward": step / 5000, "Mix&Match/Alpha": alphaOf(m, step) }));
      await fs.writeFile(path.join(dir, "stats.jsonl"), rows.join("\n") + "\n");
    }
    const event = (e: object): string => JSON.stringify({ time: "2026-12-06T12:00:00Z", behavior: "Basic", score: { member: null, source: null }, old: null, source: null, ...e });
    const lineage = [
      event({ kind: "init", member: 0, step: 0, new: { mix_and_match_alpha: 0.2, learning_rate: 3e-4 } }),
      event({ kind: "init", member: 1, step: 0, new: { mix_and_match_alpha: 0.4, learning_rate: 1e-4 } }),
      event({ kind: "exploit", member: 1, step: 2500, source: 0, score: { member: 0.1, source: 0.4 }, old: { mix_and_match_alpha: 0.4, learning_rate: 1e-4 }, new: { mix_and_match_alpha: 0.6, learning_rate: 3e-4 } }),
    ];
    await fs.writeFile(path.join(runDir, "lineage.jsonl"), lineage.join("\n") + "\n");
    mm = (await loadRun(runDir)).behaviors[0]!;
  });

  it("draws α per member from the stats beside the reward, with the exploits marked, and no duplicate lineage chart of α", () => {
    const charts = populationCharts(mm);
    expect(charts.map((c) => c.id)).toEqual(["basic-member-reward", "basic-member-alpha", "basic-hp-learning-rate"]);
    const alpha = charts[1]!;
    expect(alpha.x).toEqual([1000, 2000, 3000]);
    expect(alpha.series.map((s) => s.values)).toEqual([
      [0.2, 0.2, 0.2],
      [0.4, 0.4, 0.6],
    ]);
    // Member 1's exploit at step 2500, marked at its α before it (0.4).
    expect(alpha.markers.map((m) => [m.step, m.value, m.kind])).toEqual([[2500, 0.4, "exploit"]]);
  });
});
