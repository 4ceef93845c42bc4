// Soft Actor-Critic with automatic temperature (Haarnoja et al. 2018, arXiv 1812.05905), the
// SB3/CleanRL variant: twin Q critics WITH target Q networks (Polyak tau), clipped double-Q
// (min of the two) in both the target and the actor loss. Deviation from ML-Agents: ML-Agents
// trains a V network with a target V and no target Q (spec 9); its policy loss uses Q1 only.
// Discrete branches: SAC-Discrete (Christodoulou 2019, arXiv 1910.07207), exact expectations over
// each masked categorical, one log-alpha per branch with target entropy 0.2 ln(size) (ML-Agents).
// Continuous: tanh-squashed Gaussian, one log-alpha for all dims, target entropy -|A|.
// Hybrid: critics see obs-encoding ++ continuous action and output one Q per discrete action;
// branches are combined by their mean (ML-Agents); both entropy terms are subtracted (principled
// signs; ML-Agents adds the continuous one in its hybrid V target).
// Rewards arrive already multiplied by the reward-signal strength (the trainer does it at
// sampling time, as ML-Agents evaluates reward signals), so y uses batch.rewards as given.
// GOAL_SIGNAL observations are plain vector inputs (goal_conditioning_type "hyper" is not implemented).

import * as tf from "@tensorflow/tfjs-core";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import { Rng } from "../common/rng.js";
import { RunningNormalizer } from "../common/running-normalizer.js";
import { maskedLogSoftmax, maskTensorsData, branchEntropies } from "./categorical.js";
import { SacNotSupportedError, SacStateError } from "./errors.js";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, FlatAdam } from "./flat-adam.js";
import { actorForward, createActor, createCritics, criticForward, flatSize, isVisual, VarFactory, type ActorVars, type CriticVars, type NetLayout } from "./networks.js";
import { actorSnapshot } from "./sac-snapshot.js";
import { FastSac } from "./fast-sac.js";
import { policyForward } from "./fast-policy.js";
import type { SacHyperparameters, SacState, TensorData } from "./sac-state.js";
import { gaussianConstant, LOG_SIGMA_MAX, LOG_SIGMA_MIN, sampleSquashed } from "./squashed-gaussian.js";

export { serializeSacState, deserializeSacState } from "./sac-state.js";
export type { SacState, SacHyperparameters } from "./sac-state.js";

export interface UpdateStats {
  q1Loss: number;
  q2Loss: number;
  policyLoss: number;
  /** Continuous entropy estimate (-mean log pi) plus the sum of branch entropies. */
  entropy: number;
  learningRate: number;
  continuousEntropyCoef?: number;
  /** Mean of the per-branch alphas (the per-branch values are in discreteAlphas). */
  discreteEntropyCoef?: number;
  discreteAlphas: number[];
}

/** One policy evaluation: sampled squashed action and its log-density, and/or the branch distributions. */
interface PolicyOut {
  action: tf.Tensor2D | null;
  logProbC: tf.Tensor1D | null;
  probs: tf.Tensor2D | null;
  logProbs: tf.Tensor2D | null;
}

interface MaskData { keep: Float32Array; penalty: Float32Array }

let nextModelId = 0;

/** Internal: which update implementation runs ("auto": the tensor-free one unless there are images). */
export interface SacModelOptions {
  readonly engine?: "auto" | "fast" | "tape";
}

export class SacModel {
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
  private normTensors: ({ mean: tf.Tensor; std: tf.Tensor } | null)[];
  private updates = 0;
  private readonly total: number; // sum of branch sizes
  /** Tensor-free implementation (vector observations); null = the tfjs gradient-tape one. */
  private readonly fast: FastSac | null;
  private normArrays: ({ mean: Float32Array; std: Float32Array } | null)[] = [];

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number, options: SacModelOptions = {}) {
    const ns = settings.network_settings;
    if (ns.vis_encode_type !== "simple") throw new SacNotSupportedError("vis_encode_type", ns.vis_encode_type);
    if (ns.memory !== null && ns.memory !== undefined) throw new SacNotSupportedError("memory", "recurrent memory");
    const a = spec.actionSpec;
    this.layout = {
      obsShapes: spec.observationSpecs.map((o) => [...o.shape]),
      continuousSize: a.continuousSize,
      branches: [...a.discreteBranches],
      hiddenUnits: ns.hidden_units,
      numLayers: ns.num_layers,
    };
    for (const sh of this.layout.obsShapes) {
      if (isVisual(sh) && (sh[1] < 20 || sh[2] < 20)) throw new SacNotSupportedError("vis_encode_type", `simple with an image of ${sh[1]}x${sh[2]} (minimum 20x20)`);
    }
    this.total = a.discreteTotal;
    this.normalize = ns.normalize;
    this.hyperparameters = {
      learningRate: settings.hyperparameters.learning_rate,
      gamma: settings.reward_signals.extrinsic?.gamma ?? 0.99,
      tau: settings.hyperparameters.tau,
      targetEntropyContinuous: -a.continuousSize, // SAC 1812.05905 §5: target entropy -dim(A)
      targetEntropyDiscrete: a.discreteBranches.map((b) => 0.2 * Math.log(b)), // ML-Agents' choice
    };
    this.rng = new Rng(seed);
    this.factory = new VarFactory(`sac${nextModelId++}`, this.rng);
    this.actor = createActor(this.factory, this.layout);
    this.actorParams = [...this.factory.vars.values()];
    this.critic = createCritics(this.factory, this.layout, "critic", true);
    this.criticParams = [...this.factory.vars.values()].slice(this.actorParams.length);
    this.target = createCritics(this.factory, this.layout, "target", false);
    this.targetParams = [...this.factory.vars.values()].slice(this.actorParams.length + this.criticParams.length);
    this.targetParams.forEach((t, i) => t.assign(this.criticParams[i])); // target starts as an exact copy
    this.actorOpt = new FlatAdam(this.actorParams, `${this.factory.prefix}/adam/actor`);
    this.criticOpt = new FlatAdam(this.criticParams, `${this.factory.prefix}/adam/critic`);
    const nAlpha = (a.continuousSize > 0 ? 1 : 0) + a.discreteSize;
    this.logAlphas = new Float64Array(nAlpha).fill(Math.log(settings.hyperparameters.init_entcoef));
    this.alphaM = new Float64Array(nAlpha);
    this.alphaV = new Float64Array(nAlpha);
    this.normalizers = this.layout.obsShapes.map((sh) => (this.normalize && !isVisual(sh) ? new RunningNormalizer(flatSize(sh)) : null));
    this.normTensors = this.normalizers.map(() => null);
    this.refreshNormTensors();
    const engine = options.engine ?? "auto";
    const visual = this.layout.obsShapes.some(isVisual);
    if (engine === "fast" && visual) throw new SacNotSupportedError("vis_encode_type", "the tensor-free update with visual observations");
    this.fast = engine === "tape" || visual ? null : new FastSac(this.layout, this.factory.vars);
  }

  /** Name of the update implementation in use (for logs and benchmarks). */
  get engine(): string {
    return this.fast ? `fast (${this.fast.gemm.name})` : "tape";
  }

  /** Matrix products issued by the tensor-free implementation so far (0 for the tape one). */
  get gemmCalls(): number {
    return this.fast?.gemm.calls ?? 0;
  }

  setLearningRate(lr: number): void {
    this.hyperparameters.learningRate = lr;
  }

  setHyperparameters(h: Partial<SacHyperparameters>): void {
    this.hyperparameters = { ...this.hyperparameters, ...h, targetEntropyDiscrete: [...(h.targetEntropyDiscrete ?? this.hyperparameters.targetEntropyDiscrete)] };
  }

  /** Current entropy coefficients: continuous (or null) and one per branch. */
  get alphas(): { continuous: number | null; discrete: number[] } {
    const c = this.layout.continuousSize > 0;
    const all = Array.from(this.logAlphas, Math.exp);
    return { continuous: c ? all[0] : null, discrete: c ? all.slice(1) : all };
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    if (!this.normalize || n <= 0) return;
    this.normalizers.forEach((norm, i) => norm?.update(obs[i], n));
    this.refreshNormTensors();
  }

  /** One batched forward for n agents; masks per branch [n * size], 1 = masked. */
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array } {
    const A = this.layout.continuousSize;
    const S = this.total;
    const branches = this.layout.branches;
    const eps = A > 0 && !deterministic ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const maskData = S > 0 ? maskTensorsData(this.flattenBranchMasks(masks, n), n, S) : null;
    if (this.fast) {
      const pi = this.fastPolicy(obs, n, eps, maskData);
      const discrete = new Int32Array(n * branches.length);
      for (let r = 0; r < n; r++) {
        let col = 0;
        branches.forEach((size, b) => {
          const p = Float32Array.from(pi.p.subarray(r * S + col, r * S + col + size));
          discrete[r * branches.length + b] = deterministic ? argmax(p, 0, size) : sampleCategorical(p, 0, size, this.rng.next());
          col += size;
        });
      }
      return { continuous: pi.action, discrete };
    }
    const out = tf.tidy(() => {
      const raw = actorForward(this.actor, this.inputs(obs, n), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) {
        const mu = tf.slice(raw, [0, 0], [n, A]);
        if (deterministic) parts.push(tf.tanh(mu)); // tanh(mean): what Unity should get (spec 9 quirk fixed)
        else {
          const logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX);
          parts.push(tf.tanh(tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps!, [n, A])))));
        }
      }
      if (S > 0) {
        const logits = tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D;
        parts.push(maskedLogSoftmax(logits, tf.tensor2d(maskData!.keep, [n, S]), tf.tensor2d(maskData!.penalty, [n, S]), branches).probs);
      }
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
    const values = out.dataSync() as Float32Array;
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

  /**
   * The policy's distribution parameters for a batch (no sampling): mu and clipped log sigma
   * [n * A], and masked probabilities per branch [n * size]. For side-by-side evaluation of
   * several policies (Mix&Match mixtures, KL terms) and for checking exports.
   */
  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): { mu: Float32Array; logSigma: Float32Array; probs: Float32Array[] } {
    const A = this.layout.continuousSize;
    const S = this.total;
    const m = S > 0 ? maskTensorsData(this.flattenBranchMasks(masks, n), n, S) : null;
    if (this.fast) {
      const raw = this.fast.actorRaw(this.normalizedInputs(obs, n), n);
      const pi = policyForward(raw, 0, n, 2 * A + S, A, this.layout.branches, new Float32Array(n * A), new Float32Array(n), m?.keep ?? null, m?.penalty ?? null);
      const mu = new Float32Array(n * A);
      const logSigma = new Float32Array(n * A);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < A; i++) {
          mu[r * A + i] = raw[r * (2 * A + S) + i];
          logSigma[r * A + i] = Math.min(Math.max(raw[r * (2 * A + S) + A + i], LOG_SIGMA_MIN), LOG_SIGMA_MAX);
        }
      }
      let c = 0;
      const probs = this.layout.branches.map((size) => {
        const out = new Float32Array(n * size);
        for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) out[r * size + j] = pi.p[r * S + c + j];
        c += size;
        return out;
      });
      return { mu, logSigma, probs };
    }
    const out = tf.tidy(() => {
      const raw = actorForward(this.actor, this.inputs(obs, n), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) parts.push(tf.slice(raw, [0, 0], [n, A]), tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX));
      if (S > 0) parts.push(maskedLogSoftmax(tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D, tf.tensor2d(m!.keep, [n, S]), tf.tensor2d(m!.penalty, [n, S]), this.layout.branches).probs);
      return tf.concat(parts, 1);
    });
    const v = out.dataSync() as Float32Array;
    out.dispose();
    const width = 2 * A + S;
    const col = (from: number, size: number): Float32Array => {
      const r = new Float32Array(n * size);
      for (let i = 0; i < n; i++) r.set(v.subarray(i * width + from, i * width + from + size), i * size);
      return r;
    };
    let c = 2 * A;
    const probs = this.layout.branches.map((size) => col((c += size) - size, size));
    return { mu: col(0, A), logSigma: col(A, A), probs };
  }

  /** One SAC gradient update on a minibatch. */
  update(batch: TransitionBatch): UpdateStats {
    const n = batch.length;
    const A = this.layout.continuousSize;
    const S = this.total;
    const hp = this.hyperparameters;
    const lr = hp.learningRate;
    // Host-side constants: noise, masks, one-hot taken actions, gamma * (1 - done).
    const epsNext = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const eps = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const maskNow = S > 0 ? maskTensorsData(batch.actionMasks, n, S) : null;
    const maskNext = S > 0 ? maskTensorsData(batch.nextActionMasks, n, S) : null;
    const discount = new Float32Array(n);
    for (let i = 0; i < n; i++) discount[i] = hp.gamma * (1 - batch.dones[i]);
    const oneHot = S > 0 ? this.oneHot(batch.discreteActions, n) : null;
    const v = this.fast
      ? this.fast.update({
          n,
          x: this.normalizedInputs(batch.obs, n),
          x2: this.normalizedInputs(batch.nextObs, n),
          taken: A > 0 ? batch.continuousActions.subarray(0, n * A) : null,
          oneHot,
          rewards: batch.rewards,
          discount,
          eps,
          epsNext,
          constNow: eps ? gaussianConstant(eps, n, A) : null,
          constNext: epsNext ? gaussianConstant(epsNext, n, A) : null,
          maskNow,
          maskNext,
          alphaC: A > 0 ? Math.exp(this.logAlphas[0]) : 0,
          alphaCols: Float64Array.from(this.alphaColumns()),
          lr,
          tau: hp.tau,
        })
      : this.tapeUpdate(batch, { epsNext, eps, maskNow, maskNext, discount, oneHot });
    return this.finishUpdate(v, lr);
  }

  /** The tfjs gradient-tape update (models with visual encoders); returns the statistics vector. */
  private tapeUpdate(
    batch: TransitionBatch,
    c: { epsNext: Float32Array | null; eps: Float32Array | null; maskNow: MaskData | null; maskNext: MaskData | null; discount: Float32Array; oneHot: Float32Array | null },
  ): Float32Array {
    const { epsNext, eps, maskNow, maskNext, discount, oneHot } = c;
    const n = batch.length;
    const { continuousSize: A, branches } = this.layout;
    const S = this.total;
    const nb = branches.length;
    const hp = this.hyperparameters;
    const lr = hp.learningRate;
    const kept: tf.Tensor[] = [];
    const out = tf.tidy(() => {
      const s = this.inputs(batch.obs, n);
      const s2 = this.inputs(batch.nextObs, n);
      // 1. Target, no gradient. SAC 1812.05905 eq. 3 + clipped double-Q over target critics (TD3 1802.09477 §4.2):
      //    y = r + gamma (1 - done) (min_i Q'_i(s', a') - alpha log pi(a'|s')), a' ~ pi(s') (discrete: exact expectation)
      const next = this.policy(s2, n, epsNext, maskNext, false);
      const qNext = criticForward(this.target, s2, next.action, { params: false, action: false });
      const y = tf.add(tf.tensor1d(batch.rewards.subarray(0, n)), tf.mul(tf.tensor1d(discount), this.softValue(qNext, next, n)));
      // 2. Critic step. SAC eq. 5: J_Q = 0.5 E[(Q_i(s, a) - y)^2], both critics in one grouped network.
      const taken = A > 0 ? tf.tensor2d(batch.continuousActions.subarray(0, n * A), [n, A]) : null;
      const oneHotT = oneHot ? tf.tensor3d(oneHot, [1, n, S]) : null;
      const critic = tf.variableGrads(() => {
        const q = criticForward(this.critic, s, taken, { params: true, action: false }); // [2, n, K]
        // Discrete: Q(s, a) = mean over branches of Q_b(s, a_b) (ML-Agents).
        const qa = oneHotT ? tf.div(tf.sum(tf.mul(q, oneHotT), 2), nb) : tf.reshape(q, [2, n]);
        const perCritic = tf.mul(tf.mean(tf.square(tf.sub(qa, y)), 1), 0.5);
        kept.push(tf.keep(perCritic));
        return tf.sum(perCritic) as tf.Scalar;
      }, this.criticParams);
      const criticFlat = this.criticOpt.apply(this.criticParams.map((v) => critic.grads[v.name]), lr);
      // 3. Actor step. SAC eq. 7 (reparameterized) / SAC-Discrete eq. 12:
      //    J_pi = E_s[ alpha log pi(a~|s) - min_i Q_i(s, a~) ], expectations exact over discrete branches.
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
      // 4. (alpha step: host side below; it reads the actor step's log pi and touches no tensor.)
      // 5. Polyak: theta' <- tau theta + (1 - tau) theta' (SAC 1812.05905 Alg. 1).
      const targetFlat = tf.concat(this.targetParams.map((p) => tf.reshape(p, [-1])));
      const blended = tf.add(tf.mul(criticFlat, hp.tau), tf.mul(targetFlat, 1 - hp.tau)) as tf.Tensor1D;
      this.assignFlat(this.targetParams, blended);
      return tf.concat([kept[0], tf.reshape(actor.value, [1]), kept[1]]);
    });
    const v = out.dataSync() as Float32Array;
    out.dispose();
    kept.forEach((t) => t.dispose());
    return v;
  }

  private finishUpdate(v: ArrayLike<number>, lr: number): UpdateStats {
    const { continuousSize: A, branches } = this.layout;
    const nb = branches.length;
    const hp = this.hyperparameters;
    // 4. Alpha step (SB3 / ML-Agents): L(log alpha) = -mean(log alpha * (log pi + target entropy)),
    //    so dL/dlog alpha = -(mean log pi + target) = mean entropy - target: alpha rises when entropy < target.
    const grads: number[] = [];
    let o = 3;
    let entropy = 0;
    if (A > 0) {
      const meanLogPi = v[o++];
      entropy -= meanLogPi;
      grads.push(-(meanLogPi + hp.targetEntropyContinuous));
    }
    branches.forEach((_, b) => {
      const h = v[o++]; // mean entropy of branch b = -E[sum_a pi log pi]
      entropy += h;
      grads.push(h - hp.targetEntropyDiscrete[b]); // ML-Agents: per-branch term of the discrete entropy loss
    });
    this.adamAlphas(grads, lr);
    this.updates += 1;
    const alphas = this.alphas;
    const stats: UpdateStats = { q1Loss: v[0], q2Loss: v[1], policyLoss: v[2], entropy, learningRate: lr, discreteAlphas: alphas.discrete };
    if (alphas.continuous !== null) stats.continuousEntropyCoef = alphas.continuous;
    if (nb > 0) stats.discreteEntropyCoef = alphas.discrete.reduce((x, y2) => x + y2, 0) / nb;
    return stats;
  }

  snapshot(): ActorSnapshot {
    if (this.fast) {
      const t = this.fast.readTensors();
      for (const [key, v] of this.factory.vars) if (key.startsWith("actor/")) assignData(v, t.get(key)!.data);
    }
    return actorSnapshot(this.actor, this.layout, this.normalizers);
  }

  getState(): SacState {
    const tensors: Record<string, TensorData> = {};
    const fastTensors = this.fast?.readTensors();
    for (const [key, v] of this.factory.vars) tensors[key] = fastTensors?.get(key) ?? { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() };
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) {
      const g = this.fast ? (name === "actor" ? this.fast.actor : this.fast.critic) : null;
      tensors[`adam/${name}/m`] = { shape: [opt.size], data: g ? g.m.slice() : (opt.m.dataSync() as Float32Array).slice() };
      tensors[`adam/${name}/v`] = { shape: [opt.size], data: g ? g.v.slice() : (opt.v.dataSync() as Float32Array).slice() };
    }
    return {
      format: "mlagents-ts/sac-state",
      version: 1,
      layout: { obsShapes: this.layout.obsShapes.map((s) => [...s]), continuousSize: this.layout.continuousSize, branches: [...this.layout.branches], hiddenUnits: this.layout.hiddenUnits, numLayers: this.layout.numLayers, normalize: this.normalize },
      hyperparameters: { ...this.hyperparameters, targetEntropyDiscrete: [...this.hyperparameters.targetEntropyDiscrete] },
      tensors,
      adamSteps: this.fast ? { actor: this.fast.actor.step, critic: this.fast.critic.step } : { actor: this.actorOpt.step, critic: this.criticOpt.step },
      alpha: { logAlphas: Array.from(this.logAlphas), m: Array.from(this.alphaM), v: Array.from(this.alphaV), step: this.alphaStep },
      normalizers: this.normalizers.map((nz) => nz?.getState() ?? null),
      rng: this.rng.getState(),
      updates: this.updates,
    };
  }

  /** Exact copy: afterwards act() and update() give the same numbers as the source model. */
  setState(state: SacState): void {
    const l = state.layout;
    const same = JSON.stringify([l.obsShapes, l.continuousSize, l.branches, l.hiddenUnits, l.numLayers, l.normalize]) ===
      JSON.stringify([this.layout.obsShapes, this.layout.continuousSize, this.layout.branches, this.layout.hiddenUnits, this.layout.numLayers, this.normalize]);
    if (!same) throw new SacStateError("layout", "observation shapes, actions or network settings differ from this model");
    const put = (key: string, v: tf.Variable): void => {
      const t = state.tensors[key];
      if (!t || t.data.length !== v.size) throw new SacStateError(`tensors.${key}`, t ? `has ${t.data.length} values, expected ${v.size}` : "is missing");
      if (this.fast) {
        if (!this.fast.writeTensor(key, t.data)) {
          const g = key.startsWith("adam/actor/") ? this.fast.actor : this.fast.critic;
          (key.endsWith("/m") ? g.m : g.v).set(t.data);
        }
      } else assignData(v, t.data);
    };
    for (const [key, v] of this.factory.vars) put(key, v);
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) {
      put(`adam/${name}/m`, opt.m);
      put(`adam/${name}/v`, opt.v);
    }
    this.actorOpt.step = state.adamSteps.actor;
    this.criticOpt.step = state.adamSteps.critic;
    if (this.fast) {
      this.fast.actor.step = state.adamSteps.actor;
      this.fast.critic.step = state.adamSteps.critic;
    }
    if (state.alpha.logAlphas.length !== this.logAlphas.length) throw new SacStateError("alpha.logAlphas", `has ${state.alpha.logAlphas.length} values, expected ${this.logAlphas.length}`);
    this.logAlphas.set(state.alpha.logAlphas);
    this.alphaM.set(state.alpha.m);
    this.alphaV.set(state.alpha.v);
    this.alphaStep = state.alpha.step;
    state.normalizers.forEach((ns, i) => {
      if (ns && this.normalizers[i]) this.normalizers[i]!.setState(ns);
    });
    this.refreshNormTensors();
    this.setHyperparameters(state.hyperparameters);
    this.rng.setState(state.rng);
    this.updates = state.updates;
  }

  dispose(): void {
    for (const v of this.factory.vars.values()) v.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.normTensors.forEach((t) => t && tf.dispose([t.mean, t.std]));
    this.normTensors = [];
    this.fast?.dispose();
  }

  /** Vector observations concatenated per row and normalized: clip((x - mean) / std, -5, 5) (spec 6.4). */
  private normalizedInputs(obs: readonly Float32Array[], n: number): Float32Array {
    const sizes = this.layout.obsShapes.map(flatSize);
    const d = sizes.reduce((a, b) => a + b, 0);
    const out = new Float32Array(n * d);
    let off = 0;
    sizes.forEach((size, i) => {
      const src = obs[i];
      const norm = this.normArrays[i];
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < size; j++) {
          const x = src[r * size + j];
          out[r * d + off + j] = norm ? Math.min(5, Math.max(-5, (x - norm.mean[j]) / norm.std[j])) : x;
        }
      }
      off += size;
    });
    return out;
  }

  /** Policy rows for acting: sampled (eps) or deterministic (eps = 0, so the action is tanh(mu)). */
  private fastPolicy(obs: readonly Float32Array[], n: number, eps: Float32Array | null, mask: MaskData | null): ReturnType<typeof policyForward> {
    const A = this.layout.continuousSize;
    const raw = this.fast!.actorRaw(this.normalizedInputs(obs, n), n);
    return policyForward(raw, 0, n, 2 * A + this.total, A, this.layout.branches, eps ?? new Float32Array(n * A), new Float32Array(n), mask?.keep ?? null, mask?.penalty ?? null);
  }

  // --- internals ------------------------------------------------------------------------------

  /** Observation tensors: vectors normalized as clip((x - mean) / std, -5, 5) (spec 6.4), images to NHWC. */
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

  /**
   * Soft state value under the policy, [n]: V(s) = E_a[min_i Q_i(s, a) - alpha log pi(a|s)]
   * (SAC eq. 3; SAC-Discrete eq. 10 for the exact expectation over each branch, averaged over branches).
   */
  private softValue(q: tf.Tensor3D, pi: PolicyOut, n: number): tf.Tensor1D {
    const minQ = tf.min(q, 0); // clipped double-Q, elementwise over actions (CleanRL SAC-discrete)
    let v: tf.Tensor;
    if (pi.probs) {
      const alphaCols = tf.tensor1d(this.alphaColumns());
      const inner = tf.sub(minQ, tf.mul(alphaCols, pi.logProbs!));
      v = tf.div(tf.sum(tf.mul(pi.probs, inner), 1), this.layout.branches.length);
    } else v = tf.reshape(minQ, [n]);
    if (pi.logProbC) v = tf.sub(v, tf.mul(pi.logProbC, Math.exp(this.logAlphas[0])));
    return v as tf.Tensor1D;
  }

  /** alpha_b repeated over branch b's action columns. */
  private alphaColumns(): Float32Array {
    const off = this.layout.continuousSize > 0 ? 1 : 0;
    const cols = new Float32Array(this.total);
    let c = 0;
    this.layout.branches.forEach((size, b) => cols.fill(Math.exp(this.logAlphas[off + b]), c, (c += size)));
    return cols;
  }

  private adamAlphas(grads: number[], lr: number): void {
    this.alphaStep += 1;
    const bc1 = 1 - ADAM_BETA1 ** this.alphaStep;
    const bc2 = 1 - ADAM_BETA2 ** this.alphaStep;
    grads.forEach((g, i) => {
      this.alphaM[i] = ADAM_BETA1 * this.alphaM[i] + (1 - ADAM_BETA1) * g;
      this.alphaV[i] = ADAM_BETA2 * this.alphaV[i] + (1 - ADAM_BETA2) * g * g;
      this.logAlphas[i] -= ((lr / bc1) * this.alphaM[i]) / (Math.sqrt(this.alphaV[i]) / Math.sqrt(bc2) + ADAM_EPS);
    });
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

  /** Per-branch masks [n * size_b] to one row-major [n * sum(sizes)] mask. */
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
    this.normTensors = this.normalizers.map((nz) =>
      nz ? { mean: tf.keep(tf.tensor1d(nz.meanVector())), std: tf.keep(tf.tensor1d(nz.stdVector())) } : null,
    );
    this.normArrays = this.normalizers.map((nz) => (nz ? { mean: nz.meanVector(), std: nz.stdVector() } : null));
  }
}

function argmax(v: Float32Array, from: number, size: number): number {
  let best = 0;
  for (let j = 1; j < size; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

/** Inverse-CDF sample; zero-probability (masked) actions are never chosen. */
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

/** Copies plain data into a variable; the temporary tensor is disposed (assign keeps its own reference). */
function assignData(v: tf.Variable, data: Float32Array): void {
  const value = tf.tensor(data, v.shape);
  v.assign(value);
  value.dispose();
}
