// `pbt --device gpu` on lavapipe (skipped, or failed under CI=true, as every GPU test when no
// adapter can be had). In process: a population of 4 whose members share one GPU worker and update
// through gpuTeamUpdater (one stacked call per round), driven by BehaviorPopulation's own loop:
// the exploiter's state after loading equals the source's recorded snapshot bit for bit (as
// behavior-population.test.ts checks on the CPU). End to end: `pbt --device gpu
// --allow-software-gpu` with 2 members on builtin:3dball, ready often enough to exploit, must
// finish, say which members are stacked, log the exploit and leave every member's model.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PbtSettings } from "../../../src/config/index.js";
import { BehaviorTeam } from "../../../src/run/behavior-team.js";
import { BehaviorPopulation, type PopulationStepContext } from "../../../src/run/population/behavior-population.js";
import { gpuTeamUpdater } from "../../../src/run/population/gpu-team-updates.js";
import { memberPlace, memberStore, newMember } from "../../../src/run/team-member.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { TrainingStatusFile } from "../../../src/trainers/checkpoint/training-status.js";
import { GpuPopulationMember, GpuPopulationPool } from "../../../src/trainers/gpu/gpu-population.js";
import { LineageLog, readLineageLog } from "../../../src/trainers/pbt/index.js";
import { sacDeps, SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { webGpuForTests } from "../../trainers/gpu/webgpu-for-tests.js";
import { Env, envSpec, settings } from "../../trainers/sac/trainer-helpers.js";
import { removeDir, tempDir } from "../helpers.js";
import { RecordingStore, withoutHyperparameters } from "./snapshot-recording.js";
import { cli } from "./cli-child.js";

const adapter = await webGpuForTests();
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

// 16 units, one layer, an update every 10 agent steps: about 90 stacked updates per run.
// learning_rate and tau are searched (per-member values in one stack); batch_size is not, so both
// members stay in one minibatch size. Any better source is copied (margin 0, significance 1).
const YAML = [
  "behaviors:",
  "  3DBall:",
  "    trainer_type: sac",
  "    hyperparameters: {learning_rate: 0.0003, batch_size: 32, buffer_size: 20000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 10.0, init_entcoef: 0.5}",
  "    network_settings: {normalize: true, hidden_units: 16, num_layers: 1}",
  "    reward_signals: {extrinsic: {gamma: 0.99, strength: 1.0}}",
  "    max_steps: 960",
  "    time_horizon: 64",
  "    summary_freq: 480",
  "pbt:",
  "  population_size: 2",
  "  ready: 240",
  "  burn_in: 240",
  "  episodes: 5",
  "  quantile_fraction: 0.5",
  "  relative_margin: 0.0",
  "  significance: 1",
  "  explore:",
  "    learning_rate: {distribution: log_uniform, min: 1.0e-5, max: 1.0e-2}",
  "    tau: {distribution: log_uniform, min: 0.001, max: 0.02}",
].join("\n");

const pbt: PbtSettings = {
  population_size: 4,
  ready: 40,
  burn_in: 40,
  synchronous: false,
  quantile_fraction: 0.25,
  metric: "mean_reward",
  episodes: 5,
  keep_reference: false,
  relative_margin: 0,
  significance: 1,
  members_per_environment: 1,
  explore: [{ kind: "continuous", key: "learning_rate", integer: false, min: 1e-4, max: 1e-3, distribution: "log_uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [1e-4, 1e-3] }],
};

describe.skipIf(adapter === null)("pbt --device gpu", () => {
  it("exploit with stacked GPU updates: the exploiter loads exactly the source's recorded snapshot", { timeout: 600_000 }, async () => {
    await initBackend("wasm");
    const runDir = tempDir("mlagents-ts-pbt-gpu-pop-");
    dirs.push(runDir);
    const logger = createMemoryLogger();
    const store = new RecordingStore(path.join(runDir, "pbt", "snapshots", "Ball"));
    const spec = envSpec(2);
    const base = settings({ batch_size: 8, steps_per_update: 2 });
    const population = BehaviorPopulation.fresh("Ball", pbt, base, 11, store);
    const status = new TrainingStatusFile(runDir, "test");
    const deps = sacDeps({ engine: "gpu", allowSoftwareGpu: true, gpuPopulations: new GpuPopulationPool(true) });
    const members = [0, 1, 2, 3].map((i) => {
      const memberSettings = population.memberSettings(base, i);
      const trainer = population.track(new SacTrainer({ behaviorName: "Ball", spec, settings: memberSettings, seed: 20 + i, deps }), i);
      const place = memberPlace(runDir, "Ball", i, 4);
      return newMember(place, trainer, memberStore(place, memberSettings, { runDir, logger, version: "test", status }), memberSettings);
    });
    const team = new BehaviorTeam("Ball", spec, base, members);
    const updater = gpuTeamUpdater(team, logger)!;
    expect(updater).not.toBeNull();
    expect(logger.lines.join("\n")).toContain("PBT Ball on the GPU: members 0, 1, 2, 3 stacked in one GPU worker (one update call per round).");
    const gpu = (members[0]!.trainer as SacTrainer).updateModel as GpuPopulationMember;
    const lineagePath = path.join(runDir, "lineage.jsonl");
    const ctx: PopulationStepContext = { logger, lineage: await LineageLog.open(lineagePath), save: () => Promise.resolve(), loggedExploits: new Set() };
    const envs = members.map(() => new Env(4, 5));
    try {
      for (let t = 0; t < 40 && store.loads.length === 0; t++) {
        members.forEach((m, i) => {
          // Member i's rewards are scaled by i + 1: member 3 scores best, member 0 worst.
          const { decision, terminal } = envs[i]!.next();
          const k = i + 1;
          m.trainer.observe({ ...decision, reward: decision.reward.map((r) => r * k) }, { ...terminal, reward: terminal.reward.map((r) => r * k) }, 0);
          m.trainer.act(decision, false, 0);
        });
        updater.update();
        await population.step(team, ctx);
      }
      expect(gpu.population.counts().stackedMemberUpdates).toBeGreaterThan(20);
      expect(store.loads.length).toBeGreaterThanOrEqual(1);
      const { id, into } = store.loads[0]!;
      const recorded = store.taken.get(id)!;
      const exploiter = members.find((m) => m.trainer === into)!;
      const source = members.find((m) => m.trainer === recorded.owner)!;
      expect(source.index).toBeGreaterThan(exploiter.index);
      const loaded = (exploiter.trainer as SacTrainer).getState();
      // Bit for bit: weights, optimizer moments, normalizer, entropy coefficients, replay buffer, step.
      expect(withoutHyperparameters(loaded.model)).toStrictEqual(withoutHyperparameters(recorded.state.model));
      expect(loaded.buffer).toStrictEqual(recorded.state.buffer);
      expect(loaded.step).toBe(recorded.state.step);
      // The source trained on (in the stack) after its snapshot: its newer state is not what was loaded.
      expect(source.trainer.stepCount).toBeGreaterThan(recorded.state.step);
      expect(withoutHyperparameters((source.trainer as SacTrainer).getState().model)).not.toStrictEqual(withoutHyperparameters(recorded.state.model));
      const exploit = (await readLineageLog(lineagePath)).events.find((e) => e.kind === "exploit")!;
      expect(exploiter.trainer.hyperparameters().learning_rate).toBe(exploit.new.learning_rate);
      // The exploiter trains on in the stack from the loaded state with its own new learning rate.
      const before = (exploiter.trainer as SacTrainer).updateStepCount;
      for (let t = 0; t < 3; t++) {
        members.forEach((m, i) => {
          const { decision, terminal } = envs[i]!.next();
          m.trainer.observe(decision, terminal, 0);
          m.trainer.act(decision, false, 0);
        });
        updater.update();
      }
      expect((exploiter.trainer as SacTrainer).updateStepCount).toBeGreaterThan(before);
      expect(((exploiter.trainer as SacTrainer).getState().model as { hyperparameters: { learningRate: number } }).hyperparameters.learningRate).toBe(exploit.new.learning_rate);
    } finally {
      updater.dispose();
      members.forEach((m) => m.trainer.dispose());
    }
  });

  it("trains a population of 2 stacked in one GPU worker, exploits, and keeps every member's model", { timeout: 600_000 }, async () => {
    const dir = tempDir("mlagents-ts-pbt-gpu-");
    dirs.push(dir);
    const config = path.join(dir, "pbt.yaml");
    writeFileSync(config, YAML);
    const args = ["pbt", config, "--run-id", "g", "--results-dir", dir, "--env", "builtin:3dball", "--num-envs", "1", "--base-port", "0", "--seed", "4"];
    const run = cli([...args, "--device", "gpu", "--allow-software-gpu"]);
    const exit = await run.exited;
    const output = run.output();
    expect(exit.code, output.slice(-3000)).toBe(0);
    expect(output).toMatch(/Tensor backend: WebGPU on /);
    expect(output).toContain("PBT 3DBall on the GPU: members 0, 1 stacked in one GPU worker (one update call per round).");
    const runDir = path.join(dir, "g");
    const { events } = await readLineageLog(path.join(runDir, "lineage.jsonl"));
    expect(events.filter((e) => e.kind === "init").map((e) => e.member)).toEqual([0, 1]);
    const exploits = events.filter((e) => e.kind === "exploit");
    expect(exploits.length, output.slice(-3000)).toBeGreaterThanOrEqual(1);
    for (const e of exploits) expect(e.source).not.toBe(e.member);
    for (let i = 0; i < 2; i++) {
      const stats = readFileSync(path.join(runDir, "3DBall", `member-${i}`, "stats.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
      // Each member trained: its losses are finite numbers in its own summaries.
      expect(stats.some((s) => Number.isFinite(s["Losses/Q1 Loss"]))).toBe(true);
      expect(existsSync(path.join(runDir, "3DBall", `member-${i}`, `3DBall-member-${i}.onnx`)), `member ${i} model`).toBe(true);
    }
    const best = Number(/PBT 3DBall: the best member is (\d)/.exec(output)![1]);
    const bestModel = readFileSync(path.join(runDir, "3DBall", `member-${best}`, `3DBall-member-${best}.onnx`));
    expect(readFileSync(path.join(runDir, "3DBall.onnx")).equals(bestModel)).toBe(true);
  });
});
