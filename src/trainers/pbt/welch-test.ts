// Welch's unequal-variances t-test (Welch 1947), the significance half of PBT's replacement rule
// (Jaderberg et al. 2017 §A.1, "t-test selection"). docs/pbt.md gives the equations.

import { studentTCdf } from "./student-t.js";

export interface WelchResult {
  /** t = (mean_a − mean_b) / sqrt(s_a²/n_a + s_b²/n_b). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** One-sided p-value of H1: mean(a) > mean(b). */
  pValue: number;
}

export function mean(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Unbiased sample variance (n − 1 in the denominator). */
export function sampleVariance(xs: readonly number[]): number {
  const m = mean(xs);
  let sum = 0;
  for (const x of xs) sum += (x - m) * (x - m);
  return sum / (xs.length - 1);
}

/**
 * One-sided Welch test that `a` has a larger mean than `b`. Needs at least two values on each side.
 * With both variances zero the samples are constants: p is 0 when mean(a) > mean(b), else 1.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) throw new RangeError(`Welch's t-test needs at least 2 values per sample, got ${a.length} and ${b.length}`);
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const diff = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) {
    const t = diff > 0 ? Infinity : diff < 0 ? -Infinity : 0;
    return { t, df: a.length + b.length - 2, pValue: diff > 0 ? 0 : 1 };
  }
  const t = diff / Math.sqrt(se2);
  // Welch–Satterthwaite: ν = (va + vb)² / (va²/(n_a − 1) + vb²/(n_b − 1)), with va = s_a²/n_a, computed
  // with the shares va/(va + vb) so that tiny variances (squares underflowing to 0) cannot give 0/0.
  const ra = va / se2;
  const rb = vb / se2;
  const df = 1 / ((ra * ra) / (a.length - 1) + (rb * rb) / (b.length - 1));
  // P(T > t) = P(T < −t): symmetric, and exact in the far tail where 1 − cdf would round to 0.
  return { t, df, pValue: studentTCdf(-t, df) };
}
