import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { SacModel, deserializeSacState, serializeSacState, type SacState } from "../../../src/trainers/sac/sac-model.js";
import { referenceForward } from "../../../src/trainers/sac/reference-forward.js";
import { SacNotSupportedError, SacStateError } from "../../../src/trainers/sac/errors.js";
import { floats, makeSpec, randomBatch, sacSettings, vectorCases } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const models: SacModel[] = [];
function model(...args: ConstructorParameters<typeof SacModel>): SacModel {
  const m = new SacModel(...args);
  models.push(m);
  return m;
}
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
});

const cases = {
  ...vectorCases,
  visual: { shapes: [[3, 20, 20], [3]], cont: 1, branches: [2] },
};

describe("SacModel actor vs the plain-JS reference forward over snapshot()", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: mu, log sigma and masked probabilities agree after training steps`, () => {
      const spec = makeSpec(c.shapes, c.cont, c.branches);
      const m = model(spec, sacSettings({ normalize: true, hidden: 8, lr: 1e-2 }), 3);
      const n = 6;
      const batch = randomBatch(spec, n, 5, 3);
      m.updateNormalizer(batch.obs.map((o) => o.map((v) => v * 3 + 1)), n);
      for (let i = 0; i < 3; i++) m.update(batch);
      const masks = c.branches.length ? c.branches.map((size, b) => Uint8Array.from({ length: n * size }, (_, k) => (k % size === (k / size + b) % size && size > 1 ? 1 : 0))) : null;
      const obs = batch.obs.map((o) => o.map((v) => v * 2));
      const ours = m.evaluate(obs, n, masks);
      const ref = referenceForward(m.snapshot(), obs, n, masks);
      ours.mu.forEach((v, i) => expect(v).toBeCloseTo(ref.mu[i], 4));
      ours.logSigma.forEach((v, i) => expect(v).toBeCloseTo(ref.logSigma[i], 4));
      ours.probs.forEach((p, b) => p.forEach((v, i) => expect(v).toBeCloseTo(ref.probs[b][i], 5)));
      if (masks) masks.forEach((mk, b) => mk.forEach((v, i) => v && expect(ours.probs[b][i]).toBe(0)));
      const det = m.act(obs, n, masks, true);
      det.continuous.forEach((v, i) => expect(v).toBeCloseTo(ref.deterministicContinuous[i], 4));
      const sampled = m.act(obs, n, masks, false);
      c.branches.forEach((size, b) => {
        for (let r = 0; r < n; r++) expect(masks![b][r * size + sampled.discrete[r * c.branches.length + b]]).toBe(0);
      });
      for (const v of sampled.continuous) expect(Math.abs(v)).toBeLessThan(1);
    });
  }
});

describe("SacModel state", () => {
  it("setState makes an exact copy: identical update statistics, weights and sampled actions", () => {
    const spec = makeSpec([[4]], 2, [3]);
    const s = sacSettings({ normalize: true });
    const a = model(spec, s, 1);
    const b = model(spec, s, 2);
    const batch = randomBatch(spec, 16, 9, 4);
    a.updateNormalizer(batch.obs, 16);
    for (let i = 0; i < 3; i++) a.update(batch);
    b.setState(a.getState());
    expect(b.update(batch)).toEqual(a.update(batch));
    expect(b.act(batch.obs, 16, null, false)).toEqual(a.act(batch.obs, 16, null, false));
    const sa = a.getState();
    const sb = b.getState();
    for (const key of Object.keys(sa.tensors)) expect(sb.tensors[key].data).toEqual(sa.tensors[key].data);
    // A fresh model differs (the test can fail).
    expect(model(spec, s, 2).act(batch.obs, 16, null, true)).not.toEqual(a.act(batch.obs, 16, null, true));
  });

  it("serializes to bytes and back exactly, and rejects damaged bytes with a clear error", () => {
    const spec = makeSpec([[3]], 1, [2]);
    const a = model(spec, sacSettings({ normalize: true }), 4);
    const batch = randomBatch(spec, 8, 2);
    a.updateNormalizer(batch.obs, 8);
    a.update(batch);
    const bytes = serializeSacState(a.getState());
    const back = deserializeSacState(bytes);
    const c = model(spec, sacSettings({ normalize: true }), 99);
    c.setState(back);
    expect(c.update(batch)).toEqual(a.update(batch));
    const bad = bytes.slice();
    bad[0] ^= 0xff;
    expect(() => deserializeSacState(bad)).toThrow(SacStateError);
    expect(() => deserializeSacState(bytes.subarray(0, bytes.length - 8))).toThrow(/does not fit/);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true);
    expect(() => deserializeSacState(nan)).toThrow(/not finite/);
    expect(() => model(makeSpec([[3]], 2, [2]), sacSettings({ normalize: true }), 1).setState(back)).toThrow(/layout/);
  });

  it("refuses unsupported network settings with the key in the message", () => {
    const spec = makeSpec([[3]], 1, []);
    const s = sacSettings();
    expect(() => new SacModel(spec, { ...s, network_settings: { ...s.network_settings, vis_encode_type: "resnet" } }, 1)).toThrow(SacNotSupportedError);
    expect(() => new SacModel(spec, { ...s, network_settings: { ...s.network_settings, memory: { memory_size: 8, sequence_length: 4 } } }, 1)).toThrow(/network_settings.memory/);
  });

  it("leaks no tensors in act() and update(), nor after dispose()", () => {
    const start = tf.memory().numTensors;
    new SacModel(makeSpec([[3, 20, 20], [2]], 1, [2]), sacSettings({ normalize: true }), 1).dispose();
    expect(tf.memory().numTensors).toBe(start);
    for (const c of Object.values(cases)) {
      const spec = makeSpec(c.shapes, c.cont, c.branches);
      const m = model(spec, sacSettings({ normalize: true, hidden: 8 }), 1);
      const batch = randomBatch(spec, 4, 1, 2);
      m.update(batch);
      m.act(batch.obs, 4, null, false);
      const before = tf.memory().numTensors;
      m.update(batch);
      m.updateNormalizer(batch.obs, 4);
      m.act(batch.obs, 4, null, false);
      m.act(batch.obs, 4, null, true);
      m.evaluate(batch.obs, 4, null);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

/** Sets every tensor of `state` whose key matches to `fill(key, data)`. */
function edit(state: SacState, fill: (key: string, data: Float32Array) => void): SacState {
  for (const [k, t] of Object.entries(state.tensors)) fill(k, t.data);
  return state;
}

describe("SacModel update math", () => {
  it("soft target update: target' = tau * critic' + (1 - tau) * target", () => {
    const spec = makeSpec([[4]], 2, []);
    const m = model(spec, sacSettings({ tau: 0.1, lr: 1e-2 }), 7);
    const batch = randomBatch(spec, 8, 3);
    m.update(batch);
    const before = m.getState();
    m.update(batch);
    const after = m.getState();
    let checked = 0;
    for (const key of Object.keys(after.tensors).filter((k) => k.startsWith("target/"))) {
      const critic = after.tensors[key.replace("target/", "critic/")].data;
      const t0 = before.tensors[key].data;
      after.tensors[key].data.forEach((v, i) => expect(v).toBeCloseTo(0.1 * critic[i] + 0.9 * t0[i], 5));
      checked++;
    }
    expect(checked).toBe(6);
    expect(after.tensors["target/head/b"].data).not.toEqual(before.tensors["target/head/b"].data);
  });

  it("Bellman target with and without termination, masked next actions, on a hand-set network", () => {
    const spec = makeSpec([[2]], 0, [3]);
    const m = model(spec, sacSettings({ hidden: 4, layers: 1, gamma: 0.9, initEntcoef: 0.5 }), 1);
    const q1 = [1, 2, 3];
    const q2 = [1.5, 1, 4];
    const t1 = [0.5, 2, 1];
    const t2 = [1, 3, 0];
    m.setState(
      edit(m.getState(), (k, d) => {
        if (k === "critic/head/b") d.set([...q1, ...q2]);
        else if (k === "target/head/b") d.set([...t1, ...t2]);
        else if (!k.startsWith("adam/")) d.fill(0); // zero weights: Q = head bias, uniform policy
      }),
    );
    const batch = {
      length: 2,
      obs: [floats(4, 1)],
      nextObs: [floats(4, 2)],
      continuousActions: new Float32Array(0),
      discreteActions: Int32Array.from([2, 0]),
      rewards: Float32Array.from([1, -2]),
      dones: Float32Array.from([0, 1]),
      actionMasks: new Uint8Array(6),
      nextActionMasks: Uint8Array.from([0, 1, 0, 0, 0, 0]),
    };
    const stats = m.update(batch);
    // Row 0: next actions {0, 2} allowed, pi = 1/2 each; min(Q1', Q2') = [0.5, 2, 0];
    // V(s') = sum pi (minQ' - alpha log pi) = 0.25 + 0.5 ln 2.   Row 1 terminal: y = r.
    const y0 = 1 + 0.9 * (0.25 + 0.5 * Math.LN2);
    const y1 = -2;
    expect(stats.q1Loss).toBeCloseTo(0.5 * (((3 - y0) ** 2 + (1 - y1) ** 2) / 2), 5);
    expect(stats.q2Loss).toBeCloseTo(0.5 * (((4 - y0) ** 2 + (1.5 - y1) ** 2) / 2), 5);
    expect(stats.entropy).toBeCloseTo(Math.log(3), 5); // uniform over 3 at s (nothing masked)
  });

  it("entropy coefficients rise when entropy is below target and fall when above", () => {
    for (const [cont, branches] of [[2, []], [0, [3]]] as [number, number[]][]) {
      const spec = makeSpec([[3]], cont, branches);
      const batch = randomBatch(spec, 16, 4);
      const up = model(spec, sacSettings(), 1);
      up.setHyperparameters({ targetEntropyContinuous: 10, targetEntropyDiscrete: branches.map(() => 5) });
      const down = model(spec, sacSettings(), 1);
      down.setHyperparameters({ targetEntropyContinuous: -10, targetEntropyDiscrete: branches.map(() => 0.01) });
      const key = cont ? "continuousEntropyCoeff" : "discreteEntropyCoeff";
      expect(up.update(batch)[key]).toBeGreaterThan(1);
      expect(down.update(batch)[key]).toBeLessThan(1);
    }
  });

  it("the learning rate is read at every update (changeable at run time)", () => {
    const spec = makeSpec([[3]], 1, []);
    const batch = randomBatch(spec, 8, 4);
    const a = model(spec, sacSettings(), 1);
    const b = model(spec, sacSettings(), 1);
    b.setHyperparameters({ learningRate: 0 });
    expect(b.update(batch).learningRate).toBe(0);
    a.update(batch);
    const wa = a.getState().tensors["actor/head/w"].data;
    const wb0 = model(spec, sacSettings(), 1).getState().tensors["actor/head/w"].data;
    expect(b.getState().tensors["actor/head/w"].data).toEqual(wb0); // lr 0: no change
    expect(wa).not.toEqual(wb0);
  });
});
