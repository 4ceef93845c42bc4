// The SAC gradient-tape update for the WebGPU backend. tfjs' webgpu backend cannot read a tensor
// synchronously in Node (its readSync draws through an OffscreenCanvas, which Node lacks, and Dawn
// only maps buffers from the event loop), so SacModel's tape engine, which ends each act/update with
// dataSync(), cannot run there. This is the same math (src/trainers/sac/sac-model.ts, tape path:
// target -> critics -> actor -> alpha -> Polyak), the same variables in the same creation order from
// the same seed (so the same initial weights and the same SacState layout), with every read-back
// awaited: one small statistics vector per update (the host-side alpha step needs the actor's
// entropy terms) and the actions per act. Tests compare it step by step with SacModel's tape engine.

import * as tf from "@tensorflow/tfjs-core";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import { Rng } from "../common/rng.js";
import { RunningNormalizer } from "../common/running-normalizer.js";
import type { TransitionBatch } from "../common/transition.js";
import { branchEntropies, maskedLogSoftmax, maskTensorsData } from "../sac/categorical.js";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, FlatAdam } from "../sac/flat-adam.js";
import { actorForward, createActor, createCritics, criticForward, flatSize, isVisual, VarFactory, type ActorVars, type CriticVars, type NetLayout } from "../sac/networks.js";
import type { EngineHyperparameters, UpdateLosses } from "../sac/sac-engine.js";
import type { SacHyperparameters, SacState, TensorData } from "../sac/sac-state.js";
import { gaussianConstant, LOG_SIGMA_MAX, LOG_SIGMA_MIN, sampleSquashed } from "../sac/squashed-gaussian.js";

interface MaskData { keep: Float32Array; penalty: Float32Array }
interface PolicyOut { action: tf.Tensor2D | null; logProbC: tf.Tensor1D | null; probs: tf.Tensor2D | null; logProbs: tf.Tensor2D | null }

let nextId = 0;

export class GpuSacModel {
  readonly layout: NetLayout;
  readonly normalize: boolean;
  hyperparameters: SacHyperparameters;
  private readonly rng: Rng;
  private readonly factory: VarFactory;
  private readonly actor: ActorVars;
  private readonly critic: CriticVars;
  private readonly target: CriticVars;
  private readonly actorParams: tf.Variable[];
  private readonly criticParams: tf.Variable[];
  private readonly targetParams: tf.Variable[];
  private readonly actorOpt: FlatAdam;
  private readonly criticOpt: FlatAdam;
  private readonly logAlphas: Float64Array;
  private readonly alphaM: Float64Array;
  private readonly alphaV: Float64Array;
  private alphaStep = 0;
  private readonly normalizers: (RunningNormalizer | null)[];
  private normTensors: ({ mean: tf.Tensor; std: tf.Tensor } | null)[] = [];
  private updates = 0;
  private readonly total: number;

  /** Same construction order as SacModel: actor, critics, targets, then the optimizers. */
  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number) {
    const ns = settings.network_settings;
    const a = spec.actionSpec;
    this.layout = { obsShapes: spec.observationSpecs.map((o) => [...o.shape]), continuousSize: a.continuousSize, branches: [...a.discreteBranches], hiddenUnits: ns.hidden_units, numLayers: ns.num_layers };
    this.total = a.discreteTotal;
    this.normalize = ns.normalize;
    this.hyperparameters = {
      learningRate: settings.hyperparameters.learning_rate,
      gamma: settings.reward_signals.extrinsic?.gamma ?? 0.99,
      tau: settings.hyperparameters.tau,
      targetEntropyContinuous: -a.continuousSize,
      targetEntropyDiscrete: a.discreteBranches.map((b) => 0.2 * Math.log(b)),
    };
    this.rng = new Rng(seed);
    this.factory = new VarFactory(`gpusac${nextId++}`, this.rng);
    this.actor = createActor(this.factory, this.layout);
    this.actorParams = [...this.factory.vars.values()];
    this.critic = createCritics(this.factory, this.layout, "critic", true);
    this.criticParams = [...this.factory.vars.values()].slice(this.actorParams.length);
    this.target = createCritics(this.factory, this.layout, "target", false);
    this.targetParams = [...this.factory.vars.values()].slice(this.actorParams.length + this.criticParams.length);
    this.targetParams.forEach((t, i) => t.assign(this.criticParams[i]));
    this.actorOpt = new FlatAdam(this.actorParams, `${this.factory.prefix}/adam/actor`);
    this.criticOpt = new FlatAdam(this.criticParams, `${this.factory.prefix}/adam/critic`);
    const nAlpha = (a.continuousSize > 0 ? 1 : 0) + a.discreteSize;
    this.logAlphas = new Float64Array(nAlpha).fill(Math.log(settings.hyperparameters.init_entcoef));
    this.alphaM = new Float64Array(nAlpha);
    this.alphaV = new Float64Array(nAlpha);
    this.normalizers = this.layout.obsShapes.map((sh) => (this.normalize && !isVisual(sh) ? new RunningNormalizer(flatSize(sh)) : null));
    this.refreshNormTensors();
  }

  get engine(): string {
    return "tape (async read-back)";
  }

  /** As SacCommon.setHyperparameters: init_entcoef resets alpha only while no update was done. */
  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    const { initEntropyCoef, ...rest } = h;
    this.hyperparameters = { ...this.hyperparameters, ...rest, targetEntropyDiscrete: [...(rest.targetEntropyDiscrete ?? this.hyperparameters.targetEntropyDiscrete)] };
    if (initEntropyCoef !== undefined && this.updates === 0) this.logAlphas.fill(Math.log(initEntropyCoef));
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    if (!this.normalize || n <= 0) return;
    this.normalizers.forEach((norm, i) => norm?.update(obs[i], n));
    this.refreshNormTensors();
  }

  /** Batched actions for n agents; masks per branch [n * size], 1 = masked. Same sampling as SacModel. */
  async act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): Promise<{ continuous: Float32Array; discrete: Int32Array }> {
    const { continuousSize: A, branches } = this.layout;
    const S = this.total;
    const eps = A > 0 && !deterministic ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const maskData = S > 0 ? maskTensorsData(this.flattenBranchMasks(masks, n), n, S) : null;
    const out = tf.tidy(() => {
      const raw = actorForward(this.actor, this.inputs(obs, n), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) {
        const mu = tf.slice(raw, [0, 0], [n, A]);
        if (deterministic) parts.push(tf.tanh(mu));
        else {
          const logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX);
          parts.push(tf.tanh(tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps!, [n, A])))));
        }
      }
      if (S > 0) parts.push(maskedLogSoftmax(tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D, tf.tensor2d(maskData!.keep, [n, S]), tf.tensor2d(maskData!.penalty, [n, S]), branches).probs);
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();
    const width = A + S;
    const continuous = new Float32Array(n * A);
    const discrete = new Int32Array(n * branches.length);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < A; i++) continuous[r * A + i] = values[r * width + i];
      let col = A;
      branches.forEach((size, b) => {
        discrete[r * branches.length + b] = deterministic ? argmax(values, r * width + col, size) : sampleCategorical(values, r * width + col, size, this.rng.next());
        col += size;
      });
    }
    return { continuous, discrete };
  }

  /** One SAC update; the only read-back is the statistics vector (q1, q2, policy loss, entropy terms). */
  async update(batch: TransitionBatch): Promise<UpdateLosses> {
    const n = batch.length;
    const { continuousSize: A, branches } = this.layout;
    const S = this.total;
    const nb = branches.length;
    const hp = this.hyperparameters;
    const lr = hp.learningRate;
    // Host-side constants, drawn in SacModel's order so that the same seed gives the same noise.
    const epsNext = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const eps = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const maskNow = S > 0 ? maskTensorsData(batch.actionMasks, n, S) : null;
    const maskNext = S > 0 ? maskTensorsData(batch.nextActionMasks, n, S) : null;
    const discount = new Float32Array(n);
    for (let i = 0; i < n; i++) discount[i] = hp.gamma * (1 - batch.dones[i]);
    const oneHot = S > 0 ? this.oneHot(batch.discreteActions, n) : null;
    const kept: tf.Tensor[] = [];
    const out = tf.tidy(() => {
      const s = this.inputs(batch.obs, n);
      const s2 = this.inputs(batch.nextObs, n);
      // 1. Target (no gradient): y = r + gamma (1 - done) V'(s'), V' from the target critics.
      const next = this.policy(s2, n, epsNext, maskNext, false);
      const qNext = criticForward(this.target, s2, next.action, { params: false, action: false });
      const y = tf.add(tf.tensor1d(batch.rewards.subarray(0, n)), tf.mul(tf.tensor1d(discount), this.softValue(qNext, next, n)));
      // 2. Critics: J_Q = 0.5 E[(Q_i(s, a) - y)^2]; discrete Q(s, a) is the mean over branches.
      const taken = A > 0 ? tf.tensor2d(batch.continuousActions.subarray(0, n * A), [n, A]) : null;
      const oneHotT = oneHot ? tf.tensor3d(oneHot, [1, n, S]) : null;
      const critic = tf.variableGrads(() => {
        const q = criticForward(this.critic, s, taken, { params: true, action: false });
        const qa = oneHotT ? tf.div(tf.sum(tf.mul(q, oneHotT), 2), nb) : tf.reshape(q, [2, n]);
        const perCritic = tf.mul(tf.mean(tf.square(tf.sub(qa, y)), 1), 0.5);
        kept.push(tf.keep(perCritic));
        return tf.sum(perCritic) as tf.Scalar;
      }, this.criticParams);
      const criticFlat = this.criticOpt.apply(this.criticParams.map((v) => critic.grads[v.name]), lr);
      // 3. Actor: J_pi = E[alpha log pi(a~|s) - min_i Q_i(s, a~)], exact expectations over branches.
      const actor = tf.variableGrads(() => {
        const pi = this.policy(s, n, eps, maskNow, true);
        const q = criticForward(this.critic, s, pi.action, { params: false, action: A > 0 });
        const stats: tf.Tensor[] = [];
        if (pi.logProbC) stats.push(tf.reshape(tf.mean(pi.logProbC), [1]));
        if (pi.probs) stats.push(tf.mean(branchEntropies(pi.probs, pi.logProbs!, branches), 0));
        kept.push(tf.keep(stats.length === 1 ? stats[0] : tf.concat(stats)));
        return tf.neg(tf.mean(this.softValue(q, pi, n))) as tf.Scalar;
      }, this.actorParams);
      this.actorOpt.apply(this.actorParams.map((v) => actor.grads[v.name]), lr);
      // 5. Polyak: theta' <- tau theta + (1 - tau) theta'.
      const targetFlat = tf.concat(this.targetParams.map((p) => tf.reshape(p, [-1])));
      this.assignFlat(this.targetParams, tf.add(tf.mul(criticFlat, hp.tau), tf.mul(targetFlat, 1 - hp.tau)) as tf.Tensor1D);
      return tf.concat([kept[0], tf.reshape(actor.value, [1]), kept[1]]);
    });
    const v = (await out.data()) as Float32Array;
    out.dispose();
    kept.forEach((t) => t.dispose());
    return this.finishUpdate(v, lr);
  }

  async getState(): Promise<SacState> {
    const tensors: Record<string, TensorData> = {};
    for (const [key, v] of this.factory.vars) tensors[key] = { shape: [...v.shape], data: ((await v.data()) as Float32Array).slice() };
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) {
      tensors[`adam/${name}/m`] = { shape: [opt.size], data: ((await opt.m.data()) as Float32Array).slice() };
      tensors[`adam/${name}/v`] = { shape: [opt.size], data: ((await opt.v.data()) as Float32Array).slice() };
    }
    const l = this.layout;
    return {
      format: "mlagents-ts/sac-state",
      version: 1,
      layout: { obsShapes: l.obsShapes.map((s) => [...s]), continuousSize: l.continuousSize, branches: [...l.branches], hiddenUnits: l.hiddenUnits, numLayers: l.numLayers, normalize: this.normalize },
      hyperparameters: { ...this.hyperparameters, targetEntropyDiscrete: [...this.hyperparameters.targetEntropyDiscrete] },
      tensors,
      adamSteps: { actor: this.actorOpt.step, critic: this.criticOpt.step },
      alpha: { logAlphas: Array.from(this.logAlphas), m: Array.from(this.alphaM), v: Array.from(this.alphaV), step: this.alphaStep },
      normalizers: this.normalizers.map((nz) => nz?.getState() ?? null),
      rng: this.rng.getState(),
      updates: this.updates,
    };
  }

  /** Loads a SacModel (or GpuSacModel) state: afterwards both give the same updates. */
  setState(state: SacState): void {
    const put = (key: string, v: tf.Variable): void => {
      const t = state.tensors[key];
      if (!t || t.data.length !== v.size) throw new RangeError(`state tensor ${key}: ${t ? `${t.data.length} values, expected ${v.size}` : "missing"}`);
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    };
    for (const [key, v] of this.factory.vars) put(key, v);
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) {
      put(`adam/${name}/m`, opt.m);
      put(`adam/${name}/v`, opt.v);
    }
    this.actorOpt.step = state.adamSteps.actor;
    this.criticOpt.step = state.adamSteps.critic;
    this.logAlphas.set(state.alpha.logAlphas);
    this.alphaM.set(state.alpha.m);
    this.alphaV.set(state.alpha.v);
    this.alphaStep = state.alpha.step;
    state.normalizers.forEach((ns, i) => ns && this.normalizers[i]?.setState(ns));
    this.refreshNormTensors();
    this.hyperparameters = { ...state.hyperparameters, targetEntropyDiscrete: [...state.hyperparameters.targetEntropyDiscrete] };
    this.rng.setState(state.rng);
    this.updates = state.updates;
  }

  dispose(): void {
    for (const v of this.factory.vars.values()) v.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.normTensors.forEach((t) => t && tf.dispose([t.mean, t.std]));
    this.normTensors = [];
  }

  // --- the same helpers as SacModel's tape path -------------------------------------------------

  private finishUpdate(v: Float32Array, lr: number): UpdateLosses {
    const { continuousSize: A, branches } = this.layout;
    const hp = this.hyperparameters;
    // Alpha step (host side): dL/dlog alpha = mean entropy - target entropy.
    const grads: number[] = [];
    let o = 3;
    let entropy = 0;
    if (A > 0) {
      const meanLogPi = v[o++];
      entropy -= meanLogPi;
      grads.push(-(meanLogPi + hp.targetEntropyContinuous));
    }
    branches.forEach((_, b) => {
      const h = v[o++];
      entropy += h;
      grads.push(h - hp.targetEntropyDiscrete[b]);
    });
    this.alphaStep += 1;
    const bc1 = 1 - ADAM_BETA1 ** this.alphaStep;
    const bc2 = 1 - ADAM_BETA2 ** this.alphaStep;
    grads.forEach((g, i) => {
      this.alphaM[i] = ADAM_BETA1 * this.alphaM[i] + (1 - ADAM_BETA1) * g;
      this.alphaV[i] = ADAM_BETA2 * this.alphaV[i] + (1 - ADAM_BETA2) * g * g;
      this.logAlphas[i] -= ((lr / bc1) * this.alphaM[i]) / (Math.sqrt(this.alphaV[i]) / Math.sqrt(bc2) + ADAM_EPS);
    });
    this.updates += 1;
    const all = Array.from(this.logAlphas, Math.exp);
    const discreteAlphas = A > 0 ? all.slice(1) : all;
    return {
      q1Loss: v[0],
      q2Loss: v[1],
      policyLoss: v[2],
      entropy,
      learningRate: lr,
      continuousEntropyCoeff: A > 0 ? all[0] : null,
      discreteEntropyCoeff: branches.length > 0 ? discreteAlphas.reduce((x, y) => x + y, 0) / branches.length : null,
      discreteAlphas,
    };
  }

  private inputs(obs: readonly Float32Array[], n: number): tf.Tensor[] {
    return this.layout.obsShapes.map((sh, i) => {
      const size = flatSize(sh);
      if (isVisual(sh)) return tf.transpose(tf.tensor4d(obs[i].subarray(0, n * size), [n, sh[0], sh[1], sh[2]]), [0, 2, 3, 1]);
      const x = tf.tensor2d(obs[i].subarray(0, n * size), [n, size]);
      const norm = this.normTensors[i];
      return norm ? tf.clipByValue(tf.div(tf.sub(x, norm.mean), norm.std), -5, 5) : x;
    });
  }

  private policy(inputs: tf.Tensor[], n: number, eps: Float32Array | null, mask: MaskData | null, params: boolean): PolicyOut {
    const { continuousSize: A, branches } = this.layout;
    const S = this.total;
    const raw = actorForward(this.actor, inputs, params);
    const out: PolicyOut = { action: null, logProbC: null, probs: null, logProbs: null };
    if (A > 0) {
      const mu = tf.slice(raw, [0, 0], [n, A]) as tf.Tensor2D;
      const logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX) as tf.Tensor2D;
      const sample = sampleSquashed(mu, logSigma, tf.tensor2d(eps!, [n, A]), tf.tensor1d(gaussianConstant(eps!, n, A)));
      out.action = sample.action;
      out.logProbC = sample.logProb;
    }
    if (S > 0) {
      const logits = (A > 0 ? tf.slice(raw, [0, 2 * A], [n, S]) : raw) as tf.Tensor2D;
      const d = maskedLogSoftmax(logits, tf.tensor2d(mask!.keep, [n, S]), tf.tensor2d(mask!.penalty, [n, S]), branches);
      out.probs = d.probs;
      out.logProbs = d.logProbs;
    }
    return out;
  }

  /** V(s) = E_a[min_i Q_i(s, a) - alpha log pi(a|s)], exact over branches (averaged), sampled for continuous. */
  private softValue(q: tf.Tensor3D, pi: PolicyOut, n: number): tf.Tensor1D {
    const minQ = tf.min(q, 0);
    let v: tf.Tensor;
    if (pi.probs) {
      const off = this.layout.continuousSize > 0 ? 1 : 0;
      const cols = new Float32Array(this.total);
      let c = 0;
      this.layout.branches.forEach((size, b) => cols.fill(Math.exp(this.logAlphas[off + b]), c, (c += size)));
      v = tf.div(tf.sum(tf.mul(pi.probs, tf.sub(minQ, tf.mul(tf.tensor1d(cols), pi.logProbs!))), 1), this.layout.branches.length);
    } else v = tf.reshape(minQ, [n]);
    if (pi.logProbC) v = tf.sub(v, tf.mul(pi.logProbC, Math.exp(this.logAlphas[0])));
    return v as tf.Tensor1D;
  }

  private oneHot(actions: Int32Array, n: number): Float32Array {
    const { branches } = this.layout;
    const out = new Float32Array(n * this.total);
    for (let r = 0; r < n; r++) {
      let col = 0;
      branches.forEach((size, b) => {
        const a = actions[r * branches.length + b];
        if (a >= 0 && a < size) out[r * this.total + col + a] = 1;
        col += size;
      });
    }
    return out;
  }

  private flattenBranchMasks(masks: readonly Uint8Array[] | null, n: number): Uint8Array | null {
    if (masks === null) return null;
    const out = new Uint8Array(n * this.total);
    let col = 0;
    this.layout.branches.forEach((size, b) => {
      const m = masks[b];
      if (m) for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) out[r * this.total + col + j] = m[r * size + j];
      col += size;
    });
    return out;
  }

  private assignFlat(params: tf.Variable[], flat: tf.Tensor1D): void {
    const parts = tf.split(flat, params.map((p) => p.size));
    params.forEach((p, i) => p.assign(tf.reshape(parts[i], p.shape)));
  }

  private refreshNormTensors(): void {
    this.normTensors.forEach((t) => t && tf.dispose([t.mean, t.std]));
    this.normTensors = this.normalizers.map((nz) => (nz ? { mean: tf.keep(tf.tensor1d(nz.meanVector())), std: tf.keep(tf.tensor1d(nz.stdVector())) } : null));
  }
}

function argmax(v: Float32Array, from: number, size: number): number {
  let best = 0;
  for (let j = 1; j < size; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

function sampleCategorical(p: Float32Array, from: number, size: number, u: number): number {
  let acc = 0;
  let last = 0;
  for (let j = 0; j < size; j++) {
    if (p[from + j] <= 0) continue;
    acc += p[from + j];
    last = j;
    if (u < acc) return j;
  }
  return last;
}
