// SAC on visual observations (issue 13, item 3): where a GridWorld update's time goes.
//  (a) FLOPs per update, counted from the layer shapes (bench/visual-flops.ts);
//  (b) the backend's own throughput on the update's matMul / conv2d shapes (micro-benchmark), and
//      the update time those rates allow ("kernel floor": sum of calls x measured time per call);
//  (c) the update itself: ms/update, achieved GFLOP/s, ratio to the kernel floor, tfjs kernels per
//      update (tf.profile) and the kernels that take the time;
//  (d) `learn config/gridworld.yaml` on builtin:gridworld: decisions/s while learning, and the step
//      and wall-clock time of the first summary with mean reward >= --stop-reward.
// Rows: the built-in GridWorld camera [3, 36, 36] (the one (d) trains) and Unity's GridWorld camera
// [3, 64, 84] (9 agents, issue 13), both with the goal one-hot [2] and one branch of 5, 128x1, batch 128.
// Run: npx tsx bench/visual.ts [--device wasm|gpu] [--allow-software-gpu] [--update-seconds 5]
//                              [--learn-seconds 120] [--stop-reward 0.8] [--skip-micro] [--skip-update] [--skip-learn]
// On gpu with a software adapter (lavapipe) the figures only show that the path works.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { applyCliOverrides, loadRunOptions } from "../src/config/index.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../src/env/behavior-spec.js";
import { runTraining } from "../src/run/run-training.js";
import { initBackend } from "../src/trainers/backend.js";
import { GpuSacEngine } from "../src/trainers/gpu/gpu-sac-engine.js";
import { conv2dInputGrad } from "../src/trainers/sac/layers.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";
import { sacDeps, SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";
import { createLogger } from "../src/util/logger.js";
import { updateSettings } from "./sac-fixtures.js";
import { actFlops, updateFlops, updateKernels, type KernelShape, type VisualLayout } from "./visual-flops.js";
import { loadAverage, summaryPoints } from "./support.js";

const { values: flags } = parseArgs({
  options: {
    device: { type: "string", default: "wasm" },
    "allow-software-gpu": { type: "boolean", default: false },
    "update-seconds": { type: "string", default: "5" },
    "learn-seconds": { type: "string", default: "120" },
    "stop-reward": { type: "string", default: "0.8" },
    cameras: { type: "string", default: "3x36x36,3x64x84" },
    "skip-micro": { type: "boolean", default: false },
    "skip-update": { type: "boolean", default: false },
    "skip-learn": { type: "boolean", default: false },
  },
});
const load = (): string => loadAverage(" ");
const gpu = flags.device === "gpu";
const allowSoftware = flags["allow-software-gpu"];

const layouts: VisualLayout[] = flags.cameras.split(",").map((c) => {
  const [ch, h, w] = c.split("x").map(Number) as [number, number, number];
  return { camera: [ch, h, w], vector: 2, continuous: 0, discrete: 5, hidden: 128, layers: 1, batch: 128 };
});

function spec(l: VisualLayout): BehaviorSpec {
  const shapes = [[...l.camera], [l.vector]];
  return {
    observationSpecs: shapes.map((shape, i) => ({ name: `obs${i}`, shape, dimensionProperties: shape.map(() => DimensionProperty.NONE), observationType: ObservationType.DEFAULT })),
    actionSpec: new ActionSpec(l.continuous, [l.discrete]),
  };
}

function batchFor(l: VisualLayout): TransitionBatch {
  const n = l.batch;
  const pix = l.camera[0] * l.camera[1] * l.camera[2];
  const r = (k: number): Float32Array => Float32Array.from({ length: k }, () => Math.random());
  const goal = (): Float32Array => Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  return {
    length: n,
    obs: [r(n * pix), goal()],
    nextObs: [r(n * pix), goal()],
    continuousActions: new Float32Array(0),
    discreteActions: Int32Array.from({ length: n }, (_, i) => i % l.discrete),
    rewards: r(n).map((x) => x - 0.5),
    dones: Float32Array.from({ length: n }, () => (Math.random() < 0.1 ? 1 : 0)),
    actionMasks: new Uint8Array(n * l.discrete),
    nextActionMasks: new Uint8Array(n * l.discrete),
  };
}

const settingsFor = (l: VisualLayout) => {
  const s = updateSettings(l.hidden, l.batch);
  return { ...s, network_settings: { ...s.network_settings, num_layers: l.layers, normalize: false } };
};

/**
 * Mean wall and CPU (user + system) ms of `f` over about `seconds` (at least `minCalls`), after 2
 * warm-up calls; awaits the device each call. On a shared machine the CPU figure is the steadier one.
 */
async function timeMs(f: () => tf.Tensor | Promise<unknown> | unknown, seconds: number, minCalls = 3): Promise<{ ms: number; cpuMs: number; calls: number }> {
  const finish = async (r: unknown): Promise<void> => {
    if (r instanceof tf.Tensor) {
      await r.data();
      r.dispose();
    } else await r;
  };
  for (let i = 0; i < 2; i++) await finish(f());
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (calls < minCalls || performance.now() - t0 < seconds * 1000) {
    await finish(f());
    calls++;
  }
  const c = process.cpuUsage(c0);
  return { ms: (performance.now() - t0) / calls, cpuMs: (c.user + c.system) / 1000 / calls, calls };
}

/** The kernel `k` stands for, on fresh random inputs. */
function kernelOf(k: KernelShape): () => tf.Tensor {
  const rnd = (shape: number[]): tf.Tensor => tf.randomUniform(shape);
  if (k.kind === "matMul") {
    const [m, kk, n] = k.dims as [number, number, number];
    const a = rnd([m, kk]) as tf.Tensor2D;
    const b = rnd([kk, n]) as tf.Tensor2D;
    return () => tf.matMul(a, b);
  }
  const [B, H, W, C, kh, kw, ci, co, s] = k.dims as number[] as [number, number, number, number, number, number, number, number, number];
  const oh = Math.floor((H - kh) / s) + 1;
  const ow = Math.floor((W - kw) / s) + 1;
  if (k.kind === "conv2d") {
    const x = rnd([B, H, W, C]) as tf.Tensor4D;
    const w = rnd([kh, kw, ci, co]) as tf.Tensor4D;
    return () => tf.conv2d(x, w, s, "valid");
  }
  if (k.kind === "conv2d-dX") {
    const dz = rnd([B, oh, ow, co]) as tf.Tensor4D;
    const w = rnd([kh, kw, ci, co]) as tf.Tensor4D;
    return () => tf.conv2dTranspose(dz, w, [B, H, W, C], s, "valid");
  }
  // weight gradient as layers.ts computes it: conv(x^T, dz^T, dilation = stride)
  const xT = rnd([C, H, W, B]) as tf.Tensor4D;
  const dzT = rnd([oh, ow, B, co]) as tf.Tensor4D;
  return () => tf.conv2d(xT, dzT, 1, "valid", "NHWC", s);
}

const gf = (flops: number, ms: number): string => (flops / ms / 1e6).toFixed(2);

const backend = gpu ? await initBackend("gpu", { allowSoftwareGpu: allowSoftware }) : await initBackend("wasm");
console.log(`mlagents-ts visual SAC benchmark: backend ${backend.name} (${backend.description}), node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
if (backend.adapter?.software) console.log("Software adapter (lavapipe): a correctness path; these figures say nothing about GPU speed.");
console.log(`load average at start: ${load()}`);

const floorMs = new Map<VisualLayout, number>();
console.log("\n(a) FLOPs per update (batch 128, 128x1, one branch of 5; actor, twin critics, twin targets, forward and backward)");
console.log("| camera | encoder forward, MFLOP/sample | update GFLOP | act (4 agents) MFLOP |");
console.log("|---|---|---|---|");
for (const l of layouts) {
  const one = updateKernels({ ...l, batch: 1 });
  const encFwd = one.filter((k) => k.name.startsWith("conv") || k.name.startsWith("dense")).filter((k) => k.name.endsWith("forward")).reduce((s, k) => s + k.flops, 0);
  console.log(`| ${l.camera.join("x")} | ${(encFwd / 1e6).toFixed(3)} | ${(updateFlops(l) / 1e9).toFixed(3)} | ${(actFlops(l, 4) / 1e6).toFixed(2)} |`);
}

if (!flags["skip-micro"]) {
  console.log(`\n(b) ${backend.name} throughput on the update's kernel shapes (one kernel, random inputs)`);
  console.log("| camera | kernel | dims | calls/update | CPU ms/call | GFLOP/s (CPU time) | CPU ms/update at this rate | wall ms/call |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const l of layouts) {
    let floor = 0;
    for (const k of updateKernels(l)) {
      const t = await timeMs(kernelOf(k), 0.5);
      floor += t.cpuMs * k.calls;
      console.log(`| ${l.camera.join("x")} | ${k.name} | ${k.dims.join(",")} | ${k.calls} | ${t.cpuMs.toFixed(3)} | ${gf(k.flops, t.cpuMs)} | ${(t.cpuMs * k.calls).toFixed(1)} | ${t.ms.toFixed(3)} |`);
    }
    floorMs.set(l, floor);
    // The engine computes conv2's input gradient with conv2dInputGrad (layers.ts), not tfjs' kernel:
    // shown beside the floor, not in it (timed alone it is not faster; inside the update it is).
    const dX = updateKernels(l).find((k) => k.kind === "conv2d-dX")!;
    const [B, H, W, C, , , , co, st] = dX.dims as number[] as [number, number, number, number, number, number, number, number, number];
    const dz = tf.randomUniform([B, Math.floor((H - 4) / st) + 1, Math.floor((W - 4) / st) + 1, co]) as tf.Tensor4D;
    const w = tf.randomUniform([4, 4, C, co]) as tf.Tensor4D;
    const t = await timeMs(() => conv2dInputGrad(dz, w, [B, H, W, C], st), 0.5);
    console.log(`| ${l.camera.join("x")} | conv2 input gradient as the engine runs it (conv2dInputGrad; not in the floor) | ${dX.dims.join(",")} | ${dX.calls} | ${t.cpuMs.toFixed(3)} | ${gf(dX.flops, t.cpuMs)} | ${(t.cpuMs * dX.calls).toFixed(1)} | ${t.ms.toFixed(3)} |`);
    console.log(`| ${l.camera.join("x")} | kernel floor (sum) | | | | ${gf(updateFlops(l), floor)} | ${floor.toFixed(1)} | |`);
  }
  console.log(`(load average: ${load()})`);
}

if (!flags["skip-update"]) {
  console.log(`\n(c) one SAC update on ${backend.name} (tape engine), ${flags["update-seconds"]} s per row`);
  console.log("| camera | CPU ms/update | wall ms/update | achieved GFLOP/s (CPU time) | x kernel floor (CPU) | tfjs kernels/update | top kernels by time (wall ms/update, one profiled update) |");
  console.log("|---|---|---|---|---|---|---|");
  for (const l of layouts) {
    const batch = batchFor(l);
    const model = gpu ? GpuSacEngine.create(spec(l), settingsFor(l), 1) : new SacModel(spec(l), settingsFor(l), 1);
    const t = await timeMs(() => model.update(batch), Number(flags["update-seconds"]));
    const prof = await tf.profile(async () => {
      await model.update(batch);
    });
    const byName = new Map<string, number>();
    for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0));
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(", ");
    const floor = floorMs.get(l);
    console.log(`| ${l.camera.join("x")} | ${t.cpuMs.toFixed(1)} | ${t.ms.toFixed(1)} | ${gf(updateFlops(l), t.cpuMs)} | ${floor ? (t.cpuMs / floor).toFixed(2) : "-"} | ${prof.kernels.length} | ${top} |`);
    model.dispose();
  }
  console.log(`(load average: ${load()}; tensors alive: ${tf.memory().numTensors})`);
}

if (!flags["skip-learn"]) {
  const seconds = Number(flags["learn-seconds"]);
  const stop = Number(flags["stop-reward"]);
  console.log(`\n(d) learn config/gridworld.yaml on builtin:gridworld (${gpu ? "gpu engine in a worker" : "wasm"}), stop at mean reward ${stop} or ${seconds} s`);
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-visual-"));
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), seconds * 1000);
  const logger = createLogger({
    level: "info",
    sink: (level, line) => {
      const m = /Step: (\d+)\. .*Mean Reward: (-?\d+(?:\.\d+)?)/.exec(line);
      if (m) console.log(`    ${line.trim()} (load ${load()})`);
      if (m && Number(m[2]) >= stop) ac.abort();
      if (level === "warn" || level === "error") console.log(`    ${line}`);
    },
  });
  let options = loadRunOptions("config/gridworld.yaml", logger);
  options = applyCliOverrides(options, { env: "builtin:gridworld", basePort: 0, runId: "bench-visual", resultsDir, seed: 1, force: true }, logger);
  for (const b of options.behaviors.values()) {
    b.summary_freq = 1000;
    b.checkpoint_interval = 10_000_000;
  }
  const deps = gpu ? sacDeps({ engine: "gpu", allowSoftwareGpu: allowSoftware }) : undefined;
  if (gpu) await initBackend("wasm"); // the trainer thread keeps wasm; the model runs in a worker on WebGPU
  const t0 = performance.now();
  try {
    const result = await runTraining(options, {
      logger,
      version: "bench",
      signal: ac.signal,
      createTrainer: (behaviorName, sp, settings, s) => new SacTrainer({ behaviorName, spec: sp, settings, seed: s, logger, deps }),
    });
    const wallS = (performance.now() - t0) / 1000;
    const points = summaryPoints(result.runDir, "GridWorld");
    const learning = points.filter((p) => p.step > (options.behaviors.get("GridWorld")?.hyperparameters as { buffer_init_steps: number }).buffer_init_steps);
    const a = learning[0];
    const b = learning[learning.length - 1];
    const rate = a && b && b !== a ? (b.step - a.step) / (b.time - a.time) : Number.NaN;
    const hit = points.find((p) => p.reward !== null && p.reward >= stop);
    console.log(`| device | steps | wall s | decisions/s while learning | best mean reward | reward >= ${stop} at |`);
    console.log("|---|---|---|---|---|---|");
    const best = Math.max(...points.map((p) => p.reward ?? -Infinity));
    console.log(`| ${backend.name} | ${result.totalSteps} | ${wallS.toFixed(0)} | ${rate.toFixed(1)} | ${best.toFixed(3)} | ${hit ? `step ${hit.step}, ${hit.time.toFixed(0)} s` : "not reached"} |`);
    console.log(`(load average: ${load()})`);
  } finally {
    clearTimeout(timer);
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
process.exit(0);
