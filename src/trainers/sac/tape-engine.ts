// The SAC update on TensorFlow.js' gradient tape: the reference form of the equations, read top
// to bottom in updateGraph(), which TapeSac.updateOnDevice() runs for one model and
// batched-tape-sac.ts for a population's members stacked along a leading axis (update-inputs.ts).
// Every result stays on the device until its caller reads
// it (device-result.ts): TapeSacEngine (end of this file) reads with dataSync() on backends that
// can (wasm, cpu, native); GpuSacEngine (src/trainers/gpu/gpu-sac-engine.ts) awaits data(), because
// the WebGPU backend cannot read synchronously in Node. One copy of the equations for all.
// The fast engine (fast-engine.ts, fast-sac.ts) computes the same quantities by hand and is
// checked against this file in test/trainers/sac/fast-sac.test.ts.
//
// Variant: Soft Actor-Critic with automatic temperature (Haarnoja et al. 2018, arXiv 1801.01290
// and 1812.05905) as in SB3 / CleanRL: twin Q critics WITH twin target Q networks (Polyak tau),
// clipped double-Q (min of the two) in both the Bellman target and the actor loss. Deviation from
// ML-Agents: ML-Agents trains a V network with a target V and no target Q (docs/protocol.md §9),
// and its policy loss uses Q1 only.
// Discrete branches: SAC-Discrete (Christodoulou 2019, arXiv 1910.07207), exact expectations over
// each masked categorical, one alpha per branch. Continuous: tanh-squashed Gaussian, one alpha.
// Hybrid: critics see encoding ++ continuous action and output one Q per discrete action;
// branches are combined by their mean (ML-Agents); both entropy terms are subtracted (principled
// signs; ML-Agents adds the continuous one in its hybrid V target).
// Rewards arrive multiplied by the reward-signal strength (the trainer does it at sampling time).
// GOAL_SIGNAL observations are plain vector inputs (goal_conditioning_type "hyper" is not implemented).
// These equations run on any tfjs backend and with visual observations.

import * as tf from "@tensorflow/tfjs-core";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import { branchEntropies, maskedLogSoftmax } from "./categorical.js";
import { packFlat, readNow, unpackFlat, type DeviceResult } from "./device-result.js";
import { SacStateError } from "./errors.js";
import { FlatAdam } from "./flat-adam.js";
import { actorForward, createNetworks, criticForward, flatSize, isVisual, type ActorVars, type CriticVars, type VarFactory } from "./networks.js";
import type { MaskData, SacCommon } from "./sac-common.js";
import type { ActionBatch, EngineHyperparameters, PolicyEvaluation, SacEngine, UpdateLosses } from "./sac-engine.js";
import { actorSnapshot } from "./sac-snapshot.js";
import type { DeviceMask, Noise, SacNets, UpdateInputs, UpdateSteps } from "./update-inputs.js";
import { stateTensor, type SacHyperparameters, type SacState } from "./sac-state.js";
import { gaussianConstant, LOG_SIGMA_MAX, LOG_SIGMA_MIN, sampleSquashed } from "./squashed-gaussian.js";

/** One policy evaluation: sampled squashed action and its log-density, and/or the branch distributions. */
interface PolicyOut {
  action: tf.Tensor | null;
  logProbC: tf.Tensor | null;
  probs: tf.Tensor | null;
  logProbs: tf.Tensor | null;
}

/**
 * The SAC update, L + [3 + stats]: [q1 loss, q2 loss, policy loss, (mean log pi), (branch
 * entropies)] per member. Call inside tf.tidy; the steps change the variables.
 */
export function updateGraph(nets: SacNets, x: UpdateInputs, steps: UpdateSteps): tf.Tensor {
  const { continuousSize: A, branches } = nets.layout;
  const nb = branches.length;
  const kept: tf.Tensor[] = [];
  const out = tf.tidy(() => {
    // 1. Bellman target, no gradient. SAC 1812.05905 eq. 3 and 5 (soft value of s'), clipped
    //    double-Q over the twin TARGET critics (TD3 1802.09477 §4.2), SAC-Discrete 1910.07207 eq. 10
    //    for the exact expectation over each branch:
    //    y = r + gamma (1 - done) (min_i Q'_i(s', a') - alpha log pi(a'|s')),   a' ~ pi(.|s')
    const next = policy(nets, x.s2, x.epsNext, x.maskNext, false);
    const qNext = criticForward(nets.target, x.s2, next.action, { params: false, action: false });
    const yn = tf.add(x.rewards, tf.mul(x.discount, softValue(qNext, next, x, nb)));
    const y = tf.reshape(yn, [...yn.shape.slice(0, -1), 1, yn.shape[yn.rank - 1]!]); // L + [1, n]: both critics
    // 2. Critic step. SAC 1812.05905 eq. 5: J_Q(theta_i) = 0.5 E[(Q_i(s, a) - y)^2] for i = 1, 2
    //    (both critics in one grouped network). Discrete: Q(s, a) = mean over branches of Q_b(s, a_b) (ML-Agents).
    const critic = tf.variableGrads(() => {
      const q = criticForward(nets.critic, x.s, x.taken, { params: true, action: false }); // L + [2, n, K]
      const qa = x.oneHot ? tf.div(tf.sum(tf.mul(q, x.oneHot), -1), nb) : tf.reshape(q, q.shape.slice(0, -1));
      const perCritic = tf.mul(tf.mean(tf.square(tf.sub(qa, y)), -1), 0.5); // L + [2]
      kept.push(tf.keep(perCritic));
      return tf.sum(perCritic) as tf.Scalar;
    }, [...nets.criticParams]);
    const criticFlat = steps.critic(nets.criticParams.map((v) => critic.grads[v.name]));
    // 3. Actor step with the updated critics. SAC 1812.05905 eq. 7, reparameterized a~ = tanh(mu + sigma eps)
    //    (1801.01290 eq. 11-13, App. C for the tanh log-det); SAC-Discrete 1910.07207 eq. 12:
    //    J_pi = E_s[ alpha log pi(a~|s) - min_i Q_i(s, a~) ], exact expectations over discrete branches.
    const actor = tf.variableGrads(() => {
      const pi = policy(nets, x.s, x.eps, x.maskNow, true);
      const q = criticForward(nets.critic, x.s, pi.action, { params: false, action: A > 0 });
      const stats: tf.Tensor[] = [];
      if (pi.logProbC) stats.push(withUnitAxis(tf.mean(pi.logProbC, -1)));
      if (pi.probs) stats.push(tf.mean(branchEntropies(pi.probs, pi.logProbs!, branches), -2));
      const perMember = tf.neg(tf.mean(softValue(q, pi, x, nb), -1)); // L
      kept.push(tf.keep(stats.length === 1 ? stats[0] : tf.concat(stats, -1)), tf.keep(withUnitAxis(perMember)));
      return tf.sum(perMember) as tf.Scalar;
    }, [...nets.actorParams]);
    steps.actor(nets.actorParams.map((v) => actor.grads[v.name]));
    // 4. Alpha step: host side (SacCommon.finishUpdate, SAC 1812.05905 eq. 18), from the actor step's log pi.
    // 5. Polyak averaging of the target critics: theta' <- tau theta + (1 - tau) theta' (SAC 1812.05905 Alg. 1).
    steps.polyak(criticFlat);
    return tf.concat([kept[0], kept[2], kept[1]], -1);
  });
  kept.forEach((t) => t.dispose());
  return out;
}

/** t with a last axis of size 1 (a reshape: tfjs' ExpandDims has no registered gradient here). */
function withUnitAxis(t: tf.Tensor): tf.Tensor {
  return tf.reshape(t, [...t.shape, 1]);
}

/** The last axis [from, from + size) of t. */
function lastAxis(t: tf.Tensor, from: number, size: number): tf.Tensor {
  const begin = t.shape.map((_, i) => (i === t.rank - 1 ? from : 0));
  return tf.slice(t, begin, t.shape.map((d, i) => (i === t.rank - 1 ? size : d)));
}

/** pi(.|s): reparameterized squashed-Gaussian sample with its log-density, and/or masked branch distributions. */
function policy(nets: SacNets, inputs: readonly tf.Tensor[], noise: Noise | null, mask: DeviceMask | null, params: boolean): PolicyOut {
  const { continuousSize: A, branches } = nets.layout;
  const S = branches.reduce((a, b) => a + b, 0);
  const raw = actorForward(nets.actor, inputs, params);
  const out: PolicyOut = { action: null, logProbC: null, probs: null, logProbs: null };
  if (A > 0) {
    const mu = lastAxis(raw, 0, A);
    const logSigma = tf.clipByValue(lastAxis(raw, A, A), LOG_SIGMA_MIN, LOG_SIGMA_MAX);
    const sample = sampleSquashed(mu, logSigma, noise!.eps, noise!.constant);
    out.action = sample.action;
    out.logProbC = sample.logProb;
  }
  if (S > 0) {
    const logits = A > 0 ? lastAxis(raw, 2 * A, S) : raw;
    const d = maskedLogSoftmax(logits, mask!.keep, mask!.penalty, branches);
    out.probs = d.probs;
    out.logProbs = d.logProbs;
  }
  return out;
}

/**
 * Soft state value under the policy, L + [n]: V(s) = E_a[min_i Q_i(s, a) - alpha log pi(a|s)]
 * (SAC 1812.05905 eq. 3; SAC-Discrete 1910.07207 eq. 10 for the exact expectation over each
 * branch, averaged over branches). The min is taken per action (CleanRL SAC-discrete).
 * q: L + [2, n, K].
 */
function softValue(q: tf.Tensor, pi: PolicyOut, x: UpdateInputs, nb: number): tf.Tensor {
  const minQ = tf.min(q, -3);
  let v: tf.Tensor;
  if (pi.probs) {
    const inner = tf.sub(minQ, tf.mul(x.alphaColumns!, pi.logProbs!));
    v = tf.div(tf.sum(tf.mul(pi.probs, inner), -1), nb);
  } else v = tf.reshape(minQ, minQ.shape.slice(0, -1));
  if (pi.logProbC) v = tf.sub(v, tf.mul(pi.logProbC, x.alphaContinuous));
  return v;
}

/** A TapeSac's host-side state, variables (by key, creation order) and optimizers. */
export interface TapeSacParts {
  readonly common: SacCommon;
  readonly vars: ReadonlyMap<string, tf.Variable>;
  readonly actorOpt: FlatAdam;
  readonly criticOpt: FlatAdam;
}

/** The networks, their optimizers and the SAC equations on the tape; the reading is left to the subclass. */
export class TapeSac {
  private readonly factory: VarFactory;
  private readonly actor: ActorVars;
  private readonly critic: CriticVars;
  private readonly target: CriticVars;
  private readonly actorParams: tf.Variable[];
  private readonly criticParams: tf.Variable[];
  private readonly targetParams: tf.Variable[];
  private readonly actorOpt: FlatAdam;
  private readonly criticOpt: FlatAdam;
  private normTensors: ({ mean: tf.Tensor; std: tf.Tensor } | null)[] = [];

  constructor(private readonly common: SacCommon) {
    const nets = createNetworks(common.layout, common.rng);
    this.factory = nets.factory;
    this.actor = nets.actor;
    this.critic = nets.critic;
    this.target = nets.target;
    const group = (prefix: string): tf.Variable[] => [...this.factory.vars.entries()].filter(([k]) => k.startsWith(`${prefix}/`)).map(([, v]) => v);
    this.actorParams = group("actor");
    this.criticParams = group("critic");
    this.targetParams = group("target");
    this.actorOpt = new FlatAdam(this.actorParams, `${this.factory.prefix}/adam/actor`);
    this.criticOpt = new FlatAdam(this.criticParams, `${this.factory.prefix}/adam/critic`);
    this.refreshNormTensors();
  }

  /** What a population stack (batched-tape-sac.ts) copies in and writes back; nothing else reads it. */
  get stackParts(): TapeSacParts {
    return { common: this.common, vars: this.factory.vars, actorOpt: this.actorOpt, criticOpt: this.criticOpt };
  }

  get updateCount(): number {
    return this.common.updates;
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    return this.common.alphas;
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.common.setHyperparameters(h);
  }

  hyperparameters(): SacHyperparameters {
    return this.common.copyHyperparameters();
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    if (this.common.updateNormalizer(obs, n)) this.refreshNormTensors();
  }

  /** Actions of n agents: [n, A + sum(branches)] (squashed actions, branch probabilities), sampled on finish. */
  actOnDevice(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): DeviceResult<ActionBatch> {
    const { continuousSize: A, branches } = this.common.layout;
    const S = this.common.total;
    const { eps, mask } = this.common.actingInputs(masks, n, deterministic);
    const out = tf.tidy(() => {
      const raw = actorForward(this.actor, this.inputs(obs, n), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) {
        const mu = tf.slice(raw, [0, 0], [n, A]);
        if (deterministic) parts.push(tf.tanh(mu)); // tanh(mean): what Unity should get (docs/protocol.md §9)
        else {
          const logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX);
          parts.push(tf.tanh(tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps!, [n, A])))));
        }
      }
      if (S > 0) parts.push(maskedLogSoftmax(tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D, tf.tensor2d(mask!.keep, [n, S]), tf.tensor2d(mask!.penalty, [n, S]), branches).probs);
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
    const width = A + S;
    const finish = (values: Float32Array): ActionBatch => {
      const continuous = new Float32Array(n * A);
      for (let r = 0; r < n; r++) for (let i = 0; i < A; i++) continuous[r * A + i] = values[r * width + i];
      return { continuous, discrete: this.common.pickDiscrete(values, n, width, A, deterministic) };
    };
    return { output: out, finish };
  }

  /** The policy's distribution parameters: [n, 2A + sum(branches)]. */
  evaluateOnDevice(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): DeviceResult<PolicyEvaluation> {
    const { continuousSize: A, branches } = this.common.layout;
    const S = this.common.total;
    const m = this.common.actingInputs(masks, n, true).mask;
    const out = tf.tidy(() => {
      const raw = actorForward(this.actor, this.inputs(obs, n), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) parts.push(tf.slice(raw, [0, 0], [n, A]), tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX));
      if (S > 0) parts.push(maskedLogSoftmax(tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D, tf.tensor2d(m!.keep, [n, S]), tf.tensor2d(m!.penalty, [n, S]), branches).probs);
      return tf.concat(parts, 1);
    });
    const width = 2 * A + S;
    const finish = (v: Float32Array): PolicyEvaluation => {
      const col = (from: number, size: number): Float32Array => {
        const r = new Float32Array(n * size);
        for (let i = 0; i < n; i++) r.set(v.subarray(i * width + from, i * width + from + size), i * size);
        return r;
      };
      let c = 2 * A;
      const probs = branches.map((size) => col((c += size) - size, size));
      return { mu: col(0, A), logSigma: col(A, A), probs };
    };
    return { output: out, finish };
  }

  /**
   * One SAC update (updateGraph below): target (no gradient) -> critic step -> actor step -> alpha
   * step -> Polyak. The output is [q1 loss, q2 loss, policy loss, (mean log pi), (branch entropies)];
   * the alpha step runs on finish, from the actor step's entropy terms.
   */
  updateOnDevice(batch: TransitionBatch): DeviceResult<UpdateLosses> {
    const c = this.common.updateConstants(batch);
    const n = c.n;
    const { continuousSize: A } = this.common.layout;
    const S = this.common.total;
    const hp = this.common.hyperparameters;
    const nets: SacNets = { layout: this.common.layout, actor: this.actor, critic: this.critic, target: this.target, actorParams: this.actorParams, criticParams: this.criticParams };
    const out = tf.tidy(() => {
      const mask = (m: MaskData | null): DeviceMask | null => (m ? { keep: tf.tensor2d(m.keep, [n, S]), penalty: tf.tensor2d(m.penalty, [n, S]) } : null);
      const noise = (eps: Float32Array | null): Noise | null => (eps ? { eps: tf.tensor2d(eps, [n, A]), constant: tf.tensor1d(gaussianConstant(eps, n, A)) } : null);
      const inputs: UpdateInputs = {
        s: this.inputs(batch.obs, n),
        s2: this.inputs(batch.nextObs, n),
        rewards: tf.tensor1d(batch.rewards.subarray(0, n)),
        discount: tf.tensor1d(c.discount),
        taken: A > 0 ? tf.tensor2d(batch.continuousActions.subarray(0, n * A), [n, A]) : null,
        oneHot: c.oneHot ? tf.tensor3d(c.oneHot, [1, n, S]) : null,
        eps: noise(c.eps),
        epsNext: noise(c.epsNext),
        maskNow: mask(c.maskNow),
        maskNext: mask(c.maskNext),
        alphaContinuous: this.common.alphaContinuous,
        alphaColumns: S > 0 ? tf.tensor1d(Float32Array.from(this.common.alphaColumns())) : null,
      };
      return updateGraph(nets, inputs, {
        critic: (grads) => this.criticOpt.apply(grads, hp.learningRate),
        actor: (grads) => void this.actorOpt.apply(grads, hp.learningRate),
        polyak: (criticFlat) => {
          const targetFlat = tf.concat(this.targetParams.map((p) => tf.reshape(p, [-1])));
          assignFlat(this.targetParams, tf.add(tf.mul(criticFlat, hp.tau), tf.mul(targetFlat, 1 - hp.tau)) as tf.Tensor1D);
        },
      });
    });
    const finish = (v: Float32Array): UpdateLosses =>
      this.common.finishUpdate({
        q1Loss: v[0],
        q2Loss: v[1],
        policyLoss: v[2],
        meanLogPi: A > 0 ? v[3] : null,
        branchEntropies: Array.from(v.subarray(A > 0 ? 4 : 3)),
      });
    return { output: out, finish };
  }

  /** The actor's parameters in one read, as the ONNX exporter's snapshot. */
  snapshotOnDevice(): DeviceResult<ActorSnapshot> {
    const actor = [...this.factory.vars].filter(([key]) => key.startsWith("actor/"));
    const finish = (v: Float32Array): ActorSnapshot => {
      const tensors = unpackFlat(actor, v);
      return actorSnapshot((key) => tensors[key] ?? notAParameter(key), this.common.layout, this.common.normalizers);
    };
    return { output: packFlat(actor.map(([, t]) => t)), finish };
  }

  /** Every parameter and both Adam moments in one read, with the host-side state taken now. */
  stateOnDevice(): DeviceResult<SacState> {
    const entries: [string, tf.Tensor][] = [...this.factory.vars];
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) entries.push([`adam/${name}/m`, opt.m], [`adam/${name}/v`, opt.v]);
    const host = { ...this.common.scalarState(), adamSteps: { actor: this.actorOpt.step, critic: this.criticOpt.step } };
    return { output: packFlat(entries.map(([, t]) => t)), finish: (v) => ({ ...host, tensors: unpackFlat(entries, v) }) };
  }

  setState(state: SacState): void {
    this.common.checkLayout(state);
    const put = (key: string, v: tf.Variable): void => assignData(v, stateTensor(state, key, v.size));
    for (const [key, v] of this.factory.vars) put(key, v);
    for (const [name, opt] of [["actor", this.actorOpt], ["critic", this.criticOpt]] as const) {
      put(`adam/${name}/m`, opt.m);
      put(`adam/${name}/v`, opt.v);
    }
    this.actorOpt.step = state.adamSteps.actor;
    this.criticOpt.step = state.adamSteps.critic;
    this.common.setScalarState(state);
    this.refreshNormTensors();
  }

  dispose(): void {
    for (const v of this.factory.vars.values()) v.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.normTensors.forEach((t) => t && tf.dispose([t.mean, t.std]));
    this.normTensors = [];
  }

  /** Observation tensors: vectors normalized as clip((x - mean) / std, -5, 5) (docs/protocol.md §6.4), images to NHWC. */
  private inputs(obs: readonly Float32Array[], n: number): tf.Tensor[] {
    return this.common.layout.obsShapes.map((sh, i) => {
      const size = flatSize(sh);
      if (isVisual(sh)) return tf.transpose(tf.tensor4d(obs[i].subarray(0, n * size), [n, sh[0], sh[1], sh[2]]), [0, 2, 3, 1]);
      const x = tf.tensor2d(obs[i].subarray(0, n * size), [n, size]);
      const norm = this.normTensors[i];
      return norm ? tf.clipByValue(tf.div(tf.sub(x, norm.mean), norm.std), -5, 5) : x;
    });
  }

  private refreshNormTensors(): void {
    this.normTensors.forEach((t) => t && tf.dispose([t.mean, t.std]));
    this.normTensors = this.common.layout.obsShapes.map((_, i) => {
      const a = this.common.normArray(i);
      return a ? { mean: tf.keep(tf.tensor1d(a.mean)), std: tf.keep(tf.tensor1d(a.std)) } : null;
    });
  }
}

/** The tape engine on backends that read synchronously (wasm, cpu, native TensorFlow). */
export class TapeSacEngine extends TapeSac implements SacEngine {
  readonly engine = "tape";
  readonly gemmCalls = 0;

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    return readNow(this.actOnDevice(obs, n, masks, deterministic));
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    return readNow(this.evaluateOnDevice(obs, n, masks));
  }

  update(batch: TransitionBatch): UpdateLosses {
    return readNow(this.updateOnDevice(batch));
  }

  getState(): SacState {
    return readNow(this.stateOnDevice());
  }

  snapshot(): ActorSnapshot {
    return readNow(this.snapshotOnDevice());
  }
}

function notAParameter(key: string): never {
  throw new SacStateError(`tensors.${key}`, "is not a parameter of this model");
}

function assignFlat(params: tf.Variable[], flat: tf.Tensor1D): void {
  const parts = tf.split(flat, params.map((p) => p.size));
  params.forEach((p, i) => p.assign(tf.reshape(parts[i], p.shape)));
}

/** Copies plain data into a variable; the temporary tensor is disposed (assign keeps its own reference). */
function assignData(v: tf.Variable, data: Float32Array): void {
  const value = tf.tensor(data, v.shape);
  v.assign(value);
  value.dispose();
}
