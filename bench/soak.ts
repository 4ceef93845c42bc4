// bench/soak: memory over a long `learn` run on builtin:3dball with the real SAC trainer (minutes;
// not part of the unit suite). Samples, every --every seconds: V8 heap after a full collection,
// the wasm heap of the tensor backend (the fast SAC engine allocates in it directly), RSS and
// arrayBuffers, against the trainer's step count. Fits a line through the samples taken after the
// replay buffer is full and fails (exit code 1) when any slope is above --limit-mb per 100k steps.
// Usage: npx tsx bench/soak.ts [--steps 2000000] [--buffer 200000] [--every 5] [--limit-mb 1]
//   --buffer: replay buffer size (config/3dball.yaml: 200,000); smaller fills sooner (quick checks).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import * as tf from "@tensorflow/tfjs-core";
import { behaviorSettings, loadRunOptions, type RunOptions } from "../src/config/index.js";
import { runTraining } from "../src/run/run-training.js";
import { initBackend } from "../src/trainers/backend.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import { createLogger } from "../src/util/logger.js";
import { loadAverage } from "./support.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const steps = Number(arg("steps", "2000000"));
const bufferSize = Number(arg("buffer", "200000"));
const everySeconds = Number(arg("every", "5"));
const limitMb = Number(arg("limit-mb", "1"));

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

interface Sample {
  readonly seconds: number;
  readonly steps: number;
  readonly bufferFull: boolean;
  readonly heap: number;
  readonly wasm: number;
  readonly rss: number;
  readonly arrayBuffers: number;
}

function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.length ?? 0;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

const backend = await initBackend("auto");
const logger = createLogger({ level: "warn" });
const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), "mlagents-ts-soak-"));
const options = loadRunOptions("config/3dball.yaml", logger) as RunOptions;
const settings = behaviorSettings(options, "3DBall");
settings.max_steps = steps;
settings.hyperparameters.buffer_size = bufferSize;
Object.assign(options.env_settings, { env_path: "builtin:3dball", base_port: 0, num_envs: 1, seed: 1 });
Object.assign(options.checkpoint_settings, { run_id: "soak", results_dir: resultsDir, force: true });

console.log(`bench/soak: learn config/3dball.yaml on builtin:3dball, ${steps.toLocaleString("en-US")} steps, buffer ${bufferSize.toLocaleString("en-US")}; backend ${backend.name}; node ${process.versions.node}; ${os.cpus().length} cores; load average ${loadAverage()}`);
let trainer: SacTrainer | null = null;
const samples: Sample[] = [];
const t0 = performance.now();
const sample = (): void => {
  if (!trainer) return;
  collectGarbage();
  const m = process.memoryUsage();
  samples.push({
    seconds: (performance.now() - t0) / 1000,
    steps: trainer.stepCount,
    bufferFull: trainer.bufferSize >= bufferSize,
    heap: m.heapUsed,
    wasm: wasmHeapBytes(),
    rss: m.rss,
    arrayBuffers: m.arrayBuffers,
  });
  const s = samples[samples.length - 1]!;
  if (samples.length % 12 === 1) {
    console.log(`  t ${s.seconds.toFixed(0)} s, step ${s.steps}: heap ${mb(s.heap)} MB, wasm ${mb(s.wasm)} MB, RSS ${mb(s.rss)} MB, arrayBuffers ${mb(s.arrayBuffers)} MB${s.bufferFull ? "" : " (buffer filling)"}`);
  }
};
const timer = setInterval(sample, everySeconds * 1000);
try {
  await runTraining(options, {
    logger,
    version: "soak",
    createTrainer: (behaviorName, spec, trainerSettings, seed) => (trainer = new SacTrainer({ behaviorName, spec, settings: trainerSettings, seed })),
  });
} finally {
  clearInterval(timer);
  fs.rmSync(resultsDir, { recursive: true, force: true });
}

const full = samples.filter((s) => s.bufferFull);
const elapsed = (performance.now() - t0) / 1000;
console.log(`ran ${elapsed.toFixed(0)} s, ${samples.length} samples, ${full.length} after the replay buffer was full; load average ${loadAverage()}`);
if (full.length < 3 || full[full.length - 1]!.steps - full[0]!.steps < 100_000) {
  console.log("FAIL: fewer than 100k steps were sampled after the replay buffer was full; raise --steps or lower --buffer");
  process.exit(1);
}
const x = full.map((s) => s.steps);
const span = x[x.length - 1]! - x[0]!;
console.log(`| measure | first | last | slope, MB per 100k steps (over ${span.toLocaleString("en-US")} steps) |`);
console.log("|---|---:|---:|---:|");
let failed = false;
for (const key of ["heap", "wasm", "rss", "arrayBuffers"] as const) {
  const perStep = slope(x, full.map((s) => s[key]));
  const per100k = (perStep * 100_000) / 2 ** 20;
  const gated = key !== "arrayBuffers"; // arrayBuffers is part of RSS; shown for diagnosis
  const over = gated && per100k > limitMb;
  failed ||= over;
  console.log(`| ${key} | ${mb(full[0]![key])} MB | ${mb(full[full.length - 1]![key])} MB | ${per100k.toFixed(3)}${over ? " (over the limit)" : ""} |`);
}
console.log(failed ? `FAIL: memory grows faster than ${limitMb} MB per 100k steps` : `PASS: every slope is under ${limitMb} MB per 100k steps`);
process.exit(failed ? 1 : 0);
