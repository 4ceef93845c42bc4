// The fast engine (fast-engine.ts, fast-sac.ts) against the tape engine (tape-engine.ts), from
// identical initial weights: Adam's first moment after one step is 0.1 * gradient, so comparing
// moments compares every gradient of both losses; statistics are compared over several steps.
// These are the only two engines the factory (sac-model.ts) can choose; the last group checks its choices.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import { SacModel, createSacEngine, resolveEngine } from "../../../src/trainers/sac/sac-model.js";
import { FastSacEngine } from "../../../src/trainers/sac/fast-engine.js";
import { TapeSacEngine } from "../../../src/trainers/sac/tape-engine.js";
import { SacEngineUnavailableError } from "../../../src/trainers/sac/errors.js";
import { makeSpec, randomBatch, sacSettings, vectorCases } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const models: SacModel[] = [];
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

const cases = vectorCases;

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe("tensor-free SAC update equals the gradient-tape update", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: gradients of both losses (Adam moments), statistics and weights agree`, () => {
      const spec = makeSpec(c.shapes, c.cont, c.branches);
      const settings = sacSettings({ normalize: true, hidden: 12, lr: 3e-3, tau: 0.05 });
      const fast = new SacModel(spec, settings, 11, { engine: "fast" });
      const tape = new SacModel(spec, settings, 11, { engine: "tape" });
      models.push(fast, tape);
      expect(fast.engine).toMatch(/^fast/);
      expect(tape.engine).toBe("tape");
      const batch = randomBatch(spec, 24, 5, 4); // every 4th action masked
      for (const m of [fast, tape]) m.updateNormalizer(batch.obs.map((o) => o.map((v) => v * 2 + 0.5)), 24);
      const s1 = fast.update(batch);
      const s2 = tape.update(batch);
      const f = fast.getState().tensors;
      const t = tape.getState().tensors;
      for (const key of ["adam/actor/m", "adam/critic/m"]) {
        const scale = maxAbs(t[key].data);
        expect(scale).toBeGreaterThan(0);
        f[key].data.forEach((v, i) => expect(Math.abs(v - t[key].data[i])).toBeLessThan(1e-4 * scale + 1e-9));
      }
      for (const k of ["q1Loss", "q2Loss", "policyLoss", "entropy"] as const) expect(s1[k]).toBeCloseTo(s2[k], 5);
      for (let i = 0; i < 3; i++) {
        const a = fast.update(batch);
        const b = tape.update(batch);
        for (const k of ["q1Loss", "q2Loss", "policyLoss", "entropy"] as const) expect(a[k]).toBeCloseTo(b[k], 3);
        expect(a.discreteAlphas.length).toBe(c.branches.length);
        a.discreteAlphas.forEach((x, j) => expect(x).toBeCloseTo(b.discreteAlphas[j], 5));
      }
      const fs = fast.getState().tensors;
      const ts = tape.getState().tensors;
      for (const key of Object.keys(ts).filter((k) => !k.startsWith("adam/"))) {
        fs[key].data.forEach((v, i) => expect(Math.abs(v - ts[key].data[i])).toBeLessThan(1e-3));
      }
      const det = (m: SacModel) => m.act(batch.obs, 24, null, true);
      const da = det(fast);
      const db = det(tape);
      da.continuous.forEach((v, i) => expect(v).toBeCloseTo(db.continuous[i], 3));
    });
  }

  it("packed weights kept between products never go stale: setState after act() and update() copies exactly", () => {
    const spec = makeSpec([[4]], 2, [3]);
    const settings = sacSettings({ normalize: true, hidden: 16 });
    const a = new SacModel(spec, settings, 1, { engine: "fast" });
    const b = new SacModel(spec, settings, 2, { engine: "fast" });
    models.push(a, b);
    const batch = randomBatch(spec, 16, 9, 4);
    for (const m of [a, b]) {
      m.updateNormalizer(batch.obs, 16);
      for (let i = 0; i < 2; i++) m.update(batch);
      m.act(batch.obs, 16, null, true); // the actor's and critics' weights are packed now
    }
    a.update(batch);
    expect(b.act(batch.obs, 16, null, true)).not.toEqual(a.act(batch.obs, 16, null, true));
    b.setState(a.getState());
    expect(b.act(batch.obs, 16, null, true)).toEqual(a.act(batch.obs, 16, null, true));
    expect(b.update(batch)).toEqual(a.update(batch));
    expect(b.act(batch.obs, 16, null, true)).toEqual(a.act(batch.obs, 16, null, true));
  });

  it("images use the tape update; asking for the tensor-free one is refused with the setting named", () => {
    const spec = makeSpec([[3, 20, 20]], 1, []);
    const m = new SacModel(spec, sacSettings({ hidden: 8 }), 1);
    models.push(m);
    expect(m.engine).toBe("tape");
    expect(() => new SacModel(spec, sacSettings({ hidden: 8 }), 1, { engine: "fast" })).toThrow(/vis_encode_type/);
  });
});

describe("the engine factory chooses once, from the backend and the observation kinds", () => {
  it("wasm + vector observations: fast; any image: tape; 'tape' on request", () => {
    const vector = makeSpec([[4], [2]], 1, [2]);
    const visual = makeSpec([[3, 20, 20], [2]], 1, []);
    expect(resolveEngine([[4], [2]])).toBe("fast");
    expect(resolveEngine([[3, 20, 20], [2]])).toBe("tape");
    expect(resolveEngine([[4]], "tape")).toBe("tape");
    const e1 = createSacEngine(vector, sacSettings({ hidden: 8 }), 1);
    const e2 = createSacEngine(visual, sacSettings({ hidden: 8 }), 1);
    const e3 = createSacEngine(vector, sacSettings({ hidden: 8 }), 1, { engine: "tape" });
    try {
      expect(e1).toBeInstanceOf(FastSacEngine);
      expect(e2).toBeInstanceOf(TapeSacEngine);
      expect(e3).toBeInstanceOf(TapeSacEngine);
    } finally {
      for (const e of [e1, e2, e3]) e.dispose();
    }
  });

  it("another backend: tape; asking for fast there is refused with the reason", async () => {
    await initBackend("js");
    try {
      expect(resolveEngine([[4]])).toBe("tape");
      const e = createSacEngine(makeSpec([[4]], 1, []), sacSettings({ hidden: 8 }), 1);
      expect(e.engine).toBe("tape");
      e.dispose();
      expect(() => resolveEngine([[4]], "fast")).toThrow(SacEngineUnavailableError);
      expect(() => resolveEngine([[4]], "fast")).toThrow(/WebAssembly backend's internals \(missing: the wasm backend \(active: cpu\)\)/);
    } finally {
      await initBackend("wasm");
    }
  });
});
