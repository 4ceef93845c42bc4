// The SAC update for vector observations without TensorFlow.js tensors: weights, gradients and
// activations in the WebAssembly backend's heap, products through its XNNPACK exports,
// hand-written backward passes, Adam and Polyak over flat parameter groups (elementwise.ts).
// The equations are those of TapeSac.updateOnDevice in tape-engine.ts, step for step (numbered
// 1-5 there and here); test/trainers/sac/fast-sac.test.ts checks both give the same gradients.
// Why: ~0 tfjs kernels per update instead of ~485.

import { Scalars } from "./elementwise.js";
import { Group } from "./fast-group.js";
import { createGemm, type Buf, type Gemm } from "./gemm.js";
import { mlpBackward, mlpForward, Scratch, type FastLayer, type MlpTrace } from "./fast-mlp.js";
import { actorLossGrads, policyBackward, policyForward, softValue, type PolicyRows } from "./fast-policy.js";
import type { NetLayout } from "./networks.js";
import { flatSize } from "./networks.js";
import type { StepStatistics } from "./sac-engine.js";
import type { TensorData } from "./sac-state.js";

export interface FastUpdateInput {
  readonly n: number;
  /** Normalized observations [n * D] at s and s'. */
  readonly x: Float32Array;
  readonly x2: Float32Array;
  readonly taken: Float32Array | null;
  readonly oneHot: Float32Array | null;
  readonly rewards: Float32Array;
  readonly discount: Float32Array;
  readonly eps: Float32Array | null;
  readonly epsNext: Float32Array | null;
  readonly constNow: Float32Array | null;
  readonly constNext: Float32Array | null;
  readonly maskNow: { keep: Float32Array; penalty: Float32Array } | null;
  readonly maskNext: { keep: Float32Array; penalty: Float32Array } | null;
  readonly alphaC: number;
  readonly alphaCols: Float64Array;
  readonly lr: number;
  readonly tau: number;
}

/** One update in flight between its phases (criticGradients, actorGradients, statistics). */
export interface UpdatePass {
  readonly n: number;
  readonly pi: PolicyRows;
  readonly actorTrace: MlpTrace;
  readonly losses: number[];
  policyLoss: number;
}

export class FastSac {
  readonly gemm: Gemm;
  readonly actor: Group;
  readonly critic: Group;
  readonly target: Group;
  private readonly scratch: Scratch;
  readonly scalars: Scalars;
  private actorLayers: { layer: FastLayer; grad: { w: Buf; b: Buf } }[] = [];
  private criticLayers: { layer: FastLayer; grad: { w: Buf; b: Buf } }[][] = [];
  private targetLayers: FastLayer[][] = [];
  private readonly d: number; // encoding width
  private readonly a: number;
  private readonly s: number;
  private readonly k: number;
  private readonly width: number; // actor output width 2A + S

  constructor(
    private readonly layout: NetLayout,
    params: ReadonlyMap<string, TensorData>,
  ) {
    this.gemm = createGemm();
    this.scratch = new Scratch(this.gemm);
    this.scalars = new Scalars(this.gemm);
    const pick = (prefix: string): [string, TensorData][] => [...params.entries()].filter(([k]) => k.startsWith(`${prefix}/`));
    this.actor = new Group(this.gemm, pick("actor"), true);
    this.critic = new Group(this.gemm, pick("critic"), true);
    this.target = new Group(this.gemm, pick("target"), false);
    this.buildLayers();
    this.d = layout.obsShapes.reduce((t, sh) => t + flatSize(sh), 0);
    this.a = layout.continuousSize;
    this.s = layout.branches.reduce((x, y) => x + y, 0);
    this.k = this.s > 0 ? this.s : 1;
    this.width = 2 * this.a + this.s;
  }

  /** (Re)builds the layer views over the groups' parameter buffers (after Group.rehome). */
  buildLayers(): void {
    const old = [...this.actorLayers, ...this.criticLayers.flat()].flatMap((l) => [l.layer.w, l.layer.b, l.grad.w, l.grad.b]);
    for (const b of [...old, ...this.targetLayers.flat().flatMap((l) => [l.w, l.b])]) this.gemm.forget(b);
    const keys = (net: string): string[] => [...Array.from({ length: this.layout.numLayers }, (_, l) => `${net}/body${l}`), `${net}/head`];
    this.actorLayers = keys("actor").map((k) => this.actor.layer(k, null));
    this.criticLayers = [0, 1].map((g) => keys("critic").map((k) => this.critic.layer(k, g)));
    this.targetLayers = [0, 1].map((g) => keys("target").map((k) => this.target.layer(k, g).layer));
  }

  /** Actor outputs [n * (2A + S)] for normalized inputs [n * D]. */
  actorRaw(x: Float32Array, n: number): Float32Array {
    this.gemm.sync();
    const xb = this.scratch.get("act/x", n * this.d);
    xb.view.set(x.subarray(0, n * this.d));
    const out = this.scratch.get("act/out", n * this.width);
    mlpForward(this.gemm, this.scratch, "act", this.actorLayers.map((l) => l.layer), xb, n, out);
    return out.view.slice(0, n * this.width);
  }

  /** Both critics on inputs `c` [n, in]; outputs q0, q1 [n * K]. */
  private critics(layers: readonly FastLayer[][], c: Buf, n: number, tag: string): { q: Buf[]; traces: ReturnType<typeof mlpForward>[] } {
    const q: Buf[] = [];
    const traces = [0, 1].map((g) => {
      const out = this.scratch.get(`${tag}/q${g}`, n * this.k);
      q.push(out);
      return mlpForward(this.gemm, this.scratch, `${tag}${g}`, layers[g], c, n, out);
    });
    return { q, traces };
  }

  /** Critic input rows [x_r, action_r] into buffer `name`. */
  private criticInput(name: string, x: Float32Array, xOff: number, action: Float32Array | null, n: number): Buf {
    const inW = this.d + this.a;
    const b = this.scratch.get(name, n * inW);
    const v = b.view;
    for (let r = 0; r < n; r++) {
      v.set(x.subarray((xOff + r) * this.d, (xOff + r + 1) * this.d), r * inW);
      if (this.a > 0) v.set(action!.subarray(r * this.a, (r + 1) * this.a), r * inW + this.d);
    }
    return b;
  }

  /**
   * One SAC update without the alpha step (TapeSac.updateOnDevice in tape-engine.ts, steps 1-3
   * and 5, has the equations); returns what the alpha step needs. batched-fast-sac.ts runs the
   * same phases for several members with their Adam and Polyak steps stacked.
   */
  update(u: FastUpdateInput): StepStatistics {
    const pass = this.criticGradients(u);
    this.critic.adam(u.lr, this.scalars);
    this.actorGradients(u, pass);
    this.actor.adam(u.lr, this.scalars);
    // 4. (alpha step: SacCommon.finishUpdate, after this returns.)
    // 5. Polyak: theta' <- tau theta + (1 - tau) theta' (tape-engine.ts step 5).
    this.target.polyak(this.critic, u.tau, this.scalars);
    return this.statistics(pass);
  }

  /**
   * Steps 1-2 up to the critics' gradients (in critic.grads): the actor forward on [s; s'], the
   * Bellman target and the critic losses. The critic's Adam step comes next, then actorGradients.
   */
  criticGradients(u: FastUpdateInput): UpdatePass {
    this.gemm.sync();
    const { n } = u;
    const { a: A, d: D, k: K, width: W } = this;
    const nb = this.layout.branches.length;
    const S = this.s;
    // Actor forward on [s; s'] in one pass (same parameters for both).
    const xa = this.scratch.get("x2n", 2 * n * D);
    xa.view.set(u.x.subarray(0, n * D));
    xa.view.set(u.x2.subarray(0, n * D), n * D);
    const raw = this.scratch.get("raw", 2 * n * W);
    const actorTrace = mlpForward(this.gemm, this.scratch, "actor", this.actorLayers.map((l) => l.layer), xa, 2 * n, raw);
    const piNext = policyForward(raw.view, n, n, W, A, this.layout.branches, u.epsNext, u.constNext, u.maskNext?.keep ?? null, u.maskNext?.penalty ?? null);
    const pi = policyForward(raw.view, 0, n, W, A, this.layout.branches, u.eps, u.constNow, u.maskNow?.keep ?? null, u.maskNow?.penalty ?? null);
    // 1. Bellman target y from the target critics at (s', a') (tape-engine.ts step 1).
    const tIn = this.criticInput("cin/t", u.x2, 0, piNext.action, n);
    const tq = this.critics(this.targetLayers, tIn, n, "tq");
    const vNext = softValue({ q0: tq.q[0].view, q1: tq.q[1].view, k: K, pi: piNext, alphaC: u.alphaC, alphaCols: u.alphaCols, nb });
    const y = new Float64Array(n);
    for (let r = 0; r < n; r++) y[r] = u.rewards[r] + u.discount[r] * vNext[r];
    // 2. Critic loss 0.5 mean (Q_g(s, a) - y)^2 per critic, backward (tape-engine.ts step 2).
    const cIn = this.criticInput("cin/c", u.x, 0, u.taken, n);
    const cq = this.critics(this.criticLayers.map((c) => c.map((l) => l.layer)), cIn, n, "cq");
    const losses = [0, 0];
    for (let g = 0; g < 2; g++) {
      const q = cq.q[g].view;
      const dq = this.scratch.get("dq", n * K);
      const dv = dq.view;
      dv.fill(0, 0, n * K);
      for (let r = 0; r < n; r++) {
        let qa = 0;
        if (u.oneHot) {
          for (let j = 0; j < S; j++) qa += q[r * K + j] * u.oneHot[r * S + j];
          qa /= nb;
        } else qa = q[r];
        const e = qa - y[r];
        losses[g] += (0.5 * e * e) / n;
        if (u.oneHot) for (let j = 0; j < S; j++) dv[r * K + j] = (e * u.oneHot[r * S + j]) / (n * nb);
        else dv[r] = e / n;
      }
      mlpBackward(this.gemm, this.scratch, this.criticLayers[g].map((l) => l.layer), cq.traces[g], dq, this.criticLayers[g].map((l) => l.grad), false);
    }
    return { n, pi, actorTrace, losses, policyLoss: 0 };
  }

  /**
   * Step 3's gradients (in actor.grads): actor loss E[alpha log pi - min_g Q_g(s, a~)] with the
   * critics after their Adam step (tape-engine.ts step 3). The actor's Adam step comes next.
   */
  actorGradients(u: FastUpdateInput, pass: UpdatePass): void {
    this.gemm.sync();
    const { n, pi, actorTrace } = pass;
    const { a: A, d: D, k: K, width: W } = this;
    const nb = this.layout.branches.length;
    const pIn = this.criticInput("cin/p", u.x, 0, pi.action, n);
    const pq = this.critics(this.criticLayers.map((c) => c.map((l) => l.layer)), pIn, n, "pq");
    const sv = { q0: pq.q[0].view, q1: pq.q[1].view, k: K, pi, alphaC: u.alphaC, alphaCols: u.alphaCols, nb };
    const vNow = softValue(sv);
    let policyLoss = 0;
    for (let r = 0; r < n; r++) policyLoss -= vNow[r] / n;
    pass.policyLoss = policyLoss;
    const dq0 = this.scratch.get("dq0", n * K);
    const dq1 = this.scratch.get("dq1", n * K);
    const dRaw = this.scratch.get("draw", n * W);
    actorLossGrads(sv, dq0.view, dq1.view, dRaw.view, W, A);
    let dAction: Float32Array | null = null;
    if (A > 0) {
      dAction = new Float32Array(n * A);
      const inW = D + A;
      for (let g = 0; g < 2; g++) {
        const dx = mlpBackward(this.gemm, this.scratch, this.criticLayers[g].map((l) => l.layer), pq.traces[g], g === 0 ? dq0 : dq1, null, true)!.view;
        for (let r = 0; r < n; r++) for (let i = 0; i < A; i++) dAction[r * A + i] += dx[r * inW + D + i];
      }
    }
    policyBackward(pi, dAction, dRaw.view, W, A);
    mlpBackward(this.gemm, this.scratch, this.actorLayers.map((l) => l.layer), { ...actorTrace, rows: n }, dRaw, this.actorLayers.map((l) => l.grad), false);
  }

  /** What the alpha step (SacCommon.finishUpdate) needs from a finished pass. */
  statistics(pass: UpdatePass): StepStatistics {
    const { n, pi } = pass;
    const S = this.s;
    let meanLogPi: number | null = null;
    if (this.a > 0) {
      meanLogPi = 0;
      for (let r = 0; r < n; r++) meanLogPi += pi.logpC[r] / n;
    }
    const branchEntropies: number[] = [];
    let col = 0;
    for (const size of this.layout.branches) {
      let h = 0;
      for (let r = 0; r < n; r++) for (let j = col; j < col + size; j++) h -= (pi.p[r * S + j] * pi.logp[r * S + j]) / n;
      branchEntropies.push(h);
      col += size;
    }
    return { q1Loss: pass.losses[0], q2Loss: pass.losses[1], policyLoss: pass.policyLoss, meanLogPi, branchEntropies };
  }

  /** Every parameter by key (fresh copies). */
  readTensors(): Map<string, { shape: number[]; data: Float32Array }> {
    this.gemm.sync();
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const g of [this.actor, this.critic, this.target]) {
      for (const e of g.entries) out.set(e.key, { shape: [...e.shape], data: g.params.view.slice(e.offset, e.offset + e.size) });
    }
    return out;
  }

  /** A copy of one group's parameters, flat in its entries' order. */
  readGroup(g: Group): Float32Array {
    this.gemm.sync();
    return g.params.view.slice(0, g.size);
  }

  /** Overwrites one group's parameters with a flat copy from readGroup (of an engine with this layout). */
  writeGroup(g: Group, params: Float32Array): void {
    if (params.length !== g.size) throw new RangeError(`${params.length} parameters for a group of ${g.size}`);
    this.gemm.sync();
    g.params.view.set(params);
    g.stamp.version++;
  }

  /** Writes one parameter; false if the key is not ours. */
  writeTensor(key: string, data: Float32Array): boolean {
    this.gemm.sync();
    for (const g of [this.actor, this.critic, this.target]) {
      const e = g.entries.find((x) => x.key === key);
      if (e) {
        g.params.view.set(data.subarray(0, e.size), e.offset);
        g.stamp.version++;
        return true;
      }
    }
    return false;
  }

  dispose(): void {
    this.scratch.dispose();
    this.scalars.dispose();
    this.actor.dispose();
    this.critic.dispose();
    this.target.dispose();
    this.gemm.dispose();
  }
}

export type { PolicyRows };
