import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { conv2dInputGrad, conv2dLeaky, dense, type Activation } from "../../../src/trainers/sac/layers.js";
import { floats } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

function plain(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, act: Activation): tf.Tensor {
  const z = tf.add(tf.matMul(x as tf.Tensor3D, w as tf.Tensor3D), b);
  if (act === "swish") return tf.mul(z, tf.sigmoid(z));
  if (act === "leaky") return tf.maximum(z, tf.mul(z, 0.01)); // leaky via max (different ops)
  return z;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe("dense with custom gradient", () => {
  for (const act of ["linear", "swish"] as Activation[]) {
    for (const grouped of [false, true]) {
      it(`${act}, ${grouped ? "grouped [2,in,out] with a shared 2-D input" : "2-D"}: value and gradients equal tf.grad of the plain formula`, () => {
        tf.tidy(() => {
          const x = tf.tensor2d(floats(5 * 4, 1), [5, 4]);
          const w = grouped ? tf.tensor3d(floats(2 * 4 * 3, 2), [2, 4, 3]) : tf.tensor2d(floats(12, 2), [4, 3]);
          const b = grouped ? tf.tensor3d(floats(6, 3), [2, 1, 3]) : tf.tensor1d(floats(3, 3));
          const r = tf.tensor(floats(grouped ? 30 : 15, 4), grouped ? [2, 5, 3] : [5, 3]);
          const ours = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(dense(xx, ww, bb, act, { x: true, params: true }), r)));
          // Reference: tiled input so the plain matMul has matching batch dims (its gradient uses transposed matMul).
          const ref = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(tf.mul(plain(grouped ? tf.stack([xx, xx]) : xx, ww, bb, act), r)),
          );
          const g1 = ours([x, w, b]);
          const g2 = ref([x, w, b]);
          for (let i = 0; i < 3; i++) expect(maxDiff(g1[i], g2[i])).toBeLessThan(1e-5);
          expect(maxDiff(dense(x, w, b, act, { x: false, params: false }), plain(grouped ? tf.stack([x, x]) : x, w, b, act))).toBeLessThan(1e-6);
        });
      });
    }
  }

  it("leaky and parameter-only gradients agree with the plain formula", () => {
    tf.tidy(() => {
      const x = tf.tensor2d(floats(6 * 3, 5), [6, 3]);
      const w = tf.tensor2d(floats(3 * 4, 6), [3, 4]);
      const b = tf.tensor1d(floats(4, 7));
      const g1 = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(dense(x, ww, bb, "leaky", { x: false, params: true }))))([w, b]);
      const g2 = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(plain(x, ww, bb, "leaky"))))([w, b]);
      expect(maxDiff(g1[0], g2[0])).toBeLessThan(1e-5);
      expect(maxDiff(g1[1], g2[1])).toBeLessThan(1e-5);
    });
  });
});

describe("conv2dLeaky with custom gradient", () => {
  it("weight, bias and input gradients equal a direct float64 computation", () => {
    const [B, H, W, C, K, O, S] = [2, 9, 9, 2, 4, 3, 2];
    const x = floats(B * H * W * C, 11);
    const w = floats(K * K * C * O, 12).map((v) => v * 0.5);
    const b = floats(O, 13);
    const OH = Math.floor((H - K) / S) + 1;
    const r = floats(B * OH * OH * O, 14);
    const grads = tf.tidy(() =>
      tf
        .grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(conv2dLeaky(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, S, { x: true, params: true }), tf.tensor4d(r, [B, OH, OH, O]))),
        )([tf.tensor4d(x, [B, H, W, C]), tf.tensor4d(w, [K, K, C, O]), tf.tensor1d(b)])
        .map((g) => Array.from(g.dataSync())),
    );
    const X = (n: number, h: number, q: number, c: number) => ((n * H + h) * W + q) * C + c;
    const Wi = (kh: number, kw: number, c: number, o: number) => ((kh * K + kw) * C + c) * O + o;
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(w.length);
    const db = new Float64Array(O);
    for (let n = 0; n < B; n++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OH; j++)
          for (let o = 0; o < O; o++) {
            let z = b[o];
            for (let kh = 0; kh < K; kh++) for (let kw = 0; kw < K; kw++) for (let c = 0; c < C; c++) z += x[X(n, i * S + kh, j * S + kw, c)] * w[Wi(kh, kw, c, o)];
            const dz = r[((n * OH + i) * OH + j) * O + o] * (z > 0 ? 1 : 0.01);
            db[o] += dz;
            for (let kh = 0; kh < K; kh++)
              for (let kw = 0; kw < K; kw++)
                for (let c = 0; c < C; c++) {
                  dw[Wi(kh, kw, c, o)] += x[X(n, i * S + kh, j * S + kw, c)] * dz;
                  dx[X(n, i * S + kh, j * S + kw, c)] += w[Wi(kh, kw, c, o)] * dz;
                }
          }
    [dx, dw, db].forEach((ref, k) => ref.forEach((v, i) => expect(grads[k][i]).toBeCloseTo(v, 4)));
  });
});

describe("conv2dInputGrad (one stride-1 conv instead of Conv2DBackpropInput)", () => {
  for (const [H, W, K, S, C, O] of [[15, 20, 4, 2, 16, 32], [36, 37, 8, 4, 3, 5], [10, 11, 3, 2, 2, 3]]) {
    it(`x ${H}x${W}x${C}, kernel ${K}x${K} stride ${S}, ${O} outputs: equals tf.conv2dTranspose`, () => {
      tf.tidy(() => {
        const oh = Math.floor((H - K) / S) + 1;
        const ow = Math.floor((W - K) / S) + 1;
        const dz = tf.tensor4d(floats(2 * oh * ow * O, 21), [2, oh, ow, O]);
        const w = tf.tensor4d(floats(K * K * C * O, 22), [K, K, C, O]);
        const ours = conv2dInputGrad(dz, w, [2, H, W, C], S);
        expect(ours.shape).toEqual([2, H, W, C]);
        expect(maxDiff(ours, tf.conv2dTranspose(dz, w, [2, H, W, C], S, "valid"))).toBeLessThan(1e-4);
      });
    });
  }
});
