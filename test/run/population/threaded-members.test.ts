// A `pbt` run whose members are threaded (threaded-sac-engine.ts), in-process on builtin:3dball with
// the whole population in one shared emulator: every member's updates run in the one worker thread
// of the process while the trainer steps the emulator, the population exploits, and each exploiter's
// state right after loading equals the source's recorded snapshot bit for bit (weights, optimizer
// moments, normalizers, entropy coefficients, noise stream, replay buffer, step), although the
// source's updates were still queued in the worker when its snapshot was asked for.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCliOverrides, loadRunOptions, type RunOptions } from "../../../src/config/index.js";
import { createPbtRun } from "../../../src/run/population/run-population.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { readLineageLog } from "../../../src/trainers/pbt/index.js";
import { SacTrainer, type HyperparameterSource, type SacTrainerState } from "../../../src/trainers/sac/sac-trainer.js";
import { ThreadedSacEngine } from "../../../src/trainers/sac/threaded-sac-engine.js";
import { ThreadedSacHost } from "../../../src/trainers/sac/threaded-sac-host.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { removeDir, tempDir } from "../helpers.js";
import { withoutHyperparameters } from "./snapshot-recording.js";

const dirs: string[] = [];
beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(() => dirs.forEach(removeDir));

interface Load {
  readonly into: RecordingTrainer;
  readonly state: SacTrainerState;
  /** The exploiter's own state right after it loaded `state` (before explore changed its hyperparameters). */
  readonly after: SacTrainerState;
  /** Members sharing the worker thread at that moment. */
  readonly engines: number;
}

/** Every state this trainer handed out (snapshots), and every in-memory state it loaded. */
class RecordingTrainer extends SacTrainer {
  static readonly taken = new WeakMap<SacTrainerState, RecordingTrainer>();
  static readonly loads: Load[] = [];
  override getState(): SacTrainerState {
    const s = super.getState();
    RecordingTrainer.taken.set(s, this);
    return s;
  }
  override setState(state: SacTrainerState, hyperparameters: HyperparameterSource = "state"): void {
    super.setState(state, hyperparameters);
    if (RecordingTrainer.taken.has(state)) RecordingTrainer.loads.push({ into: this, state, after: super.getState(), engines: ThreadedSacHost.running?.engineCount ?? 0 });
  }
}


describe("pbt with threaded members", () => {
  it("4 members in one emulator share one update worker, exploit, and each exploiter loads exactly the recorded snapshot", { timeout: 240_000 }, async () => {
    const resultsDir = tempDir("mlagents-ts-threaded-pbt-");
    dirs.push(resultsDir);
    const logger = createMemoryLogger("info");
    let options: RunOptions = loadRunOptions("config/3dball-pbt.yaml", logger);
    options = applyCliOverrides(options, { env: "builtin:3dball", basePort: 0, runId: "threaded-pbt", resultsDir, seed: 3, force: true }, logger);
    for (const b of options.behaviors.values()) {
      Object.assign(b, { max_steps: 3000, summary_freq: 1000, checkpoint_interval: 100_000, threaded: true });
      b.hyperparameters = { ...b.hyperparameters, buffer_size: 5000 }; // every snapshot copies the buffer
    }
    // Checks from 600 own steps on, every 600; no margin and no t-test: the bottom member always copies the top one.
    options = { ...options, pbt: { ...options.pbt!, population_size: 4, members_per_environment: 4, ready: 600, burn_in: 600, episodes: 5, relative_margin: 0, significance: 1 } };
    const trainers: RecordingTrainer[] = [];
    const run = await createPbtRun(options, {
      logger,
      version: "test",
      createTrainer: (behaviorName, spec, settings, seed) => {
        const t = new RecordingTrainer({ behaviorName, spec, settings, seed, logger });
        trainers.push(t);
        return t;
      },
    });
    const result = await run.run();
    expect(result.exitCode, logger.lines.slice(-10).join("\n")).toBe(0);
    expect(trainers).toHaveLength(4);
    for (const t of trainers) expect(t.updateModel).toBeInstanceOf(ThreadedSacEngine);
    expect(ThreadedSacHost.running, "the worker closes with its last member").toBeNull();
    const loads = RecordingTrainer.loads;
    expect(loads.length, logger.lines.filter((l) => /exploit|copie/i.test(l)).join("\n")).toBeGreaterThanOrEqual(1);
    for (const load of loads) {
      const source = RecordingTrainer.taken.get(load.state)!;
      expect(source).not.toBe(load.into);
      expect(load.engines).toBe(4); // one worker thread for the whole population
      expect(withoutHyperparameters(load.after.model)).toStrictEqual(withoutHyperparameters(load.state.model));
      expect(load.after.buffer).toStrictEqual(load.state.buffer);
      expect(load.after.step).toBe(load.state.step);
    }
    const events = (await readLineageLog(path.join(result.runDir, "lineage.jsonl"))).events;
    expect(events.filter((e) => e.kind === "exploit").length).toBe(loads.length);
  });
});
