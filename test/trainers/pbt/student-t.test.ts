import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logGamma, regularizedIncompleteBeta, studentTCdf } from "../../../src/trainers/pbt/student-t.js";

/**
 * Independent Student-t CDF: with x = √ν tan θ the density becomes ∝ cos^(ν−1) θ on (−π/2, π/2), so
 * P(T ≤ t) = ∫_{−π/2}^{atan(t/√ν)} cos^(ν−1) / ∫_{−π/2}^{π/2} cos^(ν−1), two finite Simpson integrals
 * with no gamma or beta function in them.
 */
function cdfByIntegration(t: number, df: number): number {
  const f = (theta: number): number => Math.pow(Math.max(0, Math.cos(theta)), df - 1);
  const simpson = (a: number, b: number, n: number): number => {
    const h = (b - a) / n;
    let sum = f(a) + f(b);
    for (let i = 1; i < n; i++) sum += f(a + i * h) * (i % 2 === 1 ? 4 : 2);
    return (sum * h) / 3;
  };
  const upper = Math.atan(t / Math.sqrt(df));
  return simpson(-Math.PI / 2, upper, 20_000) / simpson(-Math.PI / 2, Math.PI / 2, 20_000);
}

describe("logGamma", () => {
  it("matches factorials and Γ(1/2) = √π", () => {
    let factorial = 1;
    for (let n = 1; n <= 20; n++) {
      expect(logGamma(n)).toBeCloseTo(Math.log(factorial), 10);
      factorial *= n;
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 12);
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 10);
  });
});

describe("regularizedIncompleteBeta", () => {
  it("has the closed forms I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 50, noNaN: true }), (x, p) => {
        expect(regularizedIncompleteBeta(x, p, 1)).toBeCloseTo(Math.pow(x, p), 9);
        expect(regularizedIncompleteBeta(x, 1, p)).toBeCloseTo(1 - Math.pow(1 - x, p), 9);
      }),
    );
  });

  it("is symmetric: I_x(a, b) = 1 − I_{1−x}(b, a)", () => {
    // x stays away from 0 and 1: there I is so steep that the rounding of 1 − x alone exceeds the tolerance.
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1 - 1e-3, noNaN: true }), fc.double({ min: 0.1, max: 40, noNaN: true }), fc.double({ min: 0.1, max: 40, noNaN: true }), (x, a, b) => {
        expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(1 - regularizedIncompleteBeta(1 - x, b, a), 9);
      }),
    );
  });

  it("refuses arguments outside its domain", () => {
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(RangeError);
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(RangeError);
  });
});

describe("studentTCdf", () => {
  it("agrees with numerical integration of the t density", () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: 2, max: 60, noNaN: true }), (t, df) => {
        expect(Math.abs(studentTCdf(t, df) - cdfByIntegration(t, df))).toBeLessThan(1e-7);
      }),
      { numRuns: 60 },
    );
  });

  it("gives textbook quantiles: t(0.975; 10) = 2.228, t(0.95; 5) = 2.015, t(0.995; 30) = 2.750", () => {
    expect(studentTCdf(2.228, 10)).toBeCloseTo(0.975, 4);
    expect(studentTCdf(2.015, 5)).toBeCloseTo(0.95, 4);
    expect(studentTCdf(2.75, 30)).toBeCloseTo(0.995, 4);
    expect(studentTCdf(-2.228, 10)).toBeCloseTo(0.025, 4);
  });

  it("has the closed forms of df = 1 (Cauchy) and df = 2", () => {
    for (const t of [-30, -2, -0.5, 0, 0.3, 1, 4, 100]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it("matches scipy.stats.t.cdf at non-integer df (values printed by scipy 1.17)", () => {
    expect(studentTCdf(-1.5, 2.5)).toBeCloseTo(0.12391822654314809, 10);
    expect(studentTCdf(0.3, 7.3)).toBeCloseTo(0.613729731910145, 10);
    expect(studentTCdf(3.5, 1.7)).toBeCloseTo(0.954251432313602, 10);
    expect(studentTCdf(-40, 4.2) / 6.947532329022907e-7).toBeCloseTo(1, 6);
  });

  it("handles infinities and rejects df <= 0", () => {
    expect(studentTCdf(Infinity, 3)).toBe(1);
    expect(studentTCdf(-Infinity, 3)).toBe(0);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
  });
});
