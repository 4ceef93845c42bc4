// Dense and conv layers with hand-written gradients. Why: on tfjs-wasm, matMul with
// transposeA/transposeB is 10-14x slower than a plain matMul, and the wasm backend has no
// Conv2DBackpropFilter kernel. Gradients here transpose explicitly, then use plain matMul / conv2d.
// A dense layer may be "grouped": weights [G, in, out] run G networks (the twin critics) in one
// batched matMul; a 2-D input [B, in] is then shared by all G networks (broadcast).

import * as tf from "@tensorflow/tfjs-core";
import "./gradients.js";

export type Activation = "linear" | "swish" | "leaky";

/** Which inputs receive gradients: skipping the others avoids their matMuls in backprop. */
export interface GradNeeds {
  readonly x: boolean;
  readonly params: boolean;
}

const LEAK = 0.01;

/**
 * Batched product over the group axis (twin critics; a population's stacked members). On wasm as G
 * plain 2-D matMuls: tfjs-wasm's BatchMatMul with a batch > 1 is ~50x slower than its 2-D path
 * (measured 80 ms vs 1.7 ms at 256x256x256). Elsewhere (WebGPU) one batched matMul when both
 * operands are stacked. A 2-D operand is shared by every group.
 */
function groupMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const wasm = tf.getBackend() === "wasm";
  if (a.rank === 3 && b.rank === 3 && !wasm) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  const split = wasm ? unstackOnce : (t: tf.Tensor): tf.Tensor[] => tf.unstack(t);
  const as = a.rank === 3 ? split(a) : null;
  const bs = b.rank === 3 ? split(b) : null;
  const g = (as ?? bs)!.length;
  const outs: tf.Tensor[] = [];
  for (let i = 0; i < g; i++) outs.push(tf.matMul((as ? as[i] : a) as tf.Tensor2D, (bs ? bs[i] : b) as tf.Tensor2D));
  return tf.stack(outs);
}

/**
 * tf.unstack on wasm with one read: its Slice kernel copies the whole input for every slice (G
 * copies of a stacked [G, in, out] tensor). Only inside custom gradients, which are not traced.
 */
function unstackOnce(t: tf.Tensor): tf.Tensor[] {
  const data = t.dataSync() as Float32Array;
  const shape = t.shape.slice(1);
  const size = t.size / t.shape[0]!;
  return Array.from({ length: t.shape[0]! }, (_, i) => tf.tensor(data.subarray(i * size, (i + 1) * size), shape));
}

function transposeLast(t: tf.Tensor): tf.Tensor {
  return t.rank === 2 ? tf.transpose(t) : tf.transpose(t, [0, 2, 1]);
}

function activate(z: tf.Tensor, act: Activation): { y: tf.Tensor; keep: tf.Tensor[] } {
  if (act === "swish") {
    const s = tf.sigmoid(z);
    const y = tf.mul(z, s);
    return { y, keep: [y, s] };
  }
  if (act === "leaky") return { y: tf.leakyRelu(z, LEAK), keep: [z] };
  return { y: z, keep: [] };
}

function activationGrad(dy: tf.Tensor, act: Activation, kept: tf.Tensor[]): tf.Tensor {
  if (act === "swish") {
    // d/dz z*s(z) = s + z*s*(1-s) = y + s*(1-y)
    const [y, s] = kept;
    return tf.mul(dy, tf.add(y, tf.mul(s, tf.sub(1, y))));
  }
  if (act === "leaky") return tf.where(tf.greater(kept[0], 0), dy, tf.mul(dy, LEAK));
  return dy;
}

/**
 * y = act(x W + b). x: [B, in] or [G, B, in]; w: [in, out] or [G, in, out]; b: [out] or [G, 1, out].
 */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, act: Activation, needs: GradNeeds): tf.Tensor {
  const grouped = w.rank === 3;
  const forward = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
    grouped ? tf.add(groupMatMul(xx, ww), bb) : tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb });
  // x and w come back through `saved`: closure tensors may be disposed by the forward tidy.
  const backward = (dy: tf.Tensor, kept: tf.Tensor[]): { dx: tf.Tensor | null; dw: tf.Tensor | null; db: tf.Tensor | null } => {
    const x = kept[kept.length - 2];
    const w = kept[kept.length - 1];
    const dz = activationGrad(dy, act, kept);
    let dx: tf.Tensor | null = null;
    let dw: tf.Tensor | null = null;
    let db: tf.Tensor | null = null;
    if (needs.x) {
      dx = grouped ? groupMatMul(dz, transposeLast(w)) : tf.matMul(dz, transposeLast(w));
      if (x.rank === 2 && dx.rank === 3) dx = tf.sum(dx, 0); // shared input: sum over the G networks
    }
    if (needs.params) {
      dw = grouped ? groupMatMul(transposeLast(x), dz) : tf.matMul(transposeLast(x), dz); // [in,B] x [G,B,out] -> [G,in,out]
      db = grouped ? tf.sum(dz, 1, true) : tf.sum(dz, 0);
    }
    return { dx, dw, db };
  };
  if (!needs.x && !needs.params) return activate(forward(x, w, b), act).y;
  const inputs: tf.Tensor[] = needs.params ? [w, b] : [];
  if (needs.x) inputs.push(x);
  return withGrad(inputs, (args, save) => {
    const ww = needs.params ? args[0] : w;
    const bb = needs.params ? args[1] : b;
    const xx = needs.x ? args[needs.params ? 2 : 0] : x;
    const { y, keep } = activate(forward(xx, ww, bb), act);
    save([...keep, xx, ww]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const g = backward(dy, saved);
        return needs.params ? (needs.x ? [g.dw!, g.db!, g.dx!] : [g.dw!, g.db!]) : [g.dx!];
      },
    };
  });
}

/** tf.customGrad over a list of inputs, with the save function split off. */
function withGrad(
  inputs: tf.Tensor[],
  f: (args: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] },
): tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  })(...inputs);
}

/**
 * dL/dx of a valid, strided conv2d: what tf.conv2dTranspose(dz, w, xShape, stride, "valid") gives,
 * as ONE plain stride-1 conv2d. Why: tfjs-wasm's Conv2DBackpropInput runs at 2-3 GFLOP/s against
 * 11-25 for its Conv2D on the encoder's shapes; the GridWorld update takes 13-16 % less CPU time
 * this way (bench/visual.ts, README "Visual observations"). Sub-pixel (phase) decomposition: input row
 * y = s*Y + p only meets kernel rows ky = p + s*j, at output row Y - j; so for each phase (p, q) the
 * gradient is a full correlation of dz with the sub-kernel w[p + s*(k/s - 1 - j), q + s*(k/s - 1 - i)].
 * The s*s phases are the output channels of one conv; a reshape and one transpose interleave them
 * (depth-to-space). Needs the kernel size to be a multiple of the stride, else tfjs' own kernel runs.
 */
export function conv2dInputGrad(dz: tf.Tensor4D, w: tf.Tensor4D, xShape: [number, number, number, number], stride: number): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const s = stride;
  if (s === 1 || kh % s !== 0 || kw % s !== 0) return tf.conv2dTranspose(dz, w, xShape, s, "valid");
  const [B, H, W] = xShape;
  const [, oh, ow] = dz.shape;
  const jh = kh / s;
  const jw = kw / s;
  const phases = tf.gather(tf.reshape(w, [-1]), phaseIndex(kh, kw, ci, co, s)); // [jh, jw, co, s, s, ci] flat
  const filter = tf.reshape(phases, [jh, jw, co, s * s * ci]) as tf.Tensor4D;
  const padded = tf.pad(dz, [[0, 0], [jh - 1, jh - 1], [jw - 1, jw - 1], [0, 0]]);
  const y = tf.conv2d(padded as tf.Tensor4D, filter, 1, "valid"); // [B, Y, X, (p, q, ci)]
  const Y = oh + jh - 1;
  const X = ow + jw - 1;
  const rows = tf.transpose(tf.reshape(y, [B * Y, X, s, s * ci]), [0, 2, 1, 3]); // [B*Y, p, X, (q, ci)]
  const dense = tf.reshape(rows, [B, Y * s, X * s, ci]);
  // Rows / columns past (o - 1) * s + k were never read by the convolution: zero gradient.
  return tf.pad(dense, [[0, 0], [0, H - Y * s], [0, W - X * s], [0, 0]]) as tf.Tensor4D;
}

/** Host-side index arrays only: a cached tensor would outlive a backend switch (tests, gpu workers). */
const phaseIndices = new Map<string, Int32Array>();

/** Flat indices into w [kh, kw, ci, co] laid out as [j, i, co, p, q, ci], kernel rows / columns flipped. */
function phaseIndex(kh: number, kw: number, ci: number, co: number, s: number): tf.Tensor1D {
  const key = `${kh},${kw},${ci},${co},${s}`;
  let idx = phaseIndices.get(key);
  if (idx === undefined) {
    const jh = kh / s;
    const jw = kw / s;
    idx = new Int32Array(kh * kw * ci * co);
    let n = 0;
    for (let j = 0; j < jh; j++)
      for (let i = 0; i < jw; i++)
        for (let o = 0; o < co; o++)
          for (let p = 0; p < s; p++)
            for (let q = 0; q < s; q++)
              for (let c = 0; c < ci; c++) {
                const ky = p + s * (jh - 1 - j);
                const kx = q + s * (jw - 1 - i);
                idx[n++] = ((ky * kw + kx) * ci + c) * co + o;
              }
    phaseIndices.set(key, idx);
  }
  return tf.tensor1d(idx, "int32");
}

/**
 * LeakyReLU(conv2d(x, w, stride, valid) + b), x NHWC [B, H, W, C], w HWIO [kh, kw, ci, co], b [co].
 * dW uses the dilated-convolution identity: dW = conv(x^T, dz^T, dilation = stride) cropped to kh x kw.
 */
export function conv2dLeaky(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number, needs: GradNeeds): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const forward = (ww: tf.Tensor4D, bb: tf.Tensor1D, xx: tf.Tensor4D): tf.Tensor4D =>
    tf.add(tf.conv2d(xx, ww, stride, "valid"), bb) as tf.Tensor4D;
  const backward = (dy: tf.Tensor, z: tf.Tensor, xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Tensor[] => {
    const dz = activationGrad(dy, "leaky", [z]) as tf.Tensor4D;
    const out: tf.Tensor[] = [];
    if (needs.params) {
      const xT = tf.transpose(xx, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, B]
      const dzT = tf.transpose(dz, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, B, co]
      const full = tf.conv2d(xT, dzT, 1, "valid", "NHWC", stride); // [ci, >=kh, >=kw, co]
      const dw = tf.transpose(tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
      out.push(dw, tf.sum(dz, [0, 1, 2]));
    }
    if (needs.x) out.push(conv2dInputGrad(dz, ww, xx.shape, stride));
    return out;
  };
  if (!needs.x && !needs.params) return tf.leakyRelu(forward(w, b, x), LEAK);
  const inputs: tf.Tensor[] = needs.params ? [w, b] : [];
  if (needs.x) inputs.push(x);
  return withGrad(inputs, (args, save) => {
    const ww = needs.params ? (args[0] as tf.Tensor4D) : w;
    const bb = needs.params ? (args[1] as tf.Tensor1D) : b;
    const xx = needs.x ? (args[needs.params ? 2 : 0] as tf.Tensor4D) : x;
    const z = forward(ww, bb, xx);
    save([z, xx, ww]);
    return { value: tf.leakyRelu(z, LEAK), gradFunc: (dy, saved) => backward(dy, saved[0], saved[1] as tf.Tensor4D, saved[2] as tf.Tensor4D) };
  }) as tf.Tensor4D;
}
