import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import type { MacroAction, MixAndMatchSettings } from "../../../src/config/index.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { MmTapeModel, type MmModelState } from "../../../src/trainers/mm/mm-model.js";
import { makeSpec, randomBatch, sacSettings } from "../sac/helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const models: MmTapeModel[] = [];
afterAll(() => models.forEach((m) => m.dispose()));

/** 3 macro tilts for a 2-continuous target, then the target. */
const tilts: MacroAction[] = [
  { continuous: [-1, 0], discrete: [] },
  { continuous: [0, 0], discrete: [] },
  { continuous: [0.5, 1], discrete: [] },
];
function mix(over: Partial<MixAndMatchSettings> & { macros?: MacroAction[] | null; observations?: number[] | null } = {}): MixAndMatchSettings {
  return {
    components: [
      { hidden_units: 8, num_layers: 1, observations: over.observations ?? null, macro_actions: over.macros === undefined ? tilts : over.macros },
      { hidden_units: 16, num_layers: 2, observations: null, macro_actions: null },
    ],
    shared: { critics: true, encoder: false },
    lambda: over.lambda ?? 1,
    initial_alpha: over.initial_alpha ?? [0.7, 0.3],
    alpha_step: 0.1,
    locations: {},
  };
}
function model(spec = makeSpec([[3], [2]], 2, []), m = mix(), seed = 3): MmTapeModel {
  const settings = { ...sacSettings({ hidden: 16, layers: 2, lr: 3e-3 }), mix_and_match: m };
  const out = new MmTapeModel(spec, settings, seed);
  models.push(out);
  return out;
}

describe("Mix & Match model (tape)", () => {
  it("acts with each component at the rate α and maps macro-actions into the target's actions", () => {
    const m = model();
    const n = 400;
    const obs = [Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i)), Float32Array.from({ length: n * 2 }, (_, i) => Math.cos(i))];
    const out = m.act(obs, n, null, false);
    expect(m.decisions[0]! + m.decisions[1]!).toBe(n);
    expect(m.decisions[0]! / n).toBeGreaterThan(0.6);
    expect(m.decisions[0]! / n).toBeLessThan(0.8);
    const isMacro = (r: number) => tilts.some((t) => t.continuous[0] === out.continuous[2 * r] && t.continuous[1] === out.continuous[2 * r + 1]);
    const macroRows = Array.from({ length: n }, (_, r) => r).filter(isMacro).length;
    // The simple component's rows are exactly macro-actions; the target's squashed samples never are.
    expect(macroRows).toBe(m.decisions[0]);
    m.alpha = 1;
    m.decisions.fill(0);
    m.act(obs, n, null, false);
    expect(m.decisions).toEqual([0, n]);
    // Deterministic acting is the target alone, whatever α says.
    m.alpha = 0;
    m.decisions.fill(0);
    m.act(obs, 8, null, true);
    expect(m.decisions).toEqual([0, 8]);
  });

  it("never picks a macro-action that stands for a masked target action", () => {
    const spec = makeSpec([[4]], 0, [3, 2]);
    const macros = [
      { continuous: [], discrete: [0, 0] },
      { continuous: [], discrete: [2, 1] },
      { continuous: [], discrete: [1, 1] },
    ];
    const m = model(spec, mix({ macros, initial_alpha: [1, 0] }));
    const n = 200;
    // Branch 0 action 2 and branch 1 action 0 masked: only macro 2 (1, 1) is allowed.
    const masks = [Uint8Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 1 : 0)), Uint8Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0))];
    const out = m.act([new Float32Array(n * 4).fill(0.3)], n, masks, false);
    for (let r = 0; r < n; r++) expect([out.discrete[2 * r], out.discrete[2 * r + 1]]).toEqual([1, 1]);
  });

  it("updates every component, reports finite losses per component, and leaks no tensors", () => {
    for (const [spec, macros] of [
      [makeSpec([[3], [2]], 2, []), tilts],
      [makeSpec([[5]], 1, [3]), [{ continuous: [0.5], discrete: [2] }, { continuous: [-0.5], discrete: [0] }]],
      [makeSpec([[5]], 0, [3, 2]), null],
    ] as const) {
      const m = model(spec, mix({ macros: macros as MacroAction[] | null, observations: [0, 2] }));
      const batch = randomBatch(spec, 32, 5, 7);
      m.update(batch);
      const before = tf.memory().numTensors;
      const losses = m.update(batch);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(losses.q1Loss) && Number.isFinite(losses.policyLoss)).toBe(true);
      expect(m.componentLosses).toHaveLength(2);
      expect(Number.isFinite(m.componentLosses[0]!.distillation!)).toBe(true);
      expect(m.componentLosses[1]!.distillation).toBeNull();
      const stats = m.stats.drain();
      expect(Object.keys(stats)).toEqual(
        expect.arrayContaining(["Losses/Policy Loss [component 1]", "Losses/Policy Loss [component 2]", "Policy/Entropy [component 1]", "Losses/Distillation [component 1]"]),
      );
    }
  });

  it("distillation pulls the target toward the simpler component: KL falls with λ > 0, not with λ = 0", () => {
    const spec = makeSpec([[3]], 2, []);
    const identity = { macros: null, initial_alpha: [1, 0] };
    const klAfter = (lambda: number): number[] => {
      const m = model(spec, mix({ ...identity, lambda }), 11);
      const batch = randomBatch(spec, 64, 2);
      const kls: number[] = [];
      for (let i = 0; i < 60; i++) {
        m.update(batch);
        kls.push(m.componentLosses[0]!.distillation!);
      }
      return kls;
    };
    const pulled = klAfter(20);
    const free = klAfter(0);
    expect(pulled[pulled.length - 1]!).toBeLessThan(0.5 * pulled[0]!);
    expect(pulled[pulled.length - 1]!).toBeLessThan(0.5 * free[free.length - 1]!);
  });

  it("the distillation term moves only the target: the simpler component's update is the same for any λ", () => {
    const spec = makeSpec([[3]], 2, []);
    const a = model(spec, mix({ lambda: 0 }), 4);
    const b = model(spec, mix({ lambda: 50 }), 5);
    b.setState(structuredClone(a.getState()));
    const batch = randomBatch(spec, 32, 6);
    a.update(batch);
    b.update(batch);
    const [sa, sb] = [a.getState(), b.getState()];
    expect(sb.components[0]!.tensors["actor/body0/w"]!.data).toEqual(sa.components[0]!.tensors["actor/body0/w"]!.data);
    expect(sb.components[1]!.tensors["actor/head/w"]!.data).not.toEqual(sa.components[1]!.tensors["actor/head/w"]!.data);
  });

  it("copies exactly through getState/setState: same actions, same next update", () => {
    const spec = makeSpec([[3], [2]], 2, []);
    const a = model(spec, mix(), 1);
    const b = model(spec, mix(), 2);
    const batch = randomBatch(spec, 32, 9);
    a.update(batch);
    a.alpha = 0.45;
    b.setState(structuredClone(a.getState()) as MmModelState);
    expect(b.alpha).toBe(0.45);
    const obs = [new Float32Array(3 * 4).fill(0.2), new Float32Array(2 * 4).fill(-0.1)];
    expect(b.act(obs, 4, null, false)).toEqual(a.act(obs, 4, null, false));
    expect(b.update(batch)).toEqual(a.update(batch));
    expect(b.componentLosses).toEqual(a.componentLosses);
  });

  it("gives each component the trainer's target-entropy scale on its own action space", () => {
    const m = model(); // target: 2 continuous actions; component 1: 3 macro-actions
    m.setHyperparameters({ targetEntropyContinuous: -1, targetEntropyDiscrete: [], learningRate: 1e-3 }); // scale 0.5 of -|A| = -2
    expect(m.components[1]!.common.hyperparameters).toMatchObject({ targetEntropyContinuous: -1, learningRate: 1e-3 });
    expect(m.components[0]!.common.hyperparameters.targetEntropyDiscrete[0]).toBeCloseTo(0.2 * 0.5 * Math.log(3), 12);
    expect(m.components[0]!.common.hyperparameters.learningRate).toBe(1e-3);
  });

  it("snapshot() is the target component alone, over the behavior's observations", () => {
    const spec = makeSpec([[3], [2]], 2, []);
    const m = model(spec);
    const snap = m.snapshot();
    const target = m.getState().components[1]!;
    expect(snap.encoders.map((e) => e.kind === "vector" && e.size)).toEqual([3, 2]);
    expect(snap.body).toHaveLength(2);
    expect(snap.body[0]!.inSize).toBe(5);
    expect(snap.body[0]!.kernel).toEqual(target.tensors["actor/body0/w"]!.data);
    expect(snap.continuous!.size).toBe(2);
    expect(snap.discrete).toBeNull();
  });
});
