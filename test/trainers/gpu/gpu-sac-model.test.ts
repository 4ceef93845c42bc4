// The WebGPU SAC update (gpu-sac-model.ts) against SacModel's gradient-tape engine on wasm: same
// seed, same batches, step by step. One backend initialisation per file (lavapipe compiles every
// shader on first use); wasm results are computed first, then the same run on webgpu.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { GpuSacModel } from "../../../src/trainers/gpu/gpu-sac-model.js";
import { SacModel, type UpdateLosses } from "../../../src/trainers/sac/sac-model.js";
import type { SacState } from "../../../src/trainers/sac/sac-state.js";
import { makeSpec, randomBatch, sacSettings } from "../sac/helpers.js";
import { webGpuForTests } from "./webgpu-for-tests.js";

const adapter = await webGpuForTests();

const CASES = [
  { name: "continuous", shapes: [[8]], continuous: 2, branches: [] as number[], normalize: false, maskEvery: 0 },
  { name: "discrete with masks", shapes: [[10]], continuous: 0, branches: [3, 4], normalize: false, maskEvery: 3 },
  { name: "hybrid with normalizer and masks", shapes: [[7], [2]], continuous: 2, branches: [2, 3], normalize: true, maskEvery: 4 },
  { name: "visual [3,20,20] + vector", shapes: [[3, 20, 20], [4]], continuous: 2, branches: [3], normalize: true, maskEvery: 0 },
];
const UPDATES = 3;
const N = 16;

// Stats and weights are float32 on both backends, summed in another order (tiled GPU matmuls and
// reductions): ~1e-6 relative per op. Adam divides by sqrt(v), which amplifies differences in
// near-zero gradients, so weights get an absolute bound of a tenth of one Adam step (lr = 3e-4).
const STAT_TOL = 2e-4;
const WEIGHT_TOL = 3e-5;

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a));
}

function maxTensorDiff(a: SacState, b: SacState): { key: string; diff: number } {
  let worst = { key: "", diff: 0 };
  for (const [key, t] of Object.entries(a.tensors)) {
    const u = b.tensors[key]!.data;
    for (let i = 0; i < t.data.length; i++) {
      const d = Math.abs(t.data[i]! - u[i]!);
      if (d > worst.diff) worst = { key, diff: d };
    }
  }
  return worst;
}

describe.skipIf(adapter === null)("GpuSacModel on WebGPU equals SacModel's tape engine on wasm", () => {
  for (const c of CASES) {
    it(`${c.name}: ${UPDATES} updates, stats and weights`, { timeout: 300_000 }, async () => {
      const spec = makeSpec(c.shapes, c.continuous, c.branches);
      const settings = sacSettings({ normalize: c.normalize, batch: N });
      const batches = Array.from({ length: UPDATES }, (_, k) => randomBatch(spec, N, 40 + 10 * k, c.maskEvery));
      const normObs = batches[0]!.obs.map((o) => o.map((v) => v * 2 + 0.5));

      await initBackend("wasm");
      const ref = new SacModel(spec, settings, 11, { engine: "tape" });
      ref.updateNormalizer(normObs, N);
      const init = ref.getState();
      const refActions = ref.act(batches[0]!.obs, N, null, true);
      const refStats: UpdateLosses[] = batches.map((b) => ref.update(b));
      const refFinal = ref.getState();
      ref.dispose();

      await initBackend("gpu", { allowSoftwareGpu: true });
      expect(tf.getBackend()).toBe("webgpu");
      const gpu = new GpuSacModel(spec, settings, 11);
      gpu.updateNormalizer(normObs, N);
      // Same seed, same creation order: the very same initial weights.
      expect(maxTensorDiff(init, await gpu.getState()).diff).toBe(0);
      const actions = await gpu.act(batches[0]!.obs, N, null, true);
      for (let i = 0; i < actions.continuous.length; i++) expect(Math.abs(actions.continuous[i]! - refActions.continuous[i]!)).toBeLessThan(1e-5);
      expect(Array.from(actions.discrete)).toEqual(Array.from(refActions.discrete));
      for (let k = 0; k < UPDATES; k++) {
        const s = await gpu.update(batches[k]!);
        const r = refStats[k]!;
        for (const key of ["q1Loss", "q2Loss", "policyLoss", "entropy"] as const) {
          expect(relDiff(s[key], r[key]), `update ${k} ${key}: gpu ${s[key]} wasm ${r[key]}`).toBeLessThan(STAT_TOL);
        }
        s.discreteAlphas.forEach((a, b) => expect(relDiff(a, r.discreteAlphas[b]!)).toBeLessThan(STAT_TOL));
      }
      const final = await gpu.getState();
      const worst = maxTensorDiff(refFinal, final);
      expect(worst.diff, `largest weight difference at ${worst.key}`).toBeLessThan(WEIGHT_TOL);
      // The updates moved the weights by far more than the tolerance: the comparison has teeth.
      expect(maxTensorDiff(init, final).diff).toBeGreaterThan(20 * WEIGHT_TOL);
      gpu.dispose();
    });
  }

  it("leaks no tensor over 1,000 updates and acts", async () => {
    await initBackend("gpu", { allowSoftwareGpu: true });
    const spec = makeSpec([[4]], 1, [2]);
    const model = new GpuSacModel(spec, sacSettings({ hidden: 8, batch: 8, normalize: true }), 3);
    const batch = randomBatch(spec, 8, 5, 2);
    await model.update(batch);
    await model.act(batch.obs, 8, null, false);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      await model.update(batch);
      if (i % 100 === 0) model.updateNormalizer(batch.obs, 8);
      if (i % 10 === 0) await model.act(batch.obs, 8, null, false);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }, 900_000);
});
