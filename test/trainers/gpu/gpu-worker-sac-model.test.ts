// The GPU engine behind the synchronous SacEngine interface (gpu-worker-sac-model.ts): every member
// through the worker thread against the tape engine on this thread; then `learn --device gpu
// --allow-software-gpu` end to end on builtin:3dball, whose first losses equal the wasm run's.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import { GpuWorkerSacModel } from "../../../src/trainers/gpu/gpu-worker-sac-model.js";
import { createSacEngine } from "../../../src/trainers/sac/sac-model.js";
import { makeSpec, randomBatch, sacSettings } from "../sac/helpers.js";
import { webGpuForTests } from "./webgpu-for-tests.js";

const adapter = await webGpuForTests();
const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-gpu-learn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ML-Agents' 3DBall SAC settings, cut to 3 summaries of 240 agent steps (about 24 updates each).
const CONFIG = `behaviors:
  3DBall:
    trainer_type: sac
    hyperparameters: { learning_rate: 0.0003, batch_size: 64, buffer_size: 200000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 10.0, init_entcoef: 0.5 }
    network_settings: { normalize: true, hidden_units: 64, num_layers: 2 }
    reward_signals: { extrinsic: { gamma: 0.99, strength: 1.0 } }
    max_steps: 720
    time_horizon: 1000
    summary_freq: 240
`;

function learn(runId: string, device: string[]): Promise<string> {
  const args = ["bin/mlagents-ts.js", "learn", path.join(dir, "3dball.yaml"), "--run-id", runId, "--env", "builtin:3dball", "--base-port", "0", "--seed", "3", "--results-dir", dir, ...device];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: path.resolve(import.meta.dirname, "../../.."), maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`learn ${device.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

type Summary = Record<string, number>;
const summaries = (runId: string): Summary[] =>
  readFileSync(path.join(dir, runId, "3DBall", "stats.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Summary);

describe.skipIf(adapter === null)("the gpu engine through the worker thread", () => {
  it("answers every SacEngine call as the tape engine does", { timeout: 300_000 }, async () => {
    await initBackend("wasm");
    const spec = makeSpec([[6]], 2, [3]);
    const settings = sacSettings({ normalize: true, batch: 16, initEntcoef: 0.5 });
    const batches = [1, 2].map((k) => randomBatch(spec, 16, 70 + k, 3));
    const gpu = createSacEngine(spec, settings, 5, { engine: "gpu", allowSoftwareGpu: true });
    const tape = createSacEngine(spec, settings, 5, { engine: "tape" });
    try {
      expect(gpu).toBeInstanceOf(GpuWorkerSacModel);
      expect(gpu.engine).toBe("tape on WebGPU in a worker thread");
      for (const e of [gpu, tape]) {
        e.setHyperparameters({ initEntropyCoef: 0.2, gamma: 0.9 });
        e.updateNormalizer(batches[0]!.obs, 16);
      }
      expect(gpu.hyperparameters()).toEqual(tape.hyperparameters());
      expect(gpu.alphas.continuous).toBeCloseTo(0.2, 6);
      const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
      };
      const acts = [gpu, tape].map((e) => e.act(batches[0]!.obs, 16, null, false));
      close(acts[0]!.continuous, acts[1]!.continuous, 1e-5);
      expect(Array.from(acts[0]!.discrete)).toEqual(Array.from(acts[1]!.discrete));
      const evals = [gpu, tape].map((e) => e.evaluate(batches[1]!.obs, 16, null));
      close(evals[0]!.mu, evals[1]!.mu, 1e-5);
      close(evals[0]!.probs[0]!, evals[1]!.probs[0]!, 1e-5);
      for (const b of batches) {
        const [g, t] = [gpu.update(b), tape.update(b)];
        for (const key of ["q1Loss", "q2Loss", "policyLoss", "entropy", "continuousEntropyCoeff", "discreteEntropyCoeff"] as const) {
          expect(Math.abs(g[key]! - t[key]!) / Math.max(1, Math.abs(t[key]!)), key).toBeLessThan(2e-4);
        }
      }
      expect(gpu.updateCount).toBe(2);
      // A state taken on the GPU loads into the tape engine and back: the next actions agree.
      const state = gpu.getState();
      expect(state.updates).toBe(2);
      tape.setState(state);
      gpu.setState(tape.getState());
      close(gpu.act(batches[1]!.obs, 16, null, true).continuous, tape.act(batches[1]!.obs, 16, null, true).continuous, 1e-5);
      const [gs, ts] = [gpu.snapshot(), tape.snapshot()];
      close(gs.body[0]!.kernel, ts.body[0]!.kernel, 1e-6);
      close(gs.continuous!.mu.bias, ts.continuous!.mu.bias, 1e-6);
      expect(gs.encoders).toEqual(ts.encoders);
    } finally {
      gpu.dispose();
      tape.dispose();
    }
  });
});

describe.skipIf(adapter === null)("learn --device gpu", () => {
  it("trains 3DBall on the WebGPU adapter with the wasm run's losses, summary by summary", { timeout: 480_000 }, async () => {
    writeFileSync(path.join(dir, "3dball.yaml"), CONFIG);
    const gpuOut = await learn("gpu", ["--device", "gpu", "--allow-software-gpu"]);
    expect(gpuOut).toMatch(/Tensor backend: WebGPU on .*SAC in worker threads/);
    expect(gpuOut).toContain("All behaviors reached max_steps.");
    await learn("wasm", ["--device", "wasm"]);
    const g = summaries("gpu");
    const w = summaries("wasm");
    expect(g.length).toBe(3);
    expect(g.map((s) => s.step)).toEqual(w.map((s) => s.step));
    // Same seed, same environment, same initial weights and noise: the runs differ only by float32
    // summation order (GPU tiles vs wasm's own matmul, and SacModel's fast engine on wasm), ~1e-6
    // relative per update. Actions differ by ~1e-7, too little to change the emulator's episodes over
    // 720 steps, so the per-summary means of ~24 updates agree to 1e-4 relative; the losses
    // themselves change by >5% from one summary to the next, so a wrong update cannot pass.
    for (let i = 0; i < g.length; i++) {
      for (const key of ["Losses/Q1 Loss", "Losses/Q2 Loss", "Losses/Policy Loss"]) {
        const a = g[i]![key]!;
        const b = w[i]![key]!;
        expect(Number.isFinite(a), `${key} at ${g[i]!.step}`).toBe(true);
        expect(Math.abs(a - b) / Math.abs(b), `${key} at step ${g[i]!.step}: gpu ${a}, wasm ${b}`).toBeLessThan(1e-4);
      }
    }
    expect(Math.abs(g[1]!["Losses/Q1 Loss"]! - g[0]!["Losses/Q1 Loss"]!) / g[0]!["Losses/Q1 Loss"]!).toBeGreaterThan(0.05);
  });
});
