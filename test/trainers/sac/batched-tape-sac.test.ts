// The stacked tape update (batched-tape-sac.ts) against the same members updated one by one with
// TapeSacEngine on wasm: same seeds, same minibatches, each member with its own learning rate,
// gamma, tau, initial entropy coefficient and normalizer. The stack computes every member in one
// graph (batched products over the member axis, per-member Adam); only float rounding may differ
// (fused bias vs separate add, summation order), so the bounds are a few float32 ulps of the
// values, far below one Adam step (lr >= 5e-5): a member trained with another member's learning
// rate, gamma, tau or alpha fails them by orders of magnitude.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { BatchedTapeSac, stackingRefusal } from "../../../src/trainers/sac/batched-tape-sac.js";
import { SacCommon } from "../../../src/trainers/sac/sac-common.js";
import type { UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import { TapeSacEngine } from "../../../src/trainers/sac/tape-engine.js";
import { BATCH, CASES, lossDiff, maxTensorDiff, MEMBERS, prepare, setup } from "./batched-tape-fixtures.js";
import { makeSpec, randomBatch, sacSettings } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const UPDATES = 4;
const STAT_TOL = 1e-5;
const WEIGHT_TOL = 1e-6;

function members(s: ReturnType<typeof setup>): TapeSacEngine[] {
  return MEMBERS.map((m, k) => prepare(new TapeSacEngine(new SacCommon(s.spec, s.settings, m.seed)), s, k));
}

describe("stacked tape update of a population equals separate TapeSac updates (wasm)", () => {
  for (const c of CASES) {
    it(`${c.name}: ${MEMBERS.length} members with their own hyperparameters, ${UPDATES} updates`, () => {
      const s = setup(c, UPDATES);
      const alone = members(s);
      const refStats: UpdateLosses[][] = s.batches.map((round) => alone.map((e, k) => e.update(round[k]!)));
      const refStates = alone.map((e) => e.getState());

      const pooled = members(s);
      const stack = new BatchedTapeSac(pooled);
      const stats = s.batches.map((round) => stack.update(round));
      stack.writeBack();
      const states = pooled.map((e) => e.getState());

      for (let u = 0; u < UPDATES; u++) for (let k = 0; k < MEMBERS.length; k++) expect(lossDiff(refStats[u]![k]!, stats[u]![k]!), `update ${u} member ${k}`).toBeLessThan(STAT_TOL);
      states.forEach((st, k) => {
        const ref = refStates[k]!;
        expect(maxTensorDiff(ref, st).diff, `member ${k}: ${maxTensorDiff(ref, st).key}`).toBeLessThan(WEIGHT_TOL);
        expect(st.adamSteps).toEqual(ref.adamSteps);
        expect(st.updates).toBe(UPDATES);
        st.alpha.logAlphas.forEach((a, i) => expect(Math.abs(a - ref.alpha.logAlphas[i]!)).toBeLessThan(STAT_TOL));
        expect(st.hyperparameters).toEqual(ref.hyperparameters);
      });
      // The members really differ (their own weights and hyperparameters), so equality above is per member.
      expect(maxTensorDiff(states[0]!, states[1]!).diff).toBeGreaterThan(1e-2);
      stack.dispose();
      [...alone, ...pooled].forEach((e) => e.dispose());
    });
  }

  it("reload takes a member's state set from outside (an exploit), and training goes on as for that member alone", () => {
    const s = setup(CASES[0]!, 3);
    const pooled = members(s);
    const stack = new BatchedTapeSac(pooled);
    stack.update(s.batches[0]!);
    stack.writeBack();
    // Member 2 copies member 0 (state, hyperparameters, RNG), as a PBT exploit does; the stack reloads.
    const copied = pooled[0]!.getState();
    pooled[2]!.setState(copied);
    stack.reload();
    const alone = new TapeSacEngine(new SacCommon(s.spec, s.settings, 99));
    alone.setState(copied);
    const next = s.batches[1]!;
    const ref = alone.update(next[2]!);
    const got = stack.update(next)[2]!;
    expect(lossDiff(ref, got)).toBeLessThan(STAT_TOL);
    stack.writeBack();
    expect(maxTensorDiff(alone.getState(), pooled[2]!.getState()).diff).toBeLessThan(WEIGHT_TOL);
    stack.dispose();
    [...pooled, alone].forEach((e) => e.dispose());
  });

  it("leaks no tensors over many updates, write-backs and reloads; dispose frees the stack", () => {
    const s = setup(CASES[2]!, 1);
    const pooled = members(s);
    const before = tf.memory().numTensors;
    const stack = new BatchedTapeSac(pooled);
    const withStack = tf.memory().numTensors;
    const round = s.batches[0]!;
    for (let i = 0; i < 5; i++) stack.update(round);
    const settled = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) {
      stack.update(round);
      if (i % 50 === 0) {
        stack.writeBack();
        stack.reload();
      }
    }
    expect(tf.memory().numTensors).toBe(settled);
    expect(settled).toBe(withStack);
    stack.dispose();
    expect(tf.memory().numTensors).toBe(before);
    pooled.forEach((e) => e.dispose());
  });

  it("refuses what it cannot stack with the reason: other layouts, images, unequal batch sizes", () => {
    const a = new TapeSacEngine(new SacCommon(makeSpec([[8]], 2, []), sacSettings({ hidden: 16 }), 1));
    const b = new TapeSacEngine(new SacCommon(makeSpec([[8]], 2, []), sacSettings({ hidden: 32 }), 2));
    expect(stackingRefusal([a, b])).toBe("member 1 has another network layout than member 0");
    expect(() => new BatchedTapeSac([a, b])).toThrow(/another network layout/);
    const img = new TapeSacEngine(new SacCommon(makeSpec([[3, 20, 20]], 2, []), sacSettings(), 3));
    expect(() => new BatchedTapeSac([img])).toThrow(/visual observations are not stacked/);
    const a2 = new TapeSacEngine(new SacCommon(makeSpec([[8]], 2, []), sacSettings({ hidden: 16 }), 4));
    const stack = new BatchedTapeSac([a, a2]);
    const spec = makeSpec([[8]], 2, []);
    expect(() => stack.update([randomBatch(spec, BATCH, 1), randomBatch(spec, BATCH / 2, 2)])).toThrow(/minibatch sizes differ \(16, 8\)/);
    expect(() => stack.update([randomBatch(spec, BATCH, 1)])).toThrow(/1 batches for 2 members/);
    stack.dispose();
    [a, b, img, a2].forEach((e) => e.dispose());
  });
});
