// `pbt --device gpu --allow-software-gpu` end to end on lavapipe (skipped, or failed under CI=true,
// as every GPU test when no adapter can be had): a population of 2 on builtin:3dball whose members
// share one GPU worker and update as one stack per round, ready often enough to exploit. The run
// must finish, say which members are stacked, log the exploit in the lineage and leave every
// member's model and the best one's.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLineageLog } from "../../../src/trainers/pbt/index.js";
import { webGpuForTests } from "../../trainers/gpu/webgpu-for-tests.js";
import { removeDir, tempDir } from "../helpers.js";
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

describe.skipIf(adapter === null)("pbt --device gpu", () => {
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
