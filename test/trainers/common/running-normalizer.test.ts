import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RunningNormalizer } from "../../../src/trainers/common/running-normalizer.js";

describe("RunningNormalizer", () => {
  it("merging batches one by one equals the statistics of all rows at once (with ML-Agents' prior)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (rows, chunk) => {
          const norm = new RunningNormalizer(2);
          for (let i = 0; i < rows.length; i += chunk) {
            const part = rows.slice(i, i + chunk);
            norm.update(Float32Array.from(part.flat()), part.length);
          }
          // Direct two-pass statistics over the prior pseudo-set (count 1, mean 0, M2 1) plus all rows.
          const n = rows.length;
          for (let j = 0; j < 2; j++) {
            const xs = rows.map((r) => Math.fround(r[j]));
            const mean = xs.reduce((a, b) => a + b, 0) / (n + 1);
            const m2 = 1 + mean * mean + xs.reduce((a, x) => a + (x - mean) ** 2, 0);
            expect(norm.meanVector()[j]).toBeCloseTo(mean, 3);
            expect(norm.stdVector()[j] / Math.sqrt(m2 / (n + 1))).toBeCloseTo(1, 5);
          }
          expect(norm.steps).toBe(n + 1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("starts at mean 0, std 1 and copies its state exactly", () => {
    const a = new RunningNormalizer(3);
    expect(Array.from(a.stdVector())).toEqual([1, 1, 1]);
    a.update(Float32Array.from([1, 2, 3, 4, 5, 6]), 2);
    const b = new RunningNormalizer(3);
    b.setState(a.getState());
    expect(b.getState()).toEqual(a.getState());
    expect(() => new RunningNormalizer(2).setState(a.getState())).toThrow(/size/);
  });
});
