import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRun, type RunData } from "../../src/report/load-run.js";
import { buildModel } from "../../src/report/report-model.js";
import { SUMMARY_STEPS, syntheticReward, writePlainRun, writePopulationRun } from "./helpers/synthetic-run.js";

const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-report-model-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const NOW = new Date("2026-12-06T18:00:00Z");
const last = SUMMARY_STEPS[SUMMARY_STEPS.length - 1]!;

describe("buildModel", () => {
  it("a population: members, final mean reward, exploits and current hyperparameters; the best member starred", async () => {
    await writePopulationRun(path.join(root, "p"));
    const m = buildModel(await loadRun(path.join(root, "p")), NOW);
    expect(m.title).toBe("Population report: p");
    expect(m.generated).toBe("2026-12-06T18:00:00.000Z");
    const s = m.sections[0]!;
    expect(s.population).toBe(true);
    expect(s.table.columns).toEqual(["Member (★ best)", "Steps", "Final mean reward", "Exploits", "learning_rate", "batch_size", "init_entcoef", "activation"]);
    const finals = [0, 1, 2, 3].map((i) => syntheticReward(i, last));
    const best = finals.indexOf(Math.max(...finals));
    expect(s.table.rows.map((r) => r[0])).toEqual([0, 1, 2, 3].map((i) => `member ${i}${i === best ? " ★" : ""}`));
    expect(s.table.rows[3]).toEqual([expect.stringMatching(/^member 3/), "30,000", String(Number(finals[3]!.toPrecision(4))), "2", "0.0012", "128", "0.25", "relu"]);
    expect(s.table.rows[0]!.slice(3)).toEqual(["0", "3e-4", "64", "0.5", "relu"]);
    expect(s.lineageSvg).toContain('class="lineage"');
    expect(s.note).toBeNull();
  });

  it("a plain run: one row per behavior, no lineage", async () => {
    await writePlainRun(path.join(root, "plain"), "Walker", [1000, 2000]);
    const m = buildModel(await loadRun(path.join(root, "plain")), NOW);
    expect(m.title).toBe("Training report: plain");
    const s = m.sections[0]!;
    expect(s.population).toBe(false);
    expect(s.table.rows).toEqual([["Walker", "2,000", `${Number(syntheticReward(0, 2000).toPrecision(4))} (step 2,000)`, "24", "5 s"]]);
    expect(s.lineageSvg).toBeNull();
  });

  it("says so when a behavior has no summary yet", () => {
    const run: RunData = { runId: "r", runDir: "/x/r", warnings: [], behaviors: [{ name: "B", stats: [], members: [], lineage: [] }] };
    expect(buildModel(run, NOW).sections[0]!.note).toBe("No summary was written yet.");
  });
});
