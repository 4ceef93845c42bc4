// One parameter group of the fast SAC engine (actor, critic or target: fast-sac.ts) as single
// flat buffers in the WebAssembly heap: parameters, gradients, Adam's moments and a scratch of
// the same size. A group owns them, or holds slices of a population's stacked buffers
// (batched-fast-sac.ts: rehome), where Adam and Polyak run over all members at once.

import { adamStep, polyak, type Scalars } from "./elementwise.js";
import type { Buf, Gemm } from "./gemm.js";
import type { FastLayer } from "./fast-mlp.js";
import type { TensorData } from "./sac-state.js";

interface Entry {
  readonly key: string;
  readonly shape: number[];
  readonly offset: number;
  readonly size: number;
}

/** Buffers of one group's size: where rehome moves a group. */
export interface GroupSlots {
  readonly params: Buf;
  readonly grads: Buf;
  /** null for a group without gradients (the target). */
  readonly m: Buf | null;
  readonly v: Buf | null;
  readonly tmp: Buf;
}

/** One parameter group (actor, critic or target) as a single flat buffer. */
export class Group {
  readonly entries: Entry[] = [];
  // Owned by the group, or slices of a population's stacked buffers (batched-fast-sac.ts: rehome).
  params: Buf;
  grads: Buf;
  private mBuf: Buf | null;
  private vBuf: Buf | null;
  tmp: Buf;
  private owned = true;
  step = 0;
  /** Bumped on every change of params (products keep packed weights while it stays). */
  readonly stamp = { version: 0 };

  constructor(
    private readonly gemm: Gemm,
    params: readonly [string, TensorData][],
    withGrads: boolean,
  ) {
    let size = 0;
    for (const [key, t] of params) {
      this.entries.push({ key, shape: [...t.shape], offset: size, size: t.data.length });
      size += t.data.length;
    }
    this.params = gemm.alloc(size);
    for (const [i, [, t]] of params.entries()) this.params.view.set(t.data, this.entries[i].offset);
    this.grads = gemm.alloc(size); // unused for the target group, kept so every group has the same layout
    this.mBuf = withGrads ? gemm.alloc(size) : null;
    this.vBuf = withGrads ? gemm.alloc(size) : null;
    this.tmp = gemm.alloc(size); // Adam's and Polyak's scratch
  }

  /** Adam's first moment (a live view of Gemm memory: copy it to keep it). */
  get m(): Float32Array {
    this.gemm.sync();
    return this.mBuf?.view ?? new Float32Array(0);
  }

  /** Adam's second moment (a live view, as `m`). */
  get v(): Float32Array {
    this.gemm.sync();
    return this.vBuf?.view ?? new Float32Array(0);
  }

  get hasMoments(): boolean {
    return this.mBuf !== null;
  }

  get size(): number {
    return this.params.size;
  }

  entry(key: string): Entry {
    const e = this.entries.find((x) => x.key === key);
    if (!e) throw new Error(`no parameter ${key}`);
    return e;
  }

  /** Dense layer `key` (of critic `g` when the weights are grouped [2, in, out]). */
  layer(key: string, g: number | null): { layer: FastLayer; grad: { w: Buf; b: Buf } } {
    const w = this.entry(`${key}/w`);
    const b = this.entry(`${key}/b`);
    const [inSize, outSize] = g === null ? w.shape : w.shape.slice(1);
    const wo = w.offset + (g ?? 0) * inSize * outSize;
    const bo = b.offset + (g ?? 0) * outSize;
    return {
      layer: { w: this.gemm.sub(this.params, wo, inSize * outSize), b: this.gemm.sub(this.params, bo, outSize), inSize, outSize, stamp: this.stamp },
      grad: { w: this.gemm.sub(this.grads, wo, inSize * outSize), b: this.gemm.sub(this.grads, bo, outSize) },
    };
  }

  /** Counts an Adam step (the caller applies it) and returns its 1-based index. */
  beginAdamStep(): number {
    this.step += 1;
    this.stamp.version++;
    return this.step;
  }

  /** Adam (Kingma & Ba 2014, arXiv 1412.6980, Alg. 1; torch.optim.Adam's eps placement), as flat-adam.ts. */
  adam(lr: number, scalars: Scalars): void {
    const t = this.beginAdamStep();
    adamStep(this.gemm, scalars, this.adamState(), t, lr);
  }

  /** The buffers Adam works on (m and v only exist with gradients). */
  adamState(): { params: Buf; grads: Buf; m: Buf; v: Buf; tmp: Buf } {
    return { params: this.params, grads: this.grads, m: this.mBuf!, v: this.vBuf!, tmp: this.tmp };
  }

  /** Polyak averaging toward `source` (same layout): theta' <- tau theta + (1 - tau) theta'. */
  polyak(source: Group, tau: number, scalars: Scalars): void {
    this.stamp.version++;
    polyak(this.gemm, scalars, this.params, source.params, this.tmp, tau);
  }

  /**
   * Moves the group's buffers to `slots` (same sizes; `owned` false: someone else frees them),
   * keeping the values of params, grads and Adam's moments. Layers must be rebuilt after.
   */
  rehome(slots: GroupSlots, owned: boolean): void {
    this.gemm.sync();
    const old = [this.params, this.grads, this.mBuf, this.vBuf, this.tmp];
    slots.params.view.set(this.params.view);
    slots.grads.view.set(this.grads.view);
    if (this.mBuf && this.vBuf) {
      slots.m!.view.set(this.mBuf.view);
      slots.v!.view.set(this.vBuf.view);
    }
    if (this.owned) for (const b of old) if (b) this.gemm.free(b);
    this.params = slots.params;
    this.grads = slots.grads;
    this.mBuf = this.mBuf ? slots.m : null;
    this.vBuf = this.vBuf ? slots.v : null;
    this.tmp = slots.tmp;
    this.owned = owned;
    this.stamp.version++;
  }

  /** Fresh buffers of this group's size, owned by the caller until passed to rehome. */
  allocSlots(): GroupSlots {
    const a = (): Buf => this.gemm.alloc(this.size);
    return { params: a(), grads: a(), m: this.mBuf ? a() : null, v: this.vBuf ? a() : null, tmp: a() };
  }

  dispose(): void {
    if (this.owned) for (const b of [this.params, this.grads, this.mBuf, this.vBuf, this.tmp]) if (b) this.gemm.free(b);
  }
}
