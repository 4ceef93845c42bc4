// The Mix & Match control policy π_mm = Σ_i α_i π_i (Czarnecki et al. 2018, arXiv 1806.01780,
// docs/mix-and-match.md §1): explicit mixing draws one component c ~ Cat(α) per agent decision, and that component
// acts; the index is stored with the experience. α is one number that PBT moves, α_K (the target's
// weight); the simpler components share 1 − α_K in the proportions of the configured initial α.

import type { Rng } from "../common/rng.js";

/** Draws c ~ Cat(α) for each of `n` decisions (inverse CDF on one uniform each). */
export function sampleComponents(alpha: readonly number[], n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  const last = alpha.length - 1;
  for (let row = 0; row < n; row++) {
    const u = rng.next();
    let c = 0;
    let cumulative = alpha[0]!;
    // u < Σ_{j<=c} α_j picks c; rounding that leaves the sum just under 1 falls to the last nonzero weight.
    while (c < last && u >= cumulative) cumulative += alpha[++c]!;
    while (alpha[c] === 0 && c > 0) c--;
    out[row] = c;
  }
  return out;
}

/**
 * The K mixing weights for a target weight α_K: the simpler components get 1 − α_K split in the
 * proportions of `initialAlpha`'s first K − 1 entries (evenly when those are all 0).
 */
export function mixingWeights(alphaTarget: number, initialAlpha: readonly number[]): number[] {
  if (!(alphaTarget >= 0 && alphaTarget <= 1)) throw new RangeError(`mixingWeights: α of the target must be in [0, 1], got ${alphaTarget}`);
  const k = initialAlpha.length;
  const simple = initialAlpha.slice(0, k - 1);
  const total = simple.reduce((a, b) => a + b, 0);
  const shape = total > 0 ? simple.map((a) => a / total) : simple.map(() => 1 / (k - 1));
  return [...shape.map((s) => s * (1 - alphaTarget)), alphaTarget];
}

/** λ (1 − α_K): the weight of the distillation term, fading as the target takes over. */
export function distillationWeight(lambda: number, alphaTarget: number): number {
  return lambda * (1 - alphaTarget);
}

/** PBT's explore for α_K: ± step with equal chance, clipped to [0, 1]. `random` is uniform in [0, 1) (e.g. `rng.uniform`). */
export function exploreAlpha(alphaTarget: number, step: number, random: () => number): number {
  const moved = random() < 0.5 ? alphaTarget - step : alphaTarget + step;
  return Math.min(1, Math.max(0, moved));
}
