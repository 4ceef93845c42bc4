import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { maskTensorsData } from "../../../src/trainers/sac/categorical.js";
import { macroActionCrossEntropy, macroActionLogLikelihood, maskedCategoricalKl, squashedGaussianKl } from "../../../src/trainers/mm/kl.js";

beforeAll(async () => {
  await initBackend("wasm");
});

/** log density of a = tanh(u), u ~ N(mu, sigma), at a in (-1, 1), in float64 (change of variables). */
function logSquashedDensity(a: number, mu: number, sigma: number): number {
  const u = Math.atanh(a);
  return -((u - mu) ** 2) / (2 * sigma * sigma) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - a * a);
}

function klOf(rows: { muP: number[]; lsP: number[]; muQ: number[]; lsQ: number[] }[]): number[] {
  const d = rows[0]!.muP.length;
  const t = (key: "muP" | "lsP" | "muQ" | "lsQ") => tf.tensor2d(rows.map((r) => r[key]), [rows.length, d]);
  return tf.tidy(() => Array.from(squashedGaussianKl(t("muP"), t("lsP"), t("muQ"), t("lsQ")).dataSync()));
}

describe("KL of tanh-squashed Gaussians (pre-squash closed form)", () => {
  const cases1d = [
    { muP: [0.3], lsP: [Math.log(0.5)], muQ: [-0.4], lsQ: [Math.log(0.8)] },
    { muP: [1.1], lsP: [Math.log(0.3)], muQ: [0.9], lsQ: [Math.log(0.25)] },
    { muP: [-0.2], lsP: [Math.log(1.2)], muQ: [0.6], lsQ: [Math.log(0.6)] },
  ];

  it("equals ∫ p(a) log(p(a)/q(a)) da over the squashed densities in action space (1-D midpoint rule)", () => {
    const got = klOf(cases1d);
    const n = 400_000;
    cases1d.forEach((c, i) => {
      let integral = 0;
      for (let k = 0; k < n; k++) {
        const a = -1 + (2 * (k + 0.5)) / n;
        const lp = logSquashedDensity(a, c.muP[0]!, Math.exp(c.lsP[0]!));
        const lq = logSquashedDensity(a, c.muQ[0]!, Math.exp(c.lsQ[0]!));
        integral += Math.exp(lp) * (lp - lq) * (2 / n);
      }
      expect(got[i]).toBeGreaterThan(0);
      expect(Math.abs(got[i]! - integral)).toBeLessThan(2e-4 * Math.max(1, integral));
    });
  });

  it("equals the 2-D integral over the square of actions (diagonal: the dimensions add)", () => {
    const c = { muP: [0.4, -0.3], lsP: [Math.log(0.6), Math.log(0.9)], muQ: [0.1, 0.2], lsQ: [Math.log(0.7), Math.log(0.5)] };
    const [got] = klOf([c]);
    const n = 1500;
    const h = 2 / n;
    // Per-axis log densities on the grid, then the double sum of p1 p2 (log p1 p2 − log q1 q2).
    const axis = (mu: number, sigma: number) => Float64Array.from({ length: n }, (_, k) => logSquashedDensity(-1 + (k + 0.5) * h, mu, sigma));
    const lp0 = axis(c.muP[0]!, Math.exp(c.lsP[0]!));
    const lp1 = axis(c.muP[1]!, Math.exp(c.lsP[1]!));
    const lq0 = axis(c.muQ[0]!, Math.exp(c.lsQ[0]!));
    const lq1 = axis(c.muQ[1]!, Math.exp(c.lsQ[1]!));
    let integral = 0;
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        const lp = lp0[x]! + lp1[y]!;
        integral += Math.exp(lp) * (lp - lq0[x]! - lq1[y]!) * h * h;
      }
    }
    expect(Math.abs(got! - integral)).toBeLessThan(2e-3 * integral);
  });

  it("equals a large-sample Monte-Carlo estimate of E_p[log p(a) − log q(a)] in action space", () => {
    const c = { muP: [0.5, -0.8], lsP: [Math.log(0.7), Math.log(0.4)], muQ: [0.2, -0.2], lsQ: [Math.log(0.5), Math.log(0.6)] };
    const [got] = klOf([c]);
    const rng = new Rng(12345);
    const n = 400_000;
    const eps = rng.fillNormal(new Float32Array(2 * n));
    let sum = 0;
    let sumSq = 0;
    for (let k = 0; k < n; k++) {
      let ratio = 0;
      for (let d = 0; d < 2; d++) {
        // Sample in action space and score the squashed densities there (a is clipped off ±1 only by float64).
        const a = Math.tanh(c.muP[d]! + Math.exp(c.lsP[d]!) * eps[2 * k + d]!);
        ratio += logSquashedDensity(a, c.muP[d]!, Math.exp(c.lsP[d]!)) - logSquashedDensity(a, c.muQ[d]!, Math.exp(c.lsQ[d]!));
      }
      sum += ratio;
      sumSq += ratio * ratio;
    }
    const mean = sum / n;
    const standardError = Math.sqrt((sumSq / n - mean * mean) / n);
    // Fixed seed: the estimate is a fixed number; 5 standard errors around it cannot be missed by chance.
    expect(Math.abs(got! - mean)).toBeLessThan(5 * standardError);
    expect(standardError).toBeLessThan(0.01 * mean);
  });

  it("is 0 for equal policies and its gradient in the target's mean matches finite differences", () => {
    const same = { muP: [0.3, -1], lsP: [-0.5, 0.2], muQ: [0.3, -1], lsQ: [-0.5, 0.2] };
    expect(Math.abs(klOf([same])[0]!)).toBeLessThan(1e-6);
    const c = cases1d[2]!;
    const grad = tf.tidy(() => {
      const g = tf.grad((muQ: tf.Tensor) => tf.sum(squashedGaussianKl(tf.tensor2d([c.muP]), tf.tensor2d([c.lsP]), muQ as tf.Tensor2D, tf.tensor2d([c.lsQ]))));
      return g(tf.tensor2d([c.muQ])).dataSync()[0]!;
    });
    // d/dμ_q of (μ_p − μ_q)² / (2σ_q²) = (μ_q − μ_p) / σ_q²
    expect(grad).toBeCloseTo((c.muQ[0]! - c.muP[0]!) / Math.exp(2 * c.lsQ[0]!), 4);
  });
});

describe("masked categorical KL per branch", () => {
  const branches = [3, 4];
  const logitsP = [
    [0.5, -1, 2, 0.3, 0.1, -0.7, 1.5],
    [2, 2, -3, 1, 0, 0, -1],
  ];
  const logitsQ = [
    [-0.2, 0.4, 1, 1.2, -0.5, 0.8, 0],
    [0, 1, 2, -1, 0.5, 0.5, 3],
  ];
  const mask = Uint8Array.from([0, 1, 0, 0, 0, 1, 1, /* row 1 */ 0, 0, 0, 1, 0, 0, 0]);

  it("equals the direct sum over allowed actions, each branch renormalized over its allowed actions", () => {
    const got = tf.tidy(() => {
      const m = maskTensorsData(mask, 2, 7);
      const masks = { keep: tf.tensor2d(m.keep, [2, 7]), penalty: tf.tensor2d(m.penalty, [2, 7]) };
      return Array.from(maskedCategoricalKl(tf.tensor2d(logitsP), tf.tensor2d(logitsQ), masks, branches).dataSync());
    });
    for (let r = 0; r < 2; r++) {
      let expected = 0;
      let col = 0;
      for (const size of branches) {
        const allowed = Array.from({ length: size }, (_, j) => col + j).filter((k) => mask[r * 7 + k] === 0);
        const zP = allowed.reduce((s, k) => s + Math.exp(logitsP[r]![k]!), 0);
        const zQ = allowed.reduce((s, k) => s + Math.exp(logitsQ[r]![k]!), 0);
        for (const k of allowed) {
          const p = Math.exp(logitsP[r]![k]!) / zP;
          const q = Math.exp(logitsQ[r]![k]!) / zQ;
          expected += p * Math.log(p / q);
        }
        col += size;
      }
      expect(got[r]).toBeCloseTo(expected, 5);
    }
    // The mask matters: row 0 unmasked gives another value.
    const unmasked = tf.tidy(() => {
      const m = maskTensorsData(null, 1, 7);
      const masks = { keep: tf.tensor2d(m.keep, [1, 7]), penalty: tf.tensor2d(m.penalty, [1, 7]) };
      return maskedCategoricalKl(tf.tensor2d([logitsP[0]!]), tf.tensor2d([logitsQ[0]!]), masks, branches).dataSync()[0]!;
    });
    expect(Math.abs(unmasked - got[0]!)).toBeGreaterThan(0.05);
  });
});

describe("macro-action distillation (cross-entropy of the mapped component under the target)", () => {
  it("for a discrete target with distinct macro-actions, cross-entropy − H(π_i) is KL(π_i ‖ π_K) of the mapped distributions", () => {
    const branches = [3, 2];
    // 4 macro-actions onto (branch0, branch1): (0,0), (2,1), (1,1), (2,0)
    const macros = [
      [0, 0],
      [2, 1],
      [1, 1],
      [2, 0],
    ];
    const oneHot = macros.map(([a, b]) => [0, 1, 2].map((k) => (k === a ? 1 : 0)).concat([0, 1].map((k) => (k === b ? 1 : 0))));
    const componentLogits = [0.3, -0.5, 1.2, 0.1];
    const targetLogits = [0.2, 1, -0.4, 0.7, -0.3];
    const { ce, ll } = tf.tidy(() => {
      const m = maskTensorsData(null, 1, 5);
      const target = { logits: tf.tensor2d([targetLogits]), masks: { keep: tf.tensor2d(m.keep, [1, 5]), penalty: tf.tensor2d(m.penalty, [1, 5]) }, branches };
      const ll = macroActionLogLikelihood(target, null, tf.tensor2d(oneHot));
      const logP = tf.logSoftmax(tf.tensor2d([componentLogits]));
      return { ce: macroActionCrossEntropy(logP as tf.Tensor2D, ll).dataSync()[0]!, ll: Array.from(ll.dataSync()) };
    });
    const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((s, x) => s + Math.exp(x), 0));
    const p = softmax(componentLogits);
    const q0 = softmax(targetLogits.slice(0, 3));
    const q1 = softmax(targetLogits.slice(3));
    macros.forEach(([a, b], c) => expect(ll[c]).toBeCloseTo(Math.log(q0[a!]! * q1[b!]!), 5));
    // Direct KL over the 6 joint target actions: π_i puts p_c on macro c's joint action, 0 elsewhere.
    const kl = macros.reduce((s, [a, b], c) => s + p[c]! * Math.log(p[c]! / (q0[a!]! * q1[b!]!)), 0);
    const entropy = -p.reduce((s, x) => s + x * Math.log(x), 0);
    expect(ce - entropy).toBeCloseTo(kl, 5);
  });

  it("for a continuous target, scores each macro-action by the pre-squash Gaussian log-density", () => {
    const mu = [0.2, -0.4];
    const logSigma = [Math.log(0.5), Math.log(0.9)];
    const macroU = [
      [Math.atanh(0.5), Math.atanh(-0.5)],
      [0, Math.atanh(0.9)],
      [Math.atanh(-0.995), 0],
    ];
    const componentProbs = [0.5, 0.3, 0.2];
    const { ce, ll } = tf.tidy(() => {
      const ll = macroActionLogLikelihood({ mu: tf.tensor2d([mu]), logSigma: tf.tensor2d([logSigma]), branches: [] }, tf.tensor2d(macroU), null);
      return { ce: macroActionCrossEntropy(tf.log(tf.tensor2d([componentProbs])) as tf.Tensor2D, ll).dataSync()[0]!, ll: Array.from(ll.dataSync()) };
    });
    const logNormal = (u: number, m: number, s: number) => -((u - m) ** 2) / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    const expected = macroU.map((u) => u.reduce((s, v, d) => s + logNormal(v, mu[d]!, Math.exp(logSigma[d]!)), 0));
    expected.forEach((e, c) => expect(ll[c]).toBeCloseTo(e, 4));
    expect(ce).toBeCloseTo(-expected.reduce((s, e, c) => s + componentProbs[c]! * e, 0), 4);
  });

  it("leaves out macro-actions the component cannot take (p = 0), even where the target scores them −1e8", () => {
    const ce = tf.tidy(() => macroActionCrossEntropy(tf.tensor2d([[Math.log(0.4), Math.log(0.6), -1e8]]), tf.tensor2d([[-1, -2, -1e8]])).dataSync()[0]!);
    expect(ce).toBeCloseTo(0.4 * 1 + 0.6 * 2, 5);
  });
});
