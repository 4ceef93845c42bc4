// The policy head and soft state value in plain JavaScript, forward and backward, row by row
// (float64 inside). Same math as squashed-gaussian.ts, categorical.ts and softValue
// (tape-engine.ts):
// continuous: u = mu + exp(ls) eps, a = tanh(u), ls = clip(raw, -20, 2),
//   log pi = sum(-eps^2/2 - log(2 pi)/2) - sum_i [ls_i + 2 (ln 2 - u_i - softplus(-2 u_i))];
// discrete: per branch log-softmax of logits * keep - 1e8 * mask.

import { LOG_SIGMA_MAX, LOG_SIGMA_MIN } from "./squashed-gaussian.js";

export interface PolicyRows {
  readonly n: number;
  readonly branches: readonly number[];
  /** [n * A] the reparameterization noise (SAC eq. 11). */
  readonly eps: Float32Array | null;
  /** [n * A] squashed action, pre-squash u, exp(ls) and whether ls was inside the clip range. */
  readonly action: Float32Array;
  readonly u: Float64Array;
  readonly sigma: Float64Array;
  readonly inRange: Uint8Array;
  /** [n] continuous log-density (empty without continuous actions). */
  readonly logpC: Float64Array;
  /** [n * S] 1 - mask, masked log-probabilities and probabilities. */
  readonly keep: Float32Array | null;
  readonly logp: Float64Array;
  readonly p: Float64Array;
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** Evaluates rows [row0, row0 + n) of raw [*, width] (mu | logSigma | logits). */
export function policyForward(
  raw: Float32Array,
  row0: number,
  n: number,
  width: number,
  a: number,
  branches: readonly number[],
  eps: Float32Array | null,
  constant: Float32Array | null,
  keep: Float32Array | null,
  penalty: Float32Array | null,
): PolicyRows {
  const S = branches.reduce((x, y) => x + y, 0);
  const out: PolicyRows = {
    n,
    branches,
    eps,
    keep,
    action: new Float32Array(n * a),
    u: new Float64Array(n * a),
    sigma: new Float64Array(n * a),
    inRange: new Uint8Array(n * a),
    logpC: new Float64Array(a > 0 ? n : 0),
    logp: new Float64Array(n * S),
    p: new Float64Array(n * S),
  };
  for (let r = 0; r < n; r++) {
    const o = (row0 + r) * width;
    if (a > 0) {
      let sum = 0;
      for (let i = 0; i < a; i++) {
        const rawLs = raw[o + a + i];
        const ls = Math.min(Math.max(rawLs, LOG_SIGMA_MIN), LOG_SIGMA_MAX);
        const sigma = Math.exp(ls);
        const u = raw[o + i] + sigma * eps![r * a + i];
        out.inRange[r * a + i] = rawLs >= LOG_SIGMA_MIN && rawLs <= LOG_SIGMA_MAX ? 1 : 0;
        out.sigma[r * a + i] = sigma;
        out.u[r * a + i] = u;
        out.action[r * a + i] = Math.tanh(u);
        sum += ls + 2 * (Math.LN2 - u - softplus(-2 * u));
      }
      out.logpC[r] = constant![r] - sum;
    }
    let col = 0;
    for (const size of branches) {
      let max = -Infinity;
      const base = r * S + col;
      for (let j = 0; j < size; j++) {
        const z = raw[o + 2 * a + col + j] * keep![base + j] + penalty![base + j];
        out.logp[base + j] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let j = 0; j < size; j++) sum += Math.exp(out.logp[base + j] - max);
      const lse = max + Math.log(sum);
      for (let j = 0; j < size; j++) {
        const lp = out.logp[base + j] - lse;
        out.logp[base + j] = lp;
        out.p[base + j] = Math.exp(lp);
      }
      col += size;
    }
  }
  return out;
}

export interface SoftValueArgs {
  readonly q0: Float32Array; // [n * K]
  readonly q1: Float32Array;
  readonly k: number;
  readonly pi: PolicyRows;
  readonly alphaC: number;
  /** alpha of each discrete column's branch, [S]. */
  readonly alphaCols: Float64Array;
  readonly nb: number;
}

/**
 * V(s) = E_a[min_i Q_i(s, a) - alpha log pi(a|s)] per row (SAC eq. 3, SAC-Discrete eq. 10,
 * branches averaged), as softValue in tape-engine.ts.
 */
export function softValue(v: SoftValueArgs): Float64Array {
  const { q0, q1, k, pi, alphaC, alphaCols, nb } = v;
  const out = new Float64Array(pi.n);
  const S = alphaCols.length;
  for (let r = 0; r < pi.n; r++) {
    let val: number;
    if (S > 0) {
      val = 0;
      for (let j = 0; j < S; j++) {
        const mq = Math.min(q0[r * k + j], q1[r * k + j]);
        val += pi.p[r * S + j] * (mq - alphaCols[j] * pi.logp[r * S + j]);
      }
      val /= nb;
    } else val = Math.min(q0[r], q1[r]);
    if (pi.logpC.length > 0) val -= alphaC * pi.logpC[r];
    out[r] = val;
  }
  return out;
}

/**
 * Gradients of J = -mean_r V(s_r) (the actor loss) with respect to both critics' outputs
 * [n * K] (through min, ties to both as tf.min's gradient) and to the raw actor outputs
 * [n * width] except through the critics' action input (added later by policyBackward's `dAction`).
 */
export function actorLossGrads(v: SoftValueArgs, dq0: Float32Array, dq1: Float32Array, dRaw: Float32Array, width: number, a: number): void {
  const { q0, q1, k, pi, alphaC, alphaCols, nb } = v;
  const n = pi.n;
  const S = alphaCols.length;
  const dv = -1 / n;
  dRaw.fill(0, 0, n * width);
  for (let r = 0; r < n; r++) {
    if (S > 0) {
      let col = 0;
      for (const size of pi.branches) {
        // d/dlogp_j of sum_j p_j (minQ_j - alpha log p_j) / nb with p_j = exp(logp_j):
        // (p_j / nb) (minQ_j - alpha logp_j - alpha); then the log-softmax Jacobian per branch.
        let sum = 0;
        for (let j = col; j < col + size; j++) {
          const mq = Math.min(q0[r * k + j], q1[r * k + j]);
          const g = (dv * pi.p[r * S + j] * (mq - alphaCols[j] * pi.logp[r * S + j] - alphaCols[j])) / nb;
          dRaw[r * width + 2 * a + j] = g;
          sum += g;
          const dmin = (dv * pi.p[r * S + j]) / nb;
          dq0[r * k + j] = q0[r * k + j] <= q1[r * k + j] ? dmin : 0;
          dq1[r * k + j] = q1[r * k + j] <= q0[r * k + j] ? dmin : 0;
        }
        // z = logits * keep + penalty, so masked logits get no gradient.
        for (let j = col; j < col + size; j++) dRaw[r * width + 2 * a + j] = (dRaw[r * width + 2 * a + j] - pi.p[r * S + j] * sum) * pi.keep![r * S + j];
        col += size;
      }
    } else {
      dq0[r] = q0[r] <= q1[r] ? dv : 0;
      dq1[r] = q1[r] <= q0[r] ? dv : 0;
    }
    if (a > 0) {
      // dJ/dlogpC = -alphaC * dv; logpC = C - sum(ls + 2(ln2 - u - softplus(-2u))):
      // dlogp/dls = -1 (direct), dlogp/du = 2 tanh(u).
      const g = -alphaC * dv;
      for (let i = 0; i < a; i++) {
        const idx = r * a + i;
        const du = g * 2 * pi.action[idx];
        dRaw[r * width + i] = du; // mu
        dRaw[r * width + a + i] = -g; // ls (direct); the u paths are added in policyBackward
      }
    }
  }
}

/** Adds the path through the squashed action: da -> du -> (dmu, dls), then the clip mask. */
export function policyBackward(pi: PolicyRows, dAction: Float32Array | null, dRaw: Float32Array, width: number, a: number): void {
  for (let r = 0; r < pi.n; r++) {
    for (let i = 0; i < a; i++) {
      const idx = r * a + i;
      const t = pi.action[idx];
      const duFromA = dAction ? dAction[idx] * (1 - t * t) : 0;
      // dRaw[mu] currently holds dJ/du from the log-density term; add the action path.
      const du = dRaw[r * width + i] + duFromA;
      dRaw[r * width + i] = du;
      // u = mu + sigma * eps, sigma = exp(ls)  =>  du/dls = sigma * eps.
      const dls = dRaw[r * width + a + i] + du * pi.sigma[idx] * pi.eps![idx];
      dRaw[r * width + a + i] = pi.inRange[idx] ? dls : 0;
    }
  }
}
