import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/trainers/common/rng.js";
import { distillationWeight, exploreAlpha, mixingWeights, sampleComponents } from "../../../src/trainers/mm/mixture.js";

describe("explicit mixing c ~ Cat(α)", () => {
  it.each([
    [[0.7, 0.3]],
    [[0.2, 0.5, 0.3]],
    [[0.05, 0.0, 0.95]],
  ])("draws each component with frequency α (Pearson χ² below the 0.999 quantile, fixed seed) for α = %j", (alpha) => {
    const n = 200_000;
    const drawn = sampleComponents(alpha, n, new Rng(7));
    const counts = new Array<number>(alpha.length).fill(0);
    for (const c of drawn) counts[c]!++;
    let chi2 = 0;
    let df = -1;
    alpha.forEach((a, i) => {
      if (a === 0) {
        expect(counts[i]).toBe(0); // a zero weight is never drawn
        return;
      }
      chi2 += (counts[i]! - n * a) ** 2 / (n * a);
      df++;
    });
    // 0.999 quantiles of χ² with 1 and 2 degrees of freedom.
    const limit = df === 1 ? 10.83 : 13.82;
    expect(chi2).toBeLessThan(limit);
  });

  it("draws only the one component with all the weight", () => {
    expect([...sampleComponents([0, 1], 1000, new Rng(1))].every((c) => c === 1)).toBe(true);
    expect([...sampleComponents([1, 0, 0], 1000, new Rng(1))].every((c) => c === 0)).toBe(true);
  });

  it("replays exactly from the same RNG state", () => {
    expect(sampleComponents([0.5, 0.5], 64, new Rng(3))).toEqual(sampleComponents([0.5, 0.5], 64, new Rng(3)));
  });
});

describe("α of the target, weights and explore", () => {
  it("splits 1 − α_K over the simpler components in the initial proportions", () => {
    expect(mixingWeights(0.4, [0.8, 0.2])).toEqual([0.6, 0.4]);
    const w = mixingWeights(0.5, [0.6, 0.2, 0.2]);
    expect(w[0]).toBeCloseTo(0.375, 12);
    expect(w[1]).toBeCloseTo(0.125, 12);
    expect(w[2]).toBe(0.5);
    expect(mixingWeights(0.1, [0, 0, 1])).toEqual([0.45, 0.45, 0.1]);
    expect(() => mixingWeights(1.2, [1, 0])).toThrow(RangeError);
  });

  it("weights the distillation by λ (1 − α_K)", () => {
    expect(distillationWeight(2, 0.25)).toBe(1.5);
    expect(distillationWeight(2, 1)).toBe(0);
  });

  it("moves α by ± step with both signs taken, clipped to [0, 1]", () => {
    const rng = new Rng(11);
    const moves = new Set(Array.from({ length: 50 }, () => exploreAlpha(0.5, 0.1, rng.uniform).toFixed(6)));
    expect(moves).toEqual(new Set(["0.400000", "0.600000"]));
    for (let i = 0; i < 20; i++) {
      expect(exploreAlpha(0.95, 0.1, rng.uniform)).toBeOneOf([0.95 - 0.1, 1]);
      expect(exploreAlpha(0.02, 0.1, rng.uniform)).toBeOneOf([0, 0.02 + 0.1]);
    }
  });
});
