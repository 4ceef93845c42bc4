// The stacked population update (batched-fast-sac.ts) against the independent computation: the
// same members updated one by one by their own engine's update(). Tolerance 0: the stacked path
// issues the same float32 operations on the same operands (products per member, Adam and Polyak
// per element over longer buffers), so every loss and weight must agree bit for bit.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import { SacModel } from "../../../src/trainers/sac/sac-model.js";
import { FastSacEngine } from "../../../src/trainers/sac/fast-engine.js";
import { StackedFastSac } from "../../../src/trainers/sac/batched-fast-sac.js";
import type { UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import type { SacState } from "../../../src/trainers/sac/sac-state.js";
import { makeSpec, randomBatch, sacSettings, vectorCases } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const models: SacModel[] = [];
const stacks: StackedFastSac[] = [];
afterEach(() => {
  stacks.splice(0).forEach((s) => s.release());
  models.splice(0).forEach((m) => m.dispose());
});

const cases = vectorCases;

type Case = (typeof cases)[keyof typeof cases];

/** K members with distinct seeds and hyperparameters (learning rate, gamma, tau, entropy targets, alpha). */
function population(c: Case, K: number): SacModel[] {
  const spec = makeSpec(c.shapes, c.cont, c.branches);
  return Array.from({ length: K }, (_, k) => {
    const m = new SacModel(spec, sacSettings({ normalize: k % 2 === 0, hidden: 12, initEntcoef: 0.2 + 0.3 * k }), 100 + k, { engine: "fast" });
    m.setHyperparameters({
      learningRate: 1e-3 * (1 + (k % 3)),
      gamma: 0.9 + 0.01 * k,
      tau: k % 4 === 1 ? 0.005 : 0.02 + 0.01 * (k % 2),
      targetEntropyContinuous: -1 - 0.25 * k,
      targetEntropyDiscrete: c.branches.map((b, j) => 0.1 * Math.log(b) * (1 + ((k + j) % 3))),
    });
    models.push(m);
    return m;
  });
}

function fastEngine(m: SacModel): FastSacEngine {
  if (!(m.core instanceof FastSacEngine)) throw new Error("expected the fast engine");
  return m.core;
}

function expectSameState(a: SacState, b: SacState, label: string): void {
  expect(Object.keys(b.tensors).sort(), label).toEqual(Object.keys(a.tensors).sort());
  for (const [key, t] of Object.entries(a.tensors)) {
    const other = b.tensors[key].data;
    let diff = 0;
    for (let i = 0; i < t.data.length; i++) if (!Object.is(t.data[i], other[i])) diff++;
    expect(diff, `${label}: ${key} differs in ${diff} of ${t.data.length} elements`).toBe(0);
  }
  expect(b.adamSteps, label).toEqual(a.adamSteps);
  expect(b.alpha, label).toEqual(a.alpha);
  expect(b.normalizers, label).toEqual(a.normalizers);
}

describe("stacked population update equals separate updates", () => {
  for (const [name, c] of Object.entries(cases)) {
    for (const K of [1, 3, 8]) {
      it(`${name}, K = ${K}: losses and every weight after 4 rounds (one with a subset of members)`, () => {
        const spec = makeSpec(c.shapes, c.cont, c.branches);
        const separate = population(c, K);
        const batched = population(c, K);
        const stack = new StackedFastSac(batched.map(fastEngine));
        stacks.push(stack);
        for (let round = 0; round < 4; round++) {
          // Round 2 leaves members out (every third one), so runs of neighbours break up.
          const members = Array.from({ length: K }, (_, k) => k).filter((k) => round !== 2 || k % 3 !== 1);
          const batches = members.map((k) => randomBatch(spec, 8 + 4 * ((k + round) % 3), 1000 * round + k, 3));
          members.forEach((k, i) => {
            const b = batches[i];
            if (round === 0 && c.shapes.length > 0) {
              separate[k].updateNormalizer(b.obs, b.length);
              batched[k].updateNormalizer(b.obs, b.length);
            }
          });
          const expected: UpdateLosses[] = members.map((k, i) => separate[k].update(batches[i]));
          // Listed in reverse: results come back in the caller's order.
          const got = stack.update(members.map((k, i) => ({ member: k, batch: batches[i] })).reverse()).reverse();
          expect(got).toEqual(expected);
        }
        for (let k = 0; k < K; k++) expectSameState(separate[k].getState(), batched[k].getState(), `member ${k}`);
        // After release each member owns its buffers again and goes on exactly as before.
        stack.release();
        const b = randomBatch(spec, 10, 77, 3);
        for (let k = 0; k < K; k++) {
          expect(batched[k].update(b)).toEqual(separate[k].update(b));
          expectSameState(separate[k].getState(), batched[k].getState(), `member ${k} after release`);
        }
      });
    }
  }

  it("refuses members of different layouts and a member twice in one round", () => {
    const spec = makeSpec([[5]], 2, []);
    const a = new SacModel(spec, sacSettings({ hidden: 12 }), 1, { engine: "fast" });
    const b = new SacModel(spec, sacSettings({ hidden: 16 }), 2, { engine: "fast" });
    models.push(a, b);
    expect(() => new StackedFastSac([fastEngine(a), fastEngine(b)])).toThrow(/member 1 has another network layout/);
    const stack = new StackedFastSac([fastEngine(a)]);
    stacks.push(stack);
    const batch = randomBatch(spec, 8, 1);
    expect(() => stack.update([{ member: 0, batch }, { member: 0, batch }])).toThrow(/not a distinct member/);
  });
});
