import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { branchEntropies, maskedLogSoftmax, maskTensorsData } from "../../../src/trainers/sac/categorical.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("masked categorical", () => {
  const logits = [1, 2, 0.5, -1, 0.3, 3, 2, 1];
  const branches = [3, 5]; // row 0 of both branches, 2 rows
  const rows = [logits, logits.map((v) => -v)];
  const mask = Uint8Array.from([0, 1, 0, 1, 0, 0, 1, 0, /* row 1 */ 0, 0, 0, 0, 0, 0, 0, 1]);

  function run() {
    return tf.tidy(() => {
      const m = maskTensorsData(mask, 2, 8);
      const d = maskedLogSoftmax(tf.tensor2d(rows), tf.tensor2d(m.keep, [2, 8]), tf.tensor2d(m.penalty, [2, 8]), branches);
      return { p: d.probs.arraySync() as number[][], lp: d.logProbs.arraySync() as number[][], h: branchEntropies(d.probs, d.logProbs, branches).arraySync() as number[][] };
    });
  }

  it("gives masked actions probability exactly 0 and renormalizes the rest, per branch", () => {
    const { p } = run();
    for (let r = 0; r < 2; r++) {
      let col = 0;
      for (const size of branches) {
        const allowed = Array.from({ length: size }, (_, j) => col + j).filter((k) => !mask[r * 8 + k]);
        const z = allowed.reduce((s, k) => s + Math.exp(rows[r][k]), 0);
        for (let j = 0; j < size; j++) {
          const k = col + j;
          if (mask[r * 8 + k]) expect(p[r][k]).toBe(0);
          else expect(p[r][k]).toBeCloseTo(Math.exp(rows[r][k]) / z, 6);
        }
        col += size;
      }
    }
  });

  it("entropy per branch equals -sum p log p over the allowed actions", () => {
    const { p, h } = run();
    for (let r = 0; r < 2; r++) {
      let col = 0;
      branches.forEach((size, b) => {
        let e = 0;
        for (let j = 0; j < size; j++) if (p[r][col + j] > 0) e -= p[r][col + j] * Math.log(p[r][col + j]);
        expect(h[r][b]).toBeCloseTo(e, 5);
        col += size;
      });
    }
    // hand value: branch 0 of row 0 allows logits 1 and 0.5 only
    const q = 1 / (1 + Math.exp(-0.5));
    expect(h[0][0]).toBeCloseTo(-(q * Math.log(q) + (1 - q) * Math.log(1 - q)), 5);
  });

  it("the log-softmax gradient matches finite differences", () => {
    const x = [0.2, -0.4, 1.1];
    const w = [0.7, -1.3, 0.4];
    const f = (v: tf.Tensor) => {
      const m = maskTensorsData(null, 1, 3);
      const d = maskedLogSoftmax(v as tf.Tensor2D, tf.tensor2d(m.keep, [1, 3]), tf.tensor2d(m.penalty, [1, 3]), [3]);
      return tf.sum(tf.mul(d.logProbs, tf.tensor2d([w])));
    };
    const g = tf.tidy(() => (tf.grad(f)(tf.tensor2d([x])).arraySync() as number[][])[0]);
    const val = (v: number[]) => {
      const lse = Math.log(v.reduce((s, t) => s + Math.exp(t), 0));
      return v.reduce((s, t, i) => s + w[i] * (t - lse), 0);
    };
    x.forEach((_, i) => {
      const hp = [...x];
      const hm = [...x];
      hp[i] += 1e-4;
      hm[i] -= 1e-4;
      expect(g[i]).toBeCloseTo((val(hp) - val(hm)) / 2e-4, 3);
    });
  });
});
