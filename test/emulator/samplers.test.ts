import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DotNetRandom } from "../../src/emulator/dotnet-random.js";
import { createSampler } from "../../src/emulator/samplers.js";

const f32 = Math.fround;

describe("Unity samplers", () => {
  it("uniform: min + (float)NextDouble() * (max - min) from System.Random(seed)", () => {
    const s = createSampler({ kind: "uniform", seed: 42, min: 2, max: 5 });
    const r = new DotNetRandom(42);
    for (let i = 0; i < 5; i++) expect(s()).toBe(f32(2 + f32(r.nextDouble()) * 3));
  });

  it("uniform stays within its bounds for any seed and range", () => {
    fc.assert(
      fc.property(fc.integer(), fc.float({ min: -1e3, max: 1e3, noNaN: true }), fc.float({ min: 0, max: 1e3, noNaN: true }), (seed, lo, width) => {
        const s = createSampler({ kind: "uniform", seed, min: lo, max: lo + width });
        for (let i = 0; i < 10; i++) {
          const v = s();
          expect(v).toBeGreaterThanOrEqual(f32(lo) - 1e-3);
          expect(v).toBeLessThanOrEqual(f32(lo + width) + 1e-3);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("gaussian has the requested mean and standard deviation", () => {
    const s = createSampler({ kind: "gaussian", seed: 7, mean: 3, stDev: 0.5 });
    const xs = Array.from({ length: 20000 }, s);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(0.5, 1);
  });

  it("multirangeuniform picks intervals in proportion to their length", () => {
    const s = createSampler({ kind: "multirangeuniform", seed: 1, intervals: [[0, 1], [10, 13]] });
    let low = 0;
    const n = 8000;
    for (let i = 0; i < n; i++) {
      const v = s();
      const inLow = v >= 0 && v <= 1;
      const inHigh = v >= 10 && v <= 13;
      expect(inLow || inHigh).toBe(true);
      if (inLow) low++;
    }
    expect(low / n).toBeGreaterThan(0.2);
    expect(low / n).toBeLessThan(0.3);
  });

  it("float is a constant", () => {
    const s = createSampler({ kind: "float", value: 0.1 });
    expect([s(), s()]).toEqual([f32(0.1), f32(0.1)]);
  });
});
