// The stacked tape update (src/trainers/sac/batched-tape-sac.ts) on WebGPU against the same
// members updated one by one with GpuSacEngine on WebGPU: same seeds, same minibatches, each member
// with its own learning rate, gamma, tau, initial entropy coefficient and normalizer. On WebGPU the
// stack's products are batched matMul kernels over the member axis, the separate updates' are 2-D
// ones, so sums run in another order: the bounds are those of gpu-sac-engine.test.ts.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { GpuSacEngine } from "../../../src/trainers/gpu/gpu-sac-engine.js";
import { BatchedTapeSac } from "../../../src/trainers/sac/batched-tape-sac.js";
import type { UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import { CASES, lossDiff, maxTensorDiff, MEMBERS, prepare, setup, type Setup } from "../sac/batched-tape-fixtures.js";
import { webGpuForTests } from "./webgpu-for-tests.js";

const adapter = await webGpuForTests();

const UPDATES = 3;
const STAT_TOL = 2e-4;
const WEIGHT_TOL = 3e-5;

function members(s: Setup): GpuSacEngine[] {
  return MEMBERS.map((m, k) => prepare(GpuSacEngine.create(s.spec, s.settings, m.seed), s, k));
}

describe.skipIf(adapter === null)("stacked tape update of a population on WebGPU equals separate updates", () => {
  for (const c of CASES) {
    it(`${c.name}: ${MEMBERS.length} members with their own hyperparameters, ${UPDATES} updates`, { timeout: 600_000 }, async () => {
      await initBackend("gpu", { allowSoftwareGpu: true });
      expect(tf.getBackend()).toBe("webgpu");
      const s = setup(c, UPDATES);
      const alone = members(s);
      const init = await Promise.all(alone.map((e) => e.getState()));
      const refStats: UpdateLosses[][] = [];
      for (const round of s.batches) refStats.push(await Promise.all(alone.map((e, k) => e.update(round[k]!))));
      const refStates = await Promise.all(alone.map((e) => e.getState()));

      const pooled = members(s);
      const stack = new BatchedTapeSac(pooled);
      const stats: UpdateLosses[][] = [];
      for (const round of s.batches) stats.push(await stack.updateWhenReady(round));
      stack.writeBack();
      const states = await Promise.all(pooled.map((e) => e.getState()));

      for (let u = 0; u < UPDATES; u++) for (let k = 0; k < MEMBERS.length; k++) expect(lossDiff(refStats[u]![k]!, stats[u]![k]!), `update ${u} member ${k}`).toBeLessThan(STAT_TOL);
      states.forEach((st, k) => {
        const worst = maxTensorDiff(refStates[k]!, st);
        expect(worst.diff, `member ${k}: largest weight difference at ${worst.key}`).toBeLessThan(WEIGHT_TOL);
        // The updates moved the weights by far more than the tolerance: the comparison has teeth.
        expect(maxTensorDiff(init[k]!, st).diff).toBeGreaterThan(20 * WEIGHT_TOL);
        expect(st.adamSteps).toEqual(refStates[k]!.adamSteps);
        expect(st.updates).toBe(UPDATES);
      });
      stack.dispose();
      [...alone, ...pooled].forEach((e) => e.dispose());
    });
  }

  it("leaks no tensor over 200 stacked updates, write-backs and reloads", { timeout: 900_000 }, async () => {
    await initBackend("gpu", { allowSoftwareGpu: true });
    const s = setup(CASES[2]!, 1);
    const pooled = members(s);
    const stack = new BatchedTapeSac(pooled);
    const round = s.batches[0]!;
    await stack.updateWhenReady(round);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) {
      await stack.updateWhenReady(round);
      if (i % 50 === 0) {
        stack.writeBack();
        stack.reload();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    stack.dispose();
    pooled.forEach((e) => e.dispose());
  });
});
