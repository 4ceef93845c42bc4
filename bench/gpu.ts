// SAC updates/s on WebGPU (`--device gpu`) versus WebAssembly, one command, one process:
//   npx tsx bench/gpu.ts [--seconds 10] [--allow-software-gpu] [--rows 3dball,256,gridworld,population8,pbt8]
// Rows: the 3DBall network (64x2, batch 64), 256x2 with batch 256, the GridWorld CNN
// (camera [3, 64, 84] + goal [2], one branch of 5, 128x1, batch 128, config/gridworld.yaml), and a
// batched population of 8 members of the 3DBall network (each its own seed, learning rate and tau).
// wasm runs SacModel (its default engine, and the gradient-tape one); gpu runs GpuSacEngine (the
// tape engine's equations on WebGPU), awaiting each update's statistics as the trainer does.
// Population row: 8 separate updates per round versus one stacked update of all 8
// (src/trainers/sac/batched-tape-sac.ts), on each device; "member updates/s" counts each member's.
// pbt8 row: `pbt --device gpu`'s two ways for 8 members of the 3DBall network, worker threads
// included: today's GPU worker per member (GpuWorkerSacModel, updates one after another) versus
// one population worker (gpu-population.ts: the round's 8 updates in one call, stacked); a round is
// each member acting for 12 agents (which writes the stack back) plus one update of each.
// Prints the adapter first: on a software adapter (lavapipe) the gpu figures only show that the
// path works, they say nothing about GPU speed.

import * as tf from "@tensorflow/tfjs-core";
import type { TrainerSettings } from "../src/config/trainer-settings.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../src/env/behavior-spec.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";
import { initBackend } from "../src/trainers/backend.js";
import { GpuPopulation } from "../src/trainers/gpu/gpu-population.js";
import { GpuSacEngine } from "../src/trainers/gpu/gpu-sac-engine.js";
import { GpuWorkerSacModel } from "../src/trainers/gpu/gpu-worker-sac-model.js";
import { acquireWebGpu, formatAdapter } from "../src/trainers/gpu/webgpu-adapter.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";
import { populationRounds } from "./population-rounds.js";
import { updateSettings } from "./sac-fixtures.js";
import { loadAverage } from "./support.js";

interface Row {
  readonly key: string;
  readonly label: string;
  readonly spec: BehaviorSpec;
  readonly settings: TrainerSettings;
}

function spec(shapes: number[][], continuous: number, branches: number[]): BehaviorSpec {
  return {
    observationSpecs: shapes.map((shape, i) => ({ name: `obs${i}`, shape, dimensionProperties: shape.map(() => DimensionProperty.NONE), observationType: ObservationType.DEFAULT })),
    actionSpec: new ActionSpec(continuous, branches),
  };
}

function settings(hidden: number, layers: number, batch: number, normalize: boolean): TrainerSettings {
  const s = updateSettings(hidden, batch);
  return { ...s, network_settings: { ...s.network_settings, num_layers: layers, normalize } };
}

function batchFor(sp: BehaviorSpec, n: number): TransitionBatch {
  const r = (k: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: k }, () => lo + Math.random() * (hi - lo));
  const sizes = sp.observationSpecs.map((o) => o.shape.reduce((a, b) => a * b, 1));
  const a = sp.actionSpec;
  const disc = Int32Array.from({ length: n * a.discreteSize }, (_, i) => i % a.discreteBranches[i % a.discreteSize]!);
  return {
    length: n,
    obs: sizes.map((s) => r(n * s, 0, 1)),
    nextObs: sizes.map((s) => r(n * s, 0, 1)),
    continuousActions: r(n * a.continuousSize, -0.99, 0.99),
    discreteActions: disc,
    rewards: r(n, -1, 1),
    dones: Float32Array.from({ length: n }, () => (Math.random() < 0.05 ? 1 : 0)),
    actionMasks: new Uint8Array(n * a.discreteTotal),
    nextActionMasks: new Uint8Array(n * a.discreteTotal),
  };
}

const ROWS: Row[] = [
  { key: "3dball", label: "3DBall 64x2, batch 64", spec: spec([[8]], 2, []), settings: settings(64, 2, 64, true) },
  { key: "256", label: "256x2, batch 256", spec: spec([[8]], 2, []), settings: settings(256, 2, 256, true) },
  { key: "gridworld", label: "GridWorld CNN [3,64,84]+[2], 128x1, batch 128", spec: spec([[3, 64, 84], [2]], 0, [5]), settings: settings(128, 1, 128, false) },
];

/** The population row: 8 members of the 3DBall network. */
const PBT = { key: "pbt8", label: "pbt on gpu, 8 members of 3DBall 64x2, batch 64 (round: act 12 agents + update, each member)" };
const POPULATION = { key: "population8", label: "batched population of 8, 3DBall 64x2, batch 64", members: 8, spec: spec([[8]], 2, []), settings: settings(64, 2, 64, true) };

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const seconds = Number(flag("--seconds") ?? 10);
const allowSoftware = argv.includes("--allow-software-gpu");
const wanted = (flag("--rows") ?? [...ROWS.map((r) => r.key), POPULATION.key, PBT.key].join(",")).split(",");
const withPopulation = wanted.includes(POPULATION.key);
const rows = ROWS.filter((r) => wanted.includes(r.key));

/** Updates/s over `seconds` (at least 3 updates) after 3 warm-up updates (shader compiles, caches). */
async function measure(update: () => unknown): Promise<{ perSecond: number; count: number }> {
  for (let i = 0; i < 3; i++) await update();
  let count = 0;
  const t0 = performance.now();
  while (count < 3 || performance.now() - t0 < seconds * 1000) {
    await update();
    count++;
  }
  return { perSecond: (1000 * count) / (performance.now() - t0), count };
}

const adapter = await acquireWebGpu(allowSoftware);
console.log(`Adapter: ${formatAdapter(adapter)}`);
console.log(`Load average at start: ${loadAverage()}; ${seconds} s per figure\n`);
const results: { row: string; device: string; perSecond: number; count: number; members?: number }[] = [];

/** The population row on the current backend: each way of updating 8 members, one round per call. */
async function populationRow(device: string): Promise<void> {
  const p = POPULATION;
  const batches = Array.from({ length: p.members }, () => batchFor(p.spec, p.settings.hyperparameters.batch_size));
  for (const way of populationRounds(p.spec, p.settings, p.members, tf.getBackend() === "webgpu")) {
    const m = await measure(() => way.round(batches));
    results.push({ row: p.label, device: `${device}, ${way.label}`, ...m, members: p.members });
    way.dispose();
  }
}

/** The pbt8 row: 8 members in a GPU worker each, then 8 members in one population worker. */
async function pbtRow(): Promise<void> {
  const p = POPULATION;
  const batches = Array.from({ length: p.members }, () => batchFor(p.spec, p.settings.hyperparameters.batch_size));
  const obs = batchFor(p.spec, 12).obs;
  const own = Array.from({ length: p.members }, (_, i) => new GpuWorkerSacModel(p.spec, p.settings, 1 + i, allowSoftware));
  const m1 = await measure(() => {
    own.forEach((e) => e.act(obs, 12, null, false));
    own.forEach((e, k) => e.update(batches[k]!));
  });
  results.push({ row: PBT.label, device: "gpu, a worker per member (today's pbt --device gpu)", ...m1, members: p.members });
  own.forEach((e) => e.dispose());
  const population = new GpuPopulation(allowSoftware);
  const pooled = Array.from({ length: p.members }, (_, i) => population.addMember(p.spec, p.settings, 1 + i));
  const m2 = await measure(() => {
    pooled.forEach((e) => e.act(obs, 12, null, false));
    population.updateMembers(pooled, batches);
  });
  results.push({ row: PBT.label, device: "gpu, one population worker, stacked (pbt --device gpu now)", ...m2, members: p.members });
  pooled.forEach((e) => e.dispose());
}

const wasm = await initBackend("wasm");
if (wanted.includes(PBT.key)) await pbtRow();
for (const row of rows) {
  for (const engine of ["auto", "tape"] as const) {
    const model = new SacModel(row.spec, row.settings, 1, { engine });
    if (engine === "tape" && model.engine !== "tape") continue;
    const b = batchFor(row.spec, row.settings.hyperparameters.batch_size);
    const m = await measure(() => model.update(b));
    results.push({ row: row.label, device: `wasm, ${model.engine}`, ...m });
    model.dispose();
    if (engine === "auto" && model.engine === "tape") break; // visual: auto is already the tape engine
  }
}
if (withPopulation) await populationRow("wasm");
await initBackend("gpu", { allowSoftwareGpu: allowSoftware });
for (const row of rows) {
  const model = GpuSacEngine.create(row.spec, row.settings, 1);
  const b = batchFor(row.spec, row.settings.hyperparameters.batch_size);
  const m = await measure(() => model.update(b));
  results.push({ row: row.label, device: `gpu, ${model.engine}`, ...m });
  model.dispose();
}
if (withPopulation) await populationRow("gpu");

console.log(`| Network | Device (wasm: ${wasm.description}) | updates/s (population: rounds/s) | ms/update (population: ms/round) | member updates/s | updates timed |`);
console.log("|---|---|---|---|---|---|");
for (const r of results) console.log(`| ${r.row} | ${r.device} | ${r.perSecond.toPrecision(3)} | ${(1000 / r.perSecond).toFixed(1)} | ${(r.perSecond * (r.members ?? 1)).toPrecision(3)} | ${r.count} |`);
console.log(`\nLoad average at end: ${loadAverage()}; tf tensors alive: ${tf.memory().numTensors}`);
if (adapter.software) console.log("Software adapter: the gpu rows check the path, not GPU speed.");
process.exit(0);
