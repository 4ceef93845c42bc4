// Mix & Match on the task where its premise holds (README "Mix & Match curricula"): `learn` with
// config/forage-mm.yaml on builtin:forage (emulator in a child process, real gRPC). α_K is 0: only the
// simple component (4 running macro-actions) acts, and the target (all 54 actions) learns from its
// replay and the distillation term alone. The exported ONNX, the target alone, then drives the
// emulator deterministically. Seeded and sequential, so the run repeats.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { applyCliOverrides, loadRunOptions } from "../../../src/config/index.js";
import { runTraining } from "../../../src/run/run-training.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { createTrainer } from "../../../src/trainers/create-trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { runAgainstEmulator } from "../../export/helpers/emulated-run.js";
import { readStats } from "../../support/learning-run.js";
import { tempResultsDir } from "../../support/temp-results.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("Mix & Match learning (builtin:forage over gRPC)", () => {
  it("the target learns from the simple component's experience and ships a policy that eats", { timeout: 300_000 }, async () => {
    const resultsDir = tempResultsDir("mlagents-ts-mm-forage-");
    const logger = createMemoryLogger("info");
    let options = loadRunOptions("config/forage-mm.yaml", logger);
    options = applyCliOverrides(options, { env: "builtin:forage", basePort: 0, runId: "mm", resultsDir, seed: 1 }, logger);
    const settings = options.behaviors.get("Forager")!;
    settings.max_steps = 15_000;
    const result = await runTraining(options, {
      logger,
      version: "test",
      createTrainer: (behaviorName, spec, s, seed) => createTrainer({ behaviorName, spec, settings: s, seed, logger }),
    });
    expect(result.exitCode, logger.lines.slice(-10).join("\n")).toBe(0);
    const stats = readStats(result.runDir, "Forager");
    const info = stats.map((r) => `${r.step}:${r["Environment/Cumulative Reward"]?.toFixed(3) ?? "-"}`).join(" ");
    // Only the simple component acted; the target still trained (its own policy loss and distillation).
    expect(stats.every((r) => r["Mix&Match/Decisions [component 2]"] === 0), info).toBe(true);
    expect(stats.some((r) => Number.isFinite(r["Losses/Distillation [component 1]"]) && Number.isFinite(r["Losses/Policy Loss [component 2]"]))).toBe(true);

    // A uniformly random agent scores about -1 (test/emulator/environments/forage.test.ts); a turn-then-run controller about 1.39.
    const run = await runAgainstEmulator(path.join(result.runDir, "Forager.onnx"), "forage", { episodes: 20 });
    expect(run.report.exitCode, run.lines.join("\n")).toBe(0);
    expect(run.report.episodes).toBeGreaterThanOrEqual(20);
    expect(run.report.meanEpisodeReward!, `${info}; target alone: ${run.report.meanEpisodeReward}`).toBeGreaterThan(1);
  });
});
