// Dense + Swish MLPs with an explicit backward pass over Gemm memory (no tensors, no tape).
// Forward keeps each hidden layer's output y = z * sigmoid(z) and sigmoid(z) s; backward uses
// swish'(z) = s + z s (1 - s) = y + s (1 - y). Transposes are explicit, then plain products:
// XNNPACK's fast path has no transposed operands.

import type { Buf, Gemm } from "./gemm.js";

export interface FastLayer {
  readonly w: Buf; // [in, out] row-major
  readonly b: Buf; // [out]
  readonly inSize: number;
  readonly outSize: number;
}

/** Named scratch buffers that grow on demand; valid until the next call that grows the same name. */
export class Scratch {
  private readonly bufs = new Map<string, Buf>();
  constructor(private readonly gemm: Gemm) {}

  get(name: string, size: number): Buf {
    const b = this.bufs.get(name);
    if (b && b.size >= size) return b;
    if (b) this.gemm.free(b);
    const nb = this.gemm.alloc(Math.max(size, 1));
    this.bufs.set(name, nb);
    return nb;
  }

  dispose(): void {
    for (const b of this.bufs.values()) this.gemm.free(b);
    this.bufs.clear();
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
    gemm.matmul(h, l.w, y, rows, l.inSize, l.outSize, l.b);
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

/** dst[c, r] = src[r, c] for a [rows, cols] matrix. */
export function transpose(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
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
    if (i < layers.length - 1) {
      const dv = d.view;
      const y = trace.ys[i].view;
      const s = trace.ss[i].view;
      for (let k = 0; k < size; k++) dv[k] *= y[k] + s[k] * (1 - y[k]);
    }
    const input = i === 0 ? trace.x : trace.ys[i - 1];
    if (grads) {
      const t = scratch.get("bw/xT", l.inSize * m);
      transpose(input.view, t.view, m, l.inSize);
      gemm.matmul(t, d, grads[i].w, l.inSize, m, l.outSize, null);
      const gb = grads[i].b.view;
      const dv = d.view;
      gb.fill(0, 0, l.outSize);
      for (let r = 0; r < m; r++) {
        const o = r * l.outSize;
        for (let c = 0; c < l.outSize; c++) gb[c] += dv[o + c];
      }
    }
    if (i > 0 || wantDx) {
      const wt = scratch.get("bw/wT", l.inSize * l.outSize);
      transpose(l.w.view, wt.view, l.inSize, l.outSize);
      const next = scratch.get(ping ? "bw/d1" : "bw/d0", m * l.inSize);
      ping = !ping;
      gemm.matmul(d, wt, next, m, l.outSize, l.inSize, null);
      d = next;
    }
  }
  return wantDx ? d : null;
}
