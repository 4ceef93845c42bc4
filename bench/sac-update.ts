// Micro-benchmark of the SAC core: updates/s for two network sizes and act() latency for 12 agents.
// Run: npx tsx bench/sac-update.ts [backend]   (backend: auto | wasm | cpu | tensorflow | cuda)
// SAC_ENGINE=tape selects the tfjs gradient-tape update (what models with visual observations use).

import * as tf from "@tensorflow/tfjs-core";
import { initBackend, type BackendRequest } from "../src/trainers/backend.js";
import { ActionSpec, type BehaviorSpec, DimensionProperty, ObservationType } from "../src/env/behavior-spec.js";
import type { TrainerSettings } from "../src/config/trainer-settings.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";

function settings(hidden: number, batch: number): TrainerSettings {
  return {
    trainer_type: "sac",
    hyperparameters: { learning_rate: 3e-4, learning_rate_schedule: "constant", batch_size: batch, buffer_size: 50000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 1, save_replay_buffer: false, init_entcoef: 1, reward_signal_steps_per_update: 1 },
    network_settings: { normalize: true, hidden_units: hidden, num_layers: 2, vis_encode_type: "simple", memory: null, goal_conditioning_type: "hyper", deterministic: false },
    reward_signals: { extrinsic: { gamma: 0.99, strength: 1 } },
    init_path: null, keep_checkpoints: 5, even_checkpoints: false, checkpoint_interval: 500000, max_steps: 500000, time_horizon: 64, summary_freq: 50000, threaded: false, self_play: null, behavioral_cloning: null,
  };
}

function spec(obs: number, act: number): BehaviorSpec {
  return { observationSpecs: [{ name: "obs", shape: [obs], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }], actionSpec: ActionSpec.continuous(act) };
}

function randomBatch(n: number, obs: number, act: number): TransitionBatch {
  const r = (k: number, scale = 1): Float32Array => Float32Array.from({ length: k }, () => (Math.random() * 2 - 1) * scale);
  return { length: n, obs: [r(n * obs)], nextObs: [r(n * obs)], continuousActions: r(n * act, 0.99), discreteActions: new Int32Array(0), rewards: r(n), dones: Float32Array.from({ length: n }, () => (Math.random() < 0.05 ? 1 : 0)), actionMasks: new Uint8Array(0), nextActionMasks: new Uint8Array(0) };
}

// Counts tfjs kernel launches (every op goes through engine.runKernel).
const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
const runKernel = engine.runKernel.bind(engine);
let kernels = 0;
engine.runKernel = (...args: unknown[]) => {
  kernels++;
  return runKernel(...args);
};
const engineChoice = (process.env.SAC_ENGINE ?? "auto") as "auto" | "fast" | "tape";

function benchUpdate(label: string, obs: number, act: number, hidden: number, batch: number, seconds: number): void {
  const model = new SacModel(spec(obs, act), settings(hidden, batch), 1, { engine: engineChoice });
  const b = randomBatch(batch, obs, act);
  model.updateNormalizer(b.obs, batch);
  for (let i = 0; i < 20; i++) model.update(b);
  let count = 0;
  const k0 = kernels;
  const g0 = model.gemmCalls;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    model.update(b);
    count++;
  }
  const ms = (performance.now() - t0) / count;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / count;
  console.log(
    `${label}: ${(1000 / ms).toFixed(1)} updates/s, ${ms.toFixed(2)} ms/update wall, ${cpuMs.toFixed(2)} ms CPU ` +
      `(${count} updates; ${((kernels - k0) / count).toFixed(0)} tfjs kernels + ${((model.gemmCalls - g0) / count).toFixed(0)} direct matmuls per update; engine ${model.engine})`,
  );
  model.dispose();
}

function benchAct(agents: number, seconds: number): void {
  const model = new SacModel(spec(8, 2), settings(64, 64), 2, { engine: engineChoice });
  const obs = [Float32Array.from({ length: agents * 8 }, () => Math.random())];
  for (let i = 0; i < 50; i++) model.act(obs, agents, null, false);
  let count = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    model.act(obs, agents, null, false);
    count++;
  }
  const ms = (performance.now() - t0) / count;
  console.log(`act(): ${agents} agents, 64x2: ${(ms * 1000).toFixed(0)} us per call`);
  model.dispose();
}

const choice = await initBackend((process.argv[2] as BackendRequest | undefined) ?? "auto");
console.log(`backend: ${choice.name} (${choice.description})`);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
benchUpdate("(a) obs 8, act 2, 64x2, batch 64  ", 8, 2, 64, 64, seconds);
benchUpdate("(b) obs 8, act 2, 256x2, batch 256", 8, 2, 256, 256, seconds);
benchAct(12, seconds);
console.log(`tensors alive: ${tf.memory().numTensors}`);
