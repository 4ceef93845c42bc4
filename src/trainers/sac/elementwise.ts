// The elementwise work of the fast SAC update (Swish backward, Adam, Polyak) over Gemm memory.
// Why: on this machine a JavaScript loop costs ~3-4 ns per element, the WebAssembly backend's
// XNNPACK elementwise kernels ~0.3 ns, so a few whole-buffer kernels beat one fused JS loop by
// ~3x on 256-wide layers. Without those kernels (other backends) the same math runs as JS loops.

import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS } from "./flat-adam.js";
import type { Buf, Gemm } from "./gemm.js";

/** A one-element buffer per constant, rewritten before each use (kernels take scalars as buffers). */
export class Scalars {
  private readonly bufs: Buf[] = [];
  constructor(private readonly gemm: Gemm) {}

  /** Scalar slot `i` holding `value`. */
  set(i: number, value: number): Buf {
    while (this.bufs.length <= i) this.bufs.push(this.gemm.alloc(1));
    const b = this.bufs[i];
    b.view[0] = value;
    return b;
  }

  dispose(): void {
    for (const b of this.bufs) this.gemm.free(b);
    this.bufs.length = 0;
  }
}

/**
 * In place: d <- d * swish'(z) with swish'(z) = y + s (1 - y), y = z sigmoid(z), s = sigmoid(z).
 * `tmp` holds at least `size` elements.
 */
export function swishBackward(gemm: Gemm, d: Buf, y: Buf, s: Buf, tmp: Buf, size: number): void {
  if (gemm.binary) {
    gemm.binary("mul", s, y, tmp, size, size); // s y
    gemm.binary("sub", s, tmp, tmp, size, size); // s - s y
    gemm.binary("add", tmp, y, tmp, size, size); // y + s (1 - y)
    gemm.binary("mul", d, tmp, d, size, size);
    return;
  }
  const dv = d.view;
  const yv = y.view;
  const sv = s.view;
  for (let k = 0; k < size; k++) {
    const yk = yv[k];
    dv[k] *= yk + sv[k] * (1 - yk);
  }
}

export interface AdamState {
  readonly params: Buf;
  readonly grads: Buf;
  readonly m: Buf;
  readonly v: Buf;
  /** Scratch of the same size. */
  readonly tmp: Buf;
}

/**
 * One Adam step (Kingma & Ba 2014, Alg. 1) at step `t` (1-based), torch.optim.Adam's eps
 * placement: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
 */
export function adamStep(gemm: Gemm, scalars: Scalars, st: AdamState, t: number, lr: number): void {
  const bc1 = 1 - ADAM_BETA1 ** t;
  const sbc2 = Math.sqrt(1 - ADAM_BETA2 ** t);
  const stepSize = lr / bc1;
  const n = st.params.size;
  if (gemm.binary && gemm.sqrt) {
    const { params: p, grads: g, m, v, tmp } = st;
    const b = gemm.binary.bind(gemm);
    b("mul", m, scalars.set(0, ADAM_BETA1), m, n, 1);
    b("mul", g, scalars.set(1, 1 - ADAM_BETA1), tmp, n, 1);
    b("add", m, tmp, m, n, n); // m_t
    b("mul", v, scalars.set(2, ADAM_BETA2), v, n, 1);
    b("mul", g, g, tmp, n, n);
    b("mul", tmp, scalars.set(3, 1 - ADAM_BETA2), tmp, n, 1);
    b("add", v, tmp, v, n, n); // v_t
    gemm.sqrt(v, tmp, n);
    b("div", tmp, scalars.set(4, sbc2), tmp, n, 1);
    b("add", tmp, scalars.set(5, ADAM_EPS), tmp, n, 1);
    b("div", m, tmp, tmp, n, n);
    b("mul", tmp, scalars.set(6, stepSize), tmp, n, 1);
    b("sub", p, tmp, p, n, n);
    return;
  }
  const p = st.params.view;
  const g = st.grads.view;
  const m = st.m.view;
  const v = st.v.view;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = (m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * gi);
    const vi = (v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * gi * gi);
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / sbc2 + ADAM_EPS);
  }
}

/** Polyak averaging: target <- tau source + (1 - tau) target. `tmp` holds the group size. */
export function polyak(gemm: Gemm, scalars: Scalars, target: Buf, source: Buf, tmp: Buf, tau: number): void {
  const n = target.size;
  if (gemm.binary) {
    gemm.binary("mul", source, scalars.set(0, tau), tmp, n, 1);
    gemm.binary("mul", target, scalars.set(1, 1 - tau), target, n, 1);
    gemm.binary("add", target, tmp, target, n, n);
    return;
  }
  const tp = target.view;
  const cp = source.view;
  for (let i = 0; i < n; i++) tp[i] = tau * cp[i] + (1 - tau) * tp[i];
}
