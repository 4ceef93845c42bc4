// The GPU engine (gpu-sac-engine.ts: the tape engine's equations with awaited reads) on WebGPU
// against the tape engine on wasm: same seed, same batches, step by step. The equations are shared
// code, so this checks the WebGPU kernels and the read path, not a second copy of SAC. Lavapipe
// compiles every shader on first use; wasm results are computed first, then the same run on webgpu.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import type { ActorSnapshot } from "../../../src/trainers/common/actor-snapshot.js";
import { GpuSacEngine } from "../../../src/trainers/gpu/gpu-sac-engine.js";
import { SacEngineUnavailableError } from "../../../src/trainers/sac/errors.js";
import { GpuWorkerSacModel } from "../../../src/trainers/gpu/gpu-worker-sac-model.js";
import { createSacEngine, resolveEngine, SacModel, type UpdateLosses } from "../../../src/trainers/sac/sac-model.js";
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

/** Largest absolute difference between two snapshots' numbers (same structure). */
function maxSnapshotDiff(a: ActorSnapshot, b: ActorSnapshot): number {
  let worst = 0;
  const walk = (x: unknown, y: unknown): void => {
    if (x instanceof Float32Array) x.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (y as Float32Array)[i]!))));
    else if (x !== null && typeof x === "object") for (const k of Object.keys(x)) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]);
    else expect(y).toEqual(x);
  };
  walk(a, b);
  return worst;
}

describe.skipIf(adapter === null)("the GPU engine on WebGPU equals the tape engine on wasm", () => {
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
      const refEval = ref.evaluate(batches[0]!.obs, N, null);
      const refStats: UpdateLosses[] = batches.map((b) => ref.update(b));
      const refFinal = ref.getState();
      const refSnapshot = ref.snapshot();
      ref.dispose();

      await initBackend("gpu", { allowSoftwareGpu: true });
      expect(tf.getBackend()).toBe("webgpu");
      const gpu = GpuSacEngine.create(spec, settings, 11);
      gpu.updateNormalizer(normObs, N);
      // Same seed, same creation order: the very same initial weights.
      expect(maxTensorDiff(init, await gpu.getState()).diff).toBe(0);
      const actions = await gpu.act(batches[0]!.obs, N, null, true);
      for (let i = 0; i < actions.continuous.length; i++) expect(Math.abs(actions.continuous[i]! - refActions.continuous[i]!)).toBeLessThan(1e-5);
      expect(Array.from(actions.discrete)).toEqual(Array.from(refActions.discrete));
      const evaluation = await gpu.evaluate(batches[0]!.obs, N, null);
      for (const key of ["mu", "logSigma"] as const) evaluation[key].forEach((v, i) => expect(Math.abs(v - refEval[key][i]!)).toBeLessThan(1e-5));
      evaluation.probs.forEach((p, b) => p.forEach((v, i) => expect(Math.abs(v - refEval.probs[b]![i]!)).toBeLessThan(1e-5)));
      for (let k = 0; k < UPDATES; k++) {
        const s = await gpu.update(batches[k]!);
        const r = refStats[k]!;
        for (const key of ["q1Loss", "q2Loss", "policyLoss", "entropy"] as const) {
          expect(relDiff(s[key], r[key]), `update ${k} ${key}: gpu ${s[key]} wasm ${r[key]}`).toBeLessThan(STAT_TOL);
        }
        s.discreteAlphas.forEach((a, b) => expect(relDiff(a, r.discreteAlphas[b]!)).toBeLessThan(STAT_TOL));
        expect(s.continuousEntropyCoeff === null).toBe(r.continuousEntropyCoeff === null);
        if (s.continuousEntropyCoeff !== null) expect(relDiff(s.continuousEntropyCoeff, r.continuousEntropyCoeff!)).toBeLessThan(STAT_TOL);
      }
      expect(gpu.updateCount).toBe(UPDATES);
      const final = await gpu.getState();
      const worst = maxTensorDiff(refFinal, final);
      expect(worst.diff, `largest weight difference at ${worst.key}`).toBeLessThan(WEIGHT_TOL);
      // The updates moved the weights by far more than the tolerance: the comparison has teeth.
      expect(maxTensorDiff(init, final).diff).toBeGreaterThan(20 * WEIGHT_TOL);
      expect(maxSnapshotDiff(refSnapshot, await gpu.snapshot())).toBeLessThan(WEIGHT_TOL);
      gpu.dispose();
    });
  }

  it("leaks no tensor over 1,000 updates and acts", async () => {
    await initBackend("gpu", { allowSoftwareGpu: true });
    const spec = makeSpec([[4]], 1, [2]);
    const model = GpuSacEngine.create(spec, sacSettings({ hidden: 8, batch: 8, normalize: true }), 3);
    const batch = randomBatch(spec, 8, 5, 2);
    await model.update(batch);
    await model.act(batch.obs, 8, null, false);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      await model.update(batch);
      if (i % 100 === 0) model.updateNormalizer(batch.obs, 8);
      if (i % 10 === 0) await model.act(batch.obs, 8, null, false);
      if (i % 250 === 0) model.setState(await model.getState());
    }
    await model.snapshot();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }, 900_000);

  it("is what the factory chooses on WebGPU; the engines that read synchronously are refused there", async () => {
    await initBackend("gpu", { allowSoftwareGpu: true });
    expect(resolveEngine([[4]])).toBe("gpu");
    expect(resolveEngine([[3, 20, 20]], "gpu")).toBe("gpu");
    for (const choice of ["fast", "tape"] as const) {
      expect(() => resolveEngine([[4]], choice)).toThrow(SacEngineUnavailableError);
      expect(() => resolveEngine([[4]], choice)).toThrow(/cannot read tensors synchronously.*use the gpu engine/);
    }
    // The synchronous engine it makes: the GPU engine in a worker thread, on the adapter this thread accepted.
    const spec = makeSpec([[4]], 1, [2]);
    const engine = createSacEngine(spec, sacSettings({ hidden: 8, batch: 8 }), 1);
    try {
      expect(engine).toBeInstanceOf(GpuWorkerSacModel);
      const batch = randomBatch(spec, 8, 9, 0);
      expect(engine.act(batch.obs, 8, null, false).discrete.length).toBe(8);
      expect(Number.isFinite(engine.update(batch).q1Loss)).toBe(true);
    } finally {
      engine.dispose();
    }
  }, 120_000);
});
