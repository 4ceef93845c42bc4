// Dense + Swish MLPs with an explicit backward pass over Gemm memory (no tensors, no tape).
// Forward keeps each hidden layer's output y = z * sigmoid(z) and sigmoid(z) s; backward uses
// swish'(z) = s + z s (1 - s) = y + s (1 - y) (elementwise.ts). Transposes are explicit, then
// plain products: XNNPACK's fast path has no transposed operands.

import { swishBackward } from "./elementwise.js";
import type { Buf, Gemm } from "./gemm.js";

export interface FastLayer {
  readonly w: Buf; // [in, out] row-major
  readonly b: Buf; // [out]
  readonly inSize: number;
  readonly outSize: number;
  /**
   * Bumped by the owner whenever w or b change. With it, products reuse XNNPACK's packed weights
   * and backward keeps the transposed weights while the version stays (e.g. the critics' weights
   * after the actor step are packed again by the next update's critic pass otherwise).
   */
  readonly stamp?: { readonly version: number };
}

/** Version of the transposed copy of each layer's weights kept in Scratch. */
const transposedAt = new WeakMap<FastLayer, number>();

/** Named scratch buffers that grow on demand; valid until the next call that grows the same name. */
export class Scratch {
  private readonly bufs = new Map<string, Buf>();
  private readonly keyed = new Map<object, Buf>();
  constructor(private readonly gemm: Gemm) {}

  /** A buffer owned by `key` (kept across calls until dispose); contents persist. */
  forKey(key: object, size: number): Buf {
    const b = this.keyed.get(key);
    if (b && b.size >= size) return b;
    if (b) this.gemm.free(b);
    const nb = this.gemm.alloc(Math.max(size, 1));
    this.keyed.set(key, nb);
    return nb;
  }

  get(name: string, size: number): Buf {
    const b = this.bufs.get(name);
    if (b && b.size >= size) return b;
    if (b) this.gemm.free(b);
    const nb = this.gemm.alloc(Math.max(size, 1));
    this.bufs.set(name, nb);
    return nb;
  }

  dispose(): void {
    for (const b of [...this.bufs.values(), ...this.keyed.values()]) this.gemm.free(b);
    this.bufs.clear();
    this.keyed.clear();
  }
}

/** Saved activations of one forward pass (for backward). */
export interface MlpTrace {
  readonly x: Buf;
  readonly rows: number;
  readonly ys: Buf[];
  readonly ss: Buf[];
}

/**
 * Forward of hidden Swish layers then a linear head: out[rows, headOut]. `tag` names the
 * scratch buffers that keep the activations (distinct tags for traces alive at the same time).
 */
export function mlpForward(gemm: Gemm, scratch: Scratch, tag: string, layers: readonly FastLayer[], x: Buf, rows: number, out: Buf): MlpTrace {
  const ys: Buf[] = [];
  const ss: Buf[] = [];
  let h = x;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const y = last ? out : scratch.get(`${tag}/y${i}`, rows * l.outSize);
    gemm.matmul(h, l.w, y, rows, l.inSize, l.outSize, l.b, l.stamp ? { key: l, version: l.stamp.version } : undefined);
    if (!last) {
      const s = scratch.get(`${tag}/s${i}`, rows * l.outSize);
      swish(gemm, y, s, rows * l.outSize);
      ys.push(y);
      ss.push(s);
      h = y;
    }
  });
  return { x, rows, ys, ss };
}

/** In place: y <- z * sigmoid(z), s <- sigmoid(z). */
function swish(gemm: Gemm, zy: Buf, s: Buf, size: number): void {
  if (gemm.sigmoid) gemm.sigmoid(zy, s, size);
  else {
    const z = zy.view;
    const sv = s.view;
    for (let i = 0; i < size; i++) sv[i] = 1 / (1 + Math.exp(-z[i]));
  }
  if (gemm.mul) gemm.mul(zy, s, zy, size);
  else {
    const z = zy.view;
    const sv = s.view;
    for (let i = 0; i < size; i++) z[i] *= sv[i];
  }
}

/**
 * dst[c, r] = src[r, c] for a [rows, cols] matrix. Four source rows per sweep so each write
 * fills four adjacent floats (~2.5x faster than one row at a time on 256 x 256).
 */
export function transpose(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * cols;
    const o1 = o0 + cols;
    const o2 = o1 + cols;
    const o3 = o2 + cols;
    for (let c = 0, d = r; c < cols; c++, d += rows) {
      dst[d] = src[o0 + c];
      dst[d + 1] = src[o1 + c];
      dst[d + 2] = src[o2 + c];
      dst[d + 3] = src[o3 + c];
    }
  }
  for (; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
}

/** w^T [out, in] of layer `l`: kept per layer (and only redone when its stamp moves) if stamped. */
function transposedWeights(scratch: Scratch, l: FastLayer): Buf {
  if (!l.stamp) {
    const wt = scratch.get("bw/wT", l.inSize * l.outSize);
    transpose(l.w.view, wt.view, l.inSize, l.outSize);
    return wt;
  }
  const wt = scratch.forKey(l, l.inSize * l.outSize);
  if (transposedAt.get(l) !== l.stamp.version) {
    transpose(l.w.view, wt.view, l.inSize, l.outSize);
    transposedAt.set(l, l.stamp.version);
  }
  return wt;
}

/**
 * Backward through the MLP of `trace` for dOut [rows, headOut] (overwritten). Parameter
 * gradients go to `grads[i]` ({w, b} buffers laid out like the layer's) when given; the input
 * gradient [rows, in] is returned when `wantDx`. Uses only the first `trace.rows` rows.
 */
export function mlpBackward(
  gemm: Gemm,
  scratch: Scratch,
  layers: readonly FastLayer[],
  trace: MlpTrace,
  dOut: Buf,
  grads: readonly { w: Buf; b: Buf }[] | null,
  wantDx: boolean,
): Buf | null {
  const m = trace.rows;
  let d = dOut;
  let ping = false;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const size = m * l.outSize;
    if (i < layers.length - 1) swishBackward(gemm, d, trace.ys[i], trace.ss[i], scratch.get("bw/tmp", size), size);
    const input = i === 0 ? trace.x : trace.ys[i - 1];
    if (grads) {
      // [input^T; 1] d gives the weight gradient and, in its last row, the bias gradient (the
      // column sums of d) from one product: a JS column-sum loop costs more than the extra row.
      const gwb = scratch.get("bw/gwb", (l.inSize + 1) * l.outSize);
      if (l.inSize + 1 < l.outSize) {
        // Narrow input (the first layer): as (d^T [input, 1])^T, so XNNPACK packs the narrow
        // [input, 1] instead of d (packing a 256 x 256 operand costs ~0.3 ms).
        const dT = scratch.get("bw/dT", l.outSize * m);
        transpose(d.view, dT.view, m, l.outSize);
        const xa = scratch.get("bw/xa", m * (l.inSize + 1));
        const xv = xa.view;
        const iv = input.view;
        for (let r = 0; r < m; r++) {
          const o = r * (l.inSize + 1);
          xv.set(iv.subarray(r * l.inSize, (r + 1) * l.inSize), o);
          xv[o + l.inSize] = 1;
        }
        const gT = scratch.get("bw/gT", l.outSize * (l.inSize + 1));
        gemm.matmul(dT, xa, gT, l.outSize, m, l.inSize + 1, null);
        transpose(gT.view, gwb.view, l.outSize, l.inSize + 1);
      } else {
        const t = scratch.get("bw/xT", (l.inSize + 1) * m);
        transpose(input.view, t.view, m, l.inSize);
        t.view.fill(1, l.inSize * m, (l.inSize + 1) * m);
        gemm.matmul(t, d, gwb, l.inSize + 1, m, l.outSize, null);
      }
      const wSize = l.inSize * l.outSize;
      grads[i].w.view.set(gwb.view.subarray(0, wSize));
      grads[i].b.view.set(gwb.view.subarray(wSize, wSize + l.outSize));
    }
    if (i > 0 || wantDx) {
      const wt = transposedWeights(scratch, l);
      const next = scratch.get(ping ? "bw/d1" : "bw/d0", m * l.inSize);
      ping = !ping;
      gemm.matmul(d, wt, next, m, l.outSize, l.inSize, null, l.stamp ? { key: wt, version: l.stamp.version } : undefined);
      d = next;
    }
  }
  return wantDx ? d : null;
}
