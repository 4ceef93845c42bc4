import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/trainers/backend.js";
import { ActionSpec, DimensionProperty, ObservationType } from "../src/env/behavior-spec.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";
await initBackend("wasm");
const H = Number(process.argv[2] ?? 64), B = Number(process.argv[3] ?? 64);
const settings: any = { hyperparameters: { learning_rate: 3e-4, tau: 0.005, init_entcoef: 1 }, network_settings: { normalize: true, hidden_units: H, num_layers: 2, vis_encode_type: "simple", memory: null }, reward_signals: { extrinsic: { gamma: 0.99, strength: 1 } } };
const spec = { observationSpecs: [{ name: "o", shape: [8], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }], actionSpec: ActionSpec.continuous(2) };
const m = new SacModel(spec, settings, 1);
const r = (k: number) => Float32Array.from({ length: k }, () => Math.random() * 2 - 1);
const b = { length: B, obs: [r(B * 8)], nextObs: [r(B * 8)], continuousActions: r(B * 2), discreteActions: new Int32Array(0), rewards: r(B), dones: new Float32Array(B), actionMasks: new Uint8Array(0), nextActionMasks: new Uint8Array(0) };
for (let i = 0; i < 3; i++) m.update(b);
const p = await tf.profile(() => { m.update(b); });
const agg = new Map<string, [number, number]>();
for (const k of p.kernels) { const key = k.name + " " + JSON.stringify(k.inputShapes); const e = agg.get(key) ?? [0, 0]; e[0]++; e[1] += k.kernelTimeMs as number; agg.set(key, e); }
console.log("kernels", p.kernels.length, "total ms", p.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0).toFixed(2));
[...agg.entries()].sort((x, y) => y[1][1] - x[1][1]).slice(0, 12).forEach(([k, [n, t]]) => console.log(t.toFixed(2), n, k));
