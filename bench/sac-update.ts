// Micro-benchmark of the SAC core: updates/s for two network sizes and act() latency for 12 agents.
// Run: npx tsx bench/sac-update.ts [backend]   (backend: auto | wasm | cpu | tensorflow | cuda)
// SAC_ENGINE=tape selects the tape engine (src/trainers/sac/tape-engine.ts, what visual observations use);
// SAC_ENGINE=fast the fast engine (wasm backend only).

import * as tf from "@tensorflow/tfjs-core";
import { initBackend, type BackendRequest } from "../src/trainers/backend.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";
import { randomBatch, updateSettings, vectorSpec } from "./sac-fixtures.js";
import { median, timeFor } from "./support.js";

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
  const model = new SacModel(vectorSpec(obs, act), updateSettings(hidden, batch), 1, { engine: engineChoice });
  const b = randomBatch(batch, obs, act);
  model.updateNormalizer(b.obs, batch);
  for (let i = 0; i < 20; i++) model.update(b);
  const k0 = kernels;
  const g0 = model.gemmCalls;
  const { count, totalMs, each, cpuMs: loopCpuMs } = timeFor(seconds, () => model.update(b));
  const ms = totalMs / count;
  // Median and minimum per update: the machine is shared, so the mean carries other loads.
  const min = each.reduce((x, y) => Math.min(x, y));
  const cpuMs = loopCpuMs / count;
  console.log(
    `${label}: ${(1000 / ms).toFixed(1)} updates/s, ${ms.toFixed(2)} ms/update wall (median ${median(each).toFixed(2)}, min ${min.toFixed(2)}), ${cpuMs.toFixed(2)} ms CPU ` +
      `(${count} updates; ${((kernels - k0) / count).toFixed(0)} tfjs kernels + ${((model.gemmCalls - g0) / count).toFixed(0)} direct matmuls per update; engine ${model.engine})`,
  );
  model.dispose();
}

function benchAct(agents: number, seconds: number): void {
  const model = new SacModel(vectorSpec(8, 2), updateSettings(64, 64), 2, { engine: engineChoice });
  const obs = [Float32Array.from({ length: agents * 8 }, () => Math.random())];
  for (let i = 0; i < 50; i++) model.act(obs, agents, null, false);
  const { count, totalMs, each } = timeFor(seconds, () => model.act(obs, agents, null, false));
  const ms = totalMs / count;
  console.log(`act(): ${agents} agents, 64x2: ${(ms * 1000).toFixed(0)} us per call (median ${(median(each) * 1000).toFixed(0)})`);
  model.dispose();
}

const choice = await initBackend((process.argv[2] as BackendRequest | undefined) ?? "auto");
console.log(`backend: ${choice.name} (${choice.description})`);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
benchUpdate("(a) obs 8, act 2, 64x2, batch 64  ", 8, 2, 64, 64, seconds);
benchUpdate("(b) obs 8, act 2, 256x2, batch 256", 8, 2, 256, 256, seconds);
benchAct(12, seconds);
console.log(`tensors alive: ${tf.memory().numTensors}`);
