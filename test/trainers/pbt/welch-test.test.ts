import { describe, expect, it } from "vitest";
import { mean, sampleVariance, welchTTest } from "../../../src/trainers/pbt/welch-test.js";

describe("welchTTest", () => {
  it("reproduces the Welch example of Wikipedia's 'Welch's t-test' (t = 2.46, ν ≈ 25, two-sided p = 0.021)", () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(a2, a1);
    expect(r.t).toBeCloseTo(2.46, 2);
    expect(r.df).toBeCloseTo(24.99, 2);
    expect(2 * r.pValue).toBeCloseTo(0.021, 3);
    // scipy.stats.ttest_ind(a2, a1, equal_var=False, alternative="greater")
    expect(r.t).toBeCloseTo(2.455356398286006, 10);
    expect(r.df).toBeCloseTo(24.988529290231416, 9);
    expect(r.pValue).toBeCloseTo(0.010689000731433496, 10);
  });

  it("matches scipy on unequal variances (ν far from n_a + n_b − 2)", () => {
    const r = welchTTest([6, 19, 3, 2, 14, 4, 5, 17, 1], [3, 4, 5, 8, 9, 1, 2, 4, 5]);
    expect(r.t).toBeCloseTo(1.3622298275594995, 10);
    expect(r.df).toBeCloseTo(10.255208532019596, 9);
    expect(r.pValue).toBeCloseTo(0.10114696168433898, 10);
  });

  it("computes the Welch–Satterthwaite df from its definition", () => {
    const a = [1, 2, 3, 4, 10];
    const b = [2, 2.5, 3, 2.2];
    const va = sampleVariance(a) / a.length;
    const vb = sampleVariance(b) / b.length;
    const r = welchTTest(a, b);
    expect(r.t).toBeCloseTo((mean(a) - mean(b)) / Math.sqrt(va + vb), 12);
    expect(r.df).toBeCloseTo((va + vb) ** 2 / (va ** 2 / 4 + vb ** 2 / 3), 12);
  });

  it("is one-sided: swapping the samples gives 1 − p", () => {
    const a = [5, 6, 7, 6.5];
    const b = [4, 5.5, 5, 4.5, 5];
    expect(welchTTest(a, b).pValue + welchTTest(b, a).pValue).toBeCloseTo(1, 12);
    expect(welchTTest(a, b).pValue).toBeLessThan(0.05);
  });

  it("stays finite for variances whose squares underflow", () => {
    const r = welchTTest([1e-150, 0], [0, 0]); // s² = 5e-301, s⁴ underflows to 0
    expect(Number.isFinite(r.df) && r.df > 0).toBe(true);
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(1);
  });

  it("treats constant samples as exact and needs two values per side", () => {
    expect(welchTTest([2, 2], [1, 1]).pValue).toBe(0);
    expect(welchTTest([1, 1], [2, 2]).pValue).toBe(1);
    expect(welchTTest([1, 1], [1, 1]).pValue).toBe(1);
    expect(() => welchTTest([1], [1, 2])).toThrow(RangeError);
  });
});
