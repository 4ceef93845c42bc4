import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { gaussianConstant, logOneMinusTanhSquared, sampleSquashed } from "../../../src/trainers/sac/squashed-gaussian.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("squashed Gaussian", () => {
  it("stable log(1 - tanh(u)^2) matches the naive form at moderate u and stays finite at large |u|", () => {
    const u = [-3, -1.5, -0.2, 0, 0.7, 2.5];
    const got = tf.tidy(() => logOneMinusTanhSquared(tf.tensor1d(u)).arraySync() as number[]);
    u.forEach((x, i) => expect(got[i]).toBeCloseTo(Math.log(1 - Math.tanh(x) ** 2), 4));
    const big = tf.tidy(() => logOneMinusTanhSquared(tf.tensor1d([-60, 60, 200])).arraySync() as number[]);
    for (const v of big) expect(Number.isFinite(v)).toBe(true);
    // For large |u|: log(1 - tanh^2) = log(4) - 2|u| + O(e^{-2|u|}) (1 - tanh^2 = sech^2 ~ 4 e^{-2|u|})
    expect(big[0]).toBeCloseTo(Math.log(4) - 120, 3);
    expect(big[2]).toBeCloseTo(Math.log(4) - 400, 2);
    expect(Math.log(1 - Math.tanh(60) ** 2)).toBe(-Infinity); // why the stable form is needed
  });

  it("log pi equals the change-of-variables density computed independently in float64", () => {
    const mu = [0.3, -1.2, 0.05, 2.0];
    const ls = [-0.5, 0.2, -1.5, 0.0];
    const eps = Float32Array.from([0.4, -1.1, 2.2, -0.3]);
    const out = tf.tidy(() => {
      const s = sampleSquashed(tf.tensor2d(mu, [2, 2]), tf.tensor2d(ls, [2, 2]), tf.tensor2d(eps, [2, 2]), tf.tensor1d(gaussianConstant(eps, 2, 2)));
      return { a: s.action.arraySync() as number[][], lp: s.logProb.arraySync() as number[] };
    });
    for (let r = 0; r < 2; r++) {
      let expected = 0;
      for (let i = 0; i < 2; i++) {
        const k = r * 2 + i;
        const sigma = Math.exp(ls[k]);
        const u = mu[k] + sigma * eps[k];
        const a = Math.tanh(u);
        expect(out.a[r][i]).toBeCloseTo(a, 5);
        // density of a: N(atanh(a); mu, sigma) * |d atanh(a) / da| = N(u) / (1 - a^2)
        const normal = Math.exp(-((u - mu[k]) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
        expected += Math.log(normal / (1 - a * a));
      }
      expect(out.lp[r]).toBeCloseTo(expected, 3);
    }
  });

  it("the implied density matches a histogram of sampled squashed actions", () => {
    const n = 40000;
    const mu = 0.4;
    const logSigma = -0.3;
    const rng = new Rng(11);
    const eps = rng.fillNormal(new Float32Array(n));
    const { a, lp } = tf.tidy(() => {
      const s = sampleSquashed(tf.fill([n, 1], mu) as tf.Tensor2D, tf.fill([n, 1], logSigma) as tf.Tensor2D, tf.tensor2d(eps, [n, 1]), tf.tensor1d(gaussianConstant(eps, n, 1)));
      return { a: s.action.dataSync() as Float32Array, lp: s.logProb.dataSync() as Float32Array };
    });
    // Bin [-1, 1] into 20 bins; the fraction in a bin ~ density at its center * width.
    const bins = new Float64Array(20);
    for (const v of a) bins[Math.min(19, Math.floor((v + 1) * 10))]++;
    // Density at a bin center from the model's own log-prob of the nearest sample.
    for (let b = 4; b < 16; b++) {
      const center = -1 + (b + 0.5) / 10;
      let best = 0;
      for (let i = 1; i < n; i++) if (Math.abs(a[i] - center) < Math.abs(a[best] - center)) best = i;
      const density = Math.exp(lp[best]);
      expect(bins[b] / n / 0.1).toBeCloseTo(density, 1);
    }
  });
});
