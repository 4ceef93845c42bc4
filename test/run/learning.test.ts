// End-to-end learning checks (issue 4, item 6): runTraining with `--env builtin:NAME`, so the
// emulator runs in a child process and every step crosses the real gRPC protocol, with the shipped
// configs (only max_steps, summary_freq and checkpoints changed). The reward is read back from what
// the run wrote: results/<run-id>/<behavior>/stats.jsonl. Seeded, and the loop is sequential
// (observe, act, step, update), so a run's steps and rewards repeat exactly from run to run; only
// the wall-clock time depends on the machine. Budgets leave a margin over what seeds 1-6 needed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "../../src/run/run-training.js";
import { applyCliOverrides, loadRunOptions } from "../../src/config/index.js";
import { initBackend } from "../../src/trainers/backend.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { readStats, stopAtReward } from "../support/learning-run.js";

interface Summary {
  readonly step: number;
  readonly time: number;
  readonly meanReward: number | null;
}

interface LearnRun {
  readonly summaries: Summary[];
  readonly totalSteps: number;
  readonly updates: number;
  readonly wallS: number;
  readonly lines: string[];
}

interface LearnSpec {
  readonly env: string;
  readonly config: string;
  readonly seed: number;
  /** Trainer steps (agent decisions) the run may use: becomes max_steps. */
  readonly budget: number;
  readonly summaryFreq: number;
  /** The run is stopped (as by Ctrl+C) at the first summary whose mean reward reaches this. */
  readonly stopAt: number;
  readonly numAreas?: number;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

beforeAll(async () => {
  await initBackend("wasm"); // what `learn` picks by default on machines without tfjs-node
});

async function learn(spec: LearnSpec): Promise<LearnRun> {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-learning-"));
  dirs.push(resultsDir);
  const { logger, lines, signal } = stopAtReward(spec.stopAt);
  let options = loadRunOptions(spec.config, logger);
  options = applyCliOverrides(
    options,
    { env: `builtin:${spec.env}`, basePort: 0, runId: "learning", resultsDir, seed: spec.seed, ...(spec.numAreas ? { numAreas: spec.numAreas } : {}) },
    logger,
  );
  for (const b of options.behaviors.values()) {
    b.max_steps = spec.budget;
    b.summary_freq = spec.summaryFreq;
    b.checkpoint_interval = 10 * spec.budget;
  }
  const trainers: SacTrainer[] = [];
  const t0 = performance.now();
  const result = await runTraining(options, {
    logger,
    version: "test",
    signal,
    createTrainer: (behaviorName, bspec, settings, seed) => {
      const t = new SacTrainer({ behaviorName, spec: bspec, settings, seed, logger });
      trainers.push(t);
      return t;
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  expect(result.exitCode, lines.slice(-10).join("\n")).toBe(0);
  expect(trainers).toHaveLength(1);
  const behavior = [...options.behaviors.keys()][0]!;
  const summaries = readStats(result.runDir, behavior).map((r) => ({ step: r.step!, time: r.time_elapsed!, meanReward: r["Environment/Cumulative Reward"] ?? null }));
  return { summaries, totalSteps: trainers[0]!.stepCount, updates: trainers[0]!.updateStepCount - 1, wallS, lines };
}

/** The first summary at or above `reward`, or null. */
function firstReaching(run: LearnRun, reward: number): Summary | null {
  return run.summaries.find((s) => s.meanReward !== null && s.meanReward >= reward) ?? null;
}

function describeRun(run: LearnRun): string {
  return `${run.totalSteps} steps, ${run.updates} updates, ${run.wallS.toFixed(1)} s; summaries: ` + run.summaries.map((s) => `${s.step}:${s.meanReward?.toFixed(3) ?? "-"}`).join(" ");
}

describe("learning end to end (built-in emulator over gRPC, shipped configs)", () => {
  it("basic: SAC-Discrete finds the large goal (mean reward >= 0.9; optimum 0.93) within 25k steps", { timeout: 180_000 }, async () => {
    const tensorsBefore = tf.memory().numTensors;
    // Seeds 1..6 first reach 0.9 at steps 17k, 7k, 18k, 16k, 14k, 20k: the policy first settles on
    // the small goal (0.07) and leaves it once the entropy coefficient has grown from init_entcoef
    // 0.01 (seed 7 was still there at 30k: a local optimum, as with ML-Agents' own Basic config).
    // Four training areas (--num-areas 4) only cut protocol round trips; steps and updates are as with one.
    const run = await learn({ env: "basic", config: "config/basic.yaml", seed: 1, budget: 25_000, summaryFreq: 1000, stopAt: 0.9, numAreas: 4 });
    const info = describeRun(run);
    // A random walk from 10 hits the near, small goal (7) first most of the time.
    expect(run.summaries[0]!.meanReward!, info).toBeLessThan(0.5);
    const hit = firstReaching(run, 0.9);
    expect(hit, info).not.toBeNull();
    expect(hit!.step, info).toBeLessThanOrEqual(25_000);
    expect(hit!.meanReward!, info).toBeLessThanOrEqual(0.93 + 1e-3); // nothing beats the optimum
    // steps_per_update 10: one gradient update per 10 steps, give or take the first batch.
    expect(run.updates, info).toBeGreaterThan(run.totalSteps / 10 - 10);
    expect(run.updates, info).toBeLessThanOrEqual(run.totalSteps / 10);
    expect(tf.memory().numTensors, "tensors leaked by the run").toBe(tensorsBefore);
  });

  it("3dball: mean reward rises from ~1 (random policy) to >= 90 (of 100) within 66k steps", { timeout: 180_000 }, async () => {
    const tensorsBefore = tf.memory().numTensors;
    // Seeds 1..6 first reach 90 at 48k, 57k, 51k, 54k, 51k, 51k steps (ML-Agents' own SAC: 100 at
    // ~60k with this config). 100 is the cap: 1000 decisions of +0.1 until MaxStep.
    const run = await learn({ env: "3dball", config: "config/3dball.yaml", seed: 1, budget: 66_000, summaryFreq: 3000, stopAt: 90 });
    const info = describeRun(run);
    expect(run.summaries[0]!.meanReward!, info).toBeLessThan(3);
    const hit = firstReaching(run, 90);
    expect(hit, info).not.toBeNull();
    expect(hit!.step, info).toBeLessThanOrEqual(66_000);
    expect(hit!.meanReward!, info).toBeLessThanOrEqual(100 + 1e-3);
    expect(run.updates, info).toBeGreaterThan(run.totalSteps / 10 - 20);
    expect(run.updates, info).toBeLessThanOrEqual(run.totalSteps / 10);
    expect(tf.memory().numTensors, "tensors leaked by the run").toBe(tensorsBefore);
  });
});
