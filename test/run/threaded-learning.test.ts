// `threaded: true` end to end (threaded-sac-engine.ts): `learn` on builtin:3dball over gRPC with the
// shipped config, its updates in the worker thread while the trainer steps the emulator. Unlike a
// plain run it does not repeat exactly: which weights act at a step depends on how far the worker
// got. So the test asks what a user would: the reward rises as a plain run's does (seeds 1..6 reach
// 90 at 48k-57k steps there), the update/step ratio of steps_per_update holds, and every training
// summary carries the losses the worker computed.
import { beforeAll, describe, expect, it } from "vitest";
import { applyCliOverrides, loadRunOptions } from "../../src/config/index.js";
import { runTraining } from "../../src/run/run-training.js";
import { initBackend } from "../../src/trainers/backend.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { ThreadedSacEngine } from "../../src/trainers/sac/threaded-sac-engine.js";
import { readStats, stopAtReward } from "../support/learning-run.js";
import { tempResultsDir } from "../support/temp-results.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("learn with threaded: true", () => {
  it("3dball: mean reward rises from ~1 to >= 90 within 75k steps, one update per 10 steps, losses in every training summary", { timeout: 240_000 }, async () => {
    const resultsDir = tempResultsDir("mlagents-ts-threaded-");
    const { logger, lines, signal } = stopAtReward(90);
    const options = applyCliOverrides(loadRunOptions("config/3dball.yaml", logger), { env: "builtin:3dball", basePort: 0, runId: "threaded", resultsDir, seed: 1 }, logger);
    const budget = 75_000;
    for (const b of options.behaviors.values()) Object.assign(b, { max_steps: budget, summary_freq: 3000, checkpoint_interval: 10 * budget, threaded: true });
    const trainers: SacTrainer[] = [];
    const result = await runTraining(options, {
      logger,
      version: "test",
      signal,
      createTrainer: (behaviorName, spec, settings, seed) => {
        const t = new SacTrainer({ behaviorName, spec, settings, seed, logger });
        trainers.push(t);
        return t;
      },
    });
    expect(result.exitCode, lines.slice(-10).join("\n")).toBe(0);
    expect(trainers).toHaveLength(1);
    const trainer = trainers[0]!;
    expect(trainer.updateModel).toBeInstanceOf(ThreadedSacEngine);
    const stats = readStats(result.runDir, "3DBall");
    const info = stats.map((s) => `${s.step}:${(s["Environment/Cumulative Reward"] ?? NaN).toFixed(2)}`).join(" ");
    expect(stats[0]!["Environment/Cumulative Reward"]!, info).toBeLessThan(3);
    const hit = stats.find((s) => (s["Environment/Cumulative Reward"] ?? 0) >= 90);
    expect(hit, info).toBeDefined();
    expect(hit!.step!, info).toBeLessThanOrEqual(budget);
    const updates = trainer.updateStepCount - 1;
    expect(updates, info).toBeGreaterThan(trainer.stepCount / 10 - 20);
    expect(updates, info).toBeLessThanOrEqual(trainer.stepCount / 10);
    for (const s of stats.filter((r) => r["Is Training"])) {
      for (const tag of ["Losses/Q1 Loss", "Losses/Q2 Loss", "Losses/Policy Loss", "Policy/Entropy", "Policy/Continuous Entropy Coeff"]) {
        expect(Number.isFinite(s[tag]), `${tag} at ${s.step}`).toBe(true);
      }
    }
  });
});
