import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReplayBuffer } from "../../../src/trainers/common/replay-buffer.js";
import type { TransitionBatch } from "../../../src/trainers/common/transition.js";

const layout = { obsSizes: [2, 1], continuousSize: 1, discreteSize: 1, maskSize: 3 };

/** Transitions whose every field encodes its id, so a sampled row can be traced back. */
function batch(ids: number[]): TransitionBatch {
  const n = ids.length;
  return {
    length: n,
    obs: [Float32Array.from(ids.flatMap((i) => [i, i + 0.5])), Float32Array.from(ids)],
    nextObs: [Float32Array.from(ids.flatMap((i) => [-i, -i - 0.5])), Float32Array.from(ids, (i) => -i)],
    continuousActions: Float32Array.from(ids, (i) => i * 2),
    discreteActions: Int32Array.from(ids, (i) => i % 3),
    rewards: Float32Array.from(ids, (i) => i * 10),
    dones: Float32Array.from(ids, (i) => i % 2),
    actionMasks: Uint8Array.from(ids.flatMap((i) => [i % 2, 0, 1])),
    nextActionMasks: Uint8Array.from(ids.flatMap((i) => [0, i % 2, 0])),
  };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("ReplayBuffer", () => {
  it("keeps every field of a row together and only the newest `capacity` rows (ring)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), fc.integer(), (capacity, chunks, seed) => {
        const buf = new ReplayBuffer(layout, capacity);
        let next = 0;
        for (const c of chunks) buf.add(batch(Array.from({ length: c }, () => next++)));
        expect(buf.size).toBe(Math.min(capacity, next));
        const s = buf.sample(16, lcg(seed));
        for (let r = 0; r < 16; r++) {
          const id = s.obs[1][r];
          expect(id).toBeGreaterThanOrEqual(next - Math.min(capacity, next));
          expect(id).toBeLessThan(next);
          expect([s.obs[0][2 * r], s.obs[0][2 * r + 1]]).toEqual([id, id + 0.5]);
          expect(s.nextObs[1][r]).toBe(-id);
          expect(s.continuousActions[r]).toBe(id * 2);
          expect(s.discreteActions[r]).toBe(id % 3);
          expect(s.rewards[r]).toBe(id * 10);
          expect(s.dones[r]).toBe(id % 2);
          expect(Array.from(s.actionMasks.subarray(3 * r, 3 * r + 3))).toEqual([id % 2, 0, 1]);
          expect(Array.from(s.nextActionMasks.subarray(3 * r, 3 * r + 3))).toEqual([0, id % 2, 0]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("samples uniformly (every stored row appears) and reuses its output arrays", () => {
    const buf = new ReplayBuffer(layout, 5);
    buf.add(batch([0, 1, 2, 3, 4, 5, 6]));
    const rng = lcg(3);
    const a = buf.sample(200, rng);
    const seen = new Set(Array.from(a.obs[1]));
    expect([...seen].sort()).toEqual([2, 3, 4, 5, 6]);
    const b = buf.sample(200, rng);
    expect(b.rewards).toBe(a.rewards);
  });

  it("round-trips through getState/setState as a deep copy", () => {
    const buf = new ReplayBuffer(layout, 4);
    buf.add(batch([0, 1, 2, 3, 4, 5]));
    const state = buf.getState();
    const copy = new ReplayBuffer(layout, 4);
    copy.setState(state);
    buf.add(batch([9, 9, 9, 9]));
    expect(copy.size).toBe(4);
    const s = copy.sample(50, lcg(1));
    expect(new Set(Array.from(s.obs[1]))).toEqual(new Set([2, 3, 4, 5]));
    copy.add(batch([7]));
    expect(new Set(Array.from(copy.sample(80, lcg(2)).obs[1]))).toEqual(new Set([3, 4, 5, 7]));
    expect(() => new ReplayBuffer({ ...layout, maskSize: 2 }, 4).setState(state)).toThrow(/layout/);
  });

  it("rejects batches with wrongly sized fields and sampling an empty buffer", () => {
    const buf = new ReplayBuffer(layout, 4);
    expect(() => buf.sample(1, Math.random)).toThrow(/empty/);
    expect(() => buf.add({ ...batch([1, 2]), rewards: new Float32Array(3) })).toThrow(/field/);
  });

  it("stores each transition's tag when the layout is tagged (Mix & Match: the component that acted), and ignores tags otherwise", () => {
    const tagged = new ReplayBuffer({ ...layout, tagged: true }, 8);
    const ids = [1, 2, 3, 4, 5];
    tagged.add({ ...batch(ids), tags: Int32Array.from(ids, (i) => i % 2) });
    const s = tagged.sample(32, lcg(4));
    for (let r = 0; r < s.length; r++) expect(s.tags![r]).toBe(s.rewards[r]! / 10 % 2); // the tag travels with its row
    expect(tagged.getState().tags!.subarray(0, 5)).toEqual(Int32Array.from([1, 0, 1, 0, 1]));
    expect(() => tagged.add(batch([6]))).toThrow(/field/); // a tagged buffer needs the tags
    const copy = new ReplayBuffer({ ...layout, tagged: true }, 8);
    copy.setState(tagged.getState());
    expect(copy.getState()).toEqual(tagged.getState());
    expect(() => new ReplayBuffer(layout, 8).setState(tagged.getState())).toThrow(/layout/);
    const plain = new ReplayBuffer(layout, 8);
    plain.add({ ...batch(ids), tags: Int32Array.from(ids) });
    expect(plain.sample(4, lcg(1)).tags).toBeUndefined();
    expect(plain.getState().tags).toBeUndefined();
  });
});
