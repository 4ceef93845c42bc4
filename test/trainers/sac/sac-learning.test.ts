// Learning sanity: SAC solves one-step bandits quickly (ML-Agents check_environment_trains in miniature).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import { ReplayBuffer } from "../../../src/trainers/common/replay-buffer.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { SacModel } from "../../../src/trainers/sac/sac-model.js";
import { makeSpec, sacSettings } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const disposers: SacModel[] = [];
afterAll(() => disposers.forEach((m) => m.dispose()));

function train(cont: number, branches: number[], reward: (a: Float32Array, d: Int32Array, r: number) => number, updates: number): SacModel {
  const spec = makeSpec([[2]], cont, branches);
  const m = new SacModel(spec, sacSettings({ hidden: 32, lr: 3e-3, batch: 64, initEntcoef: 0.5 }), 5);
  disposers.push(m);
  const total = branches.reduce((a, b) => a + b, 0);
  const buf = new ReplayBuffer({ obsSizes: [2], continuousSize: cont, discreteSize: branches.length, maskSize: total }, 5000);
  const rng = new Rng(9);
  const n = 16;
  const obs = new Float32Array(n * 2).fill(1);
  for (let it = 0; it < updates; it++) {
    const act = m.act([obs], n, null, false);
    const rewards = Float32Array.from({ length: n }, (_, r) => reward(act.continuous, act.discrete, r));
    buf.add({ length: n, obs: [obs], nextObs: [obs], continuousActions: act.continuous, discreteActions: act.discrete, rewards, dones: new Float32Array(n).fill(1), actionMasks: new Uint8Array(n * total), nextActionMasks: new Uint8Array(n * total) });
    m.update(buf.sample(64, rng.uniform));
  }
  return m;
}

describe("SAC learning sanity", () => {
  it("continuous: reward -(a - 0.5)^2 drives the deterministic action to 0.5", () => {
    const m = train(1, [], (a, _d, r) => -((a[r] - 0.5) ** 2), 300);
    const a = m.act([new Float32Array(2).fill(1)], 1, null, true).continuous[0];
    expect(Math.abs(a - 0.5)).toBeLessThan(0.1);
  });

  it("discrete: one good arm out of four becomes the argmax with most of the probability", () => {
    const m = train(0, [4], (_a, d, r) => (d[r] === 2 ? 1 : 0), 300);
    const obs = [new Float32Array(2).fill(1)];
    expect(m.act(obs, 1, null, true).discrete[0]).toBe(2);
    expect(m.evaluate(obs, 1, null).probs[0][2]).toBeGreaterThan(0.5);
  });
});
