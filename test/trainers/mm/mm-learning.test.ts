// Mix & Match learns end to end: runTraining with `--env builtin:basic` (emulator in a child process,
// real gRPC) and config/basic-mm.yaml (a 2-action macro component grown into Basic's 3-action target,
// α fixed at [0.5, 0.5]); then the exported ONNX, the target alone, drives the emulator
// deterministically. Seeded and sequential, so the steps and rewards repeat from run to run.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "../../../src/run/run-training.js";
import { applyCliOverrides, loadRunOptions } from "../../../src/config/index.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { exportCheckpoint } from "../../../src/cli/run/export-checkpoint.js";
import { createTrainer } from "../../../src/trainers/create-trainer.js";
import { MmTrainer } from "../../../src/trainers/mm/mm-trainer.js";
import type { Trainer } from "../../../src/trainers/trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { runAgainstEmulator } from "../../export/helpers/emulated-run.js";
import { readStats, stopAtReward } from "../../support/learning-run.js";
import { tempResultsDir } from "../../support/temp-results.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("Mix & Match learning (builtin:basic over gRPC)", () => {
  it("the mixture reaches the large goal and the exported target alone drives Basic to it", { timeout: 300_000 }, async () => {
    const tensorsBefore = tf.memory().numTensors;
    const resultsDir = tempResultsDir("mlagents-ts-mm-");
    const { logger, lines, signal } = stopAtReward(0.9);
    let options = loadRunOptions("config/basic-mm.yaml", logger);
    options = applyCliOverrides(options, { env: "builtin:basic", basePort: 0, runId: "mm", resultsDir, seed: 1, numAreas: 4 }, logger);
    const settings = options.behaviors.get("Basic")!;
    settings.max_steps = 30_000;
    settings.summary_freq = 1000;
    settings.checkpoint_interval = 300_000;
    const trainers: Trainer[] = [];
    const result = await runTraining(options, {
      logger,
      version: "test",
      signal,
      createTrainer: (behaviorName, spec, s, seed) => {
        // What `learn` uses: createTrainer picks Mix & Match for the mix_and_match section.
        const t = createTrainer({ behaviorName, spec, settings: s, seed, logger });
        trainers.push(t);
        return t;
      },
    });
    expect(result.exitCode, lines.slice(-10).join("\n")).toBe(0);
    expect(trainers).toHaveLength(1);
    expect(trainers[0]).toBeInstanceOf(MmTrainer);
    // The start-up hyperparameter listing shows the section in its YAML shape (no source locations).
    const listing = lines.find((l) => l.includes("Hyperparameters for behavior name Basic"))!;
    expect(listing).toContain("mix_and_match:");
    expect(listing).toContain("initial_alpha:\t0.5,0.5");
    expect(listing).not.toContain("fileName");
    const stats = readStats(result.runDir, "Basic");
    const info = stats.map((r) => `${r.step}:${r["Environment/Cumulative Reward"]?.toFixed(3) ?? "-"}`).join(" ");
    const rewards = stats.map((r) => r["Environment/Cumulative Reward"] ?? null);
    expect(rewards[0]!, info).toBeLessThan(0.5);
    // The run stops at the first log line showing >= 0.9; the log rounds to 3 decimals.
    expect(rewards.some((r) => r !== null && r >= 0.9 - 5e-4), info).toBe(true);
    // Both components acted (α = [0.5, 0.5]) and each reports its own losses and entropy.
    const last = stats[stats.length - 1]!;
    expect(last["Mix&Match/Decisions [component 1]"]!, info).toBeGreaterThan(0.4);
    expect(last["Mix&Match/Decisions [component 2]"]!, info).toBeGreaterThan(0.4);
    for (const key of ["Losses/Policy Loss [component 1]", "Losses/Policy Loss [component 2]", "Policy/Entropy [component 2]", "Losses/Distillation [component 1]", "Losses/Q1 Loss"]) {
      expect(stats.some((r) => Number.isFinite(r[key])), key).toBe(true);
    }
    expect(tf.memory().numTensors, "tensors leaked by the run").toBe(tensorsBefore);

    // The exported model is the target alone (3 actions, the behavior's network), run deterministically.
    const onnx = path.join(result.runDir, "Basic.onnx");
    const run = await runAgainstEmulator(onnx, "basic", { episodes: 20 });
    expect(run.report.exitCode, run.lines.join("\n")).toBe(0);
    expect(run.report.episodes).toBeGreaterThanOrEqual(20);
    expect(run.report.meanEpisodeReward!, `${info}; target alone: ${run.report.meanEpisodeReward}`).toBeGreaterThan(0.85);

    // `mlagents-ts export` of the run's checkpoint (configuration.yaml keeps the mix_and_match section)
    // writes the same target-only model.
    const exported = await exportCheckpoint({ source: result.runDir, out: path.join(resultsDir, "exported.onnx") });
    expect(readFileSync(exported.outPath)).toEqual(readFileSync(onnx));
  });

  it("a mapping that does not fit the behavior ends the run with one line naming file:line and the key path", { timeout: 120_000 }, async () => {
    const resultsDir = tempResultsDir("mlagents-ts-mm-");
    const configFile = path.join(resultsDir, "basic-mm-bad.yaml");
    // Basic's one branch has 3 actions (0..2): a macro-action "3" cannot be known wrong before Unity connects.
    writeFileSync(configFile, readFileSync("config/basic-mm.yaml", "utf8").replace("- {discrete: [2]}", "- {discrete: [3]}"));
    const logger = createMemoryLogger("info");
    let options = loadRunOptions(configFile, logger);
    options = applyCliOverrides(options, { env: "builtin:basic", basePort: 0, runId: "bad", resultsDir, seed: 1 }, logger);
    const result = await runTraining(options, {
      logger,
      version: "test",
      createTrainer: (behaviorName, spec, s, seed) => createTrainer({ behaviorName, spec, settings: s, seed, logger }),
    });
    expect(result.exitCode).not.toBe(0);
    const message = `${configFile}:40: behaviors.Basic.mix_and_match.components[0].macro_actions[1].discrete[0]: 3 is outside branch 0 of the target, which has 3 action(s) (0..2)`;
    const errorLine = logger.lines.find((l) => l.startsWith("[ERROR]") && l.includes(message));
    expect(errorLine, logger.lines.join("\n")).toBeDefined();
  });
});
