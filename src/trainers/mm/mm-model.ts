// A Mix & Match agent (Czarnecki et al. 2018, arXiv 1806.01780) on SAC, on TensorFlow.js' gradient
// tape: K actors from simple to target, one pair of twin critics (with target critics) over the
// target's action space, one replay of the mixture's experience (held by the SAC trainer).
// update() reads top to bottom as tape-engine.ts, with these changes:
//   - Bellman target: soft value of the mixture at s', Σ_i α_i V_i(s') with each component's own
//     entropy term (its α-weighted entropies stand in for the mixture's entropy, a lower bound);
//   - every component's actor minimizes the SAC actor loss against the shared critics, its actions
//     mapped into the target space (a macro-action component: exact expectation over its N actions);
//   - the target's loss adds λ Σ_{i<K} α_i KL(π_i ‖ π_K) on replay states: λ(1 − α_K) KL for K = 2
//     (docs/mix-and-match.md §3), the teacher π_i held fixed (no gradient to it);
//   - one entropy coefficient per component, each toward its own action space's target entropy.
// The model implements SacModelLike, so SacTrainer runs it with ML-Agents' schedule unchanged.

import * as tf from "@tensorflow/tfjs-core";
import type { MixAndMatchSettings, TrainerSettings } from "../../config/index.js";
import { observationSize, type BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import { Rng } from "../common/rng.js";
import type { TransitionBatch } from "../common/transition.js";
import { FlatAdam } from "../sac/flat-adam.js";
import { createCritics, criticForward, VarFactory, type CriticVars } from "../sac/networks.js";
import { CONTINUOUS_TARGET_ENTROPY_SCALE, DISCRETE_TARGET_ENTROPY_SCALE, SacCommon, targetEntropies } from "../sac/sac-common.js";
import type { EngineHyperparameters, StepStatistics, UpdateLosses } from "../sac/sac-engine.js";
import { actorSnapshot } from "../sac/sac-snapshot.js";
import { stateTensor, type SacState, type TensorData } from "../sac/sac-state.js";
import type { SacModelLike } from "../sac/sac-trainer-state.js";
import { StatsAccumulator } from "../stats/stats-accumulator.js";
import { Tags } from "../stats/trainer-summary.js";
import { macroActionMask, mapMacroActions } from "./action-mapping.js";
import { componentConstants, componentPolicy, divergence, entropyFigures, softValue, stopGradient } from "./component-policy.js";
import { MmComponent } from "./mm-component.js";
import { mixingWeights, sampleComponents } from "./mixture.js";

/** Everything a Mix & Match model's next act() and update() depend on. */
export interface MmModelState {
  readonly format: "mlagents-ts/mm-state";
  readonly alphaTarget: number;
  /** Critics, target critics, their Adam moments, the normalizers and the critic-side counters. */
  readonly critics: SacState;
  /** One actor state per component, simplest first, the target last. */
  readonly components: SacState[];
  readonly rng: number;
}

/** Per-component figures of the last update, for the stats (component 1 = simplest, K = target). */
export interface ComponentLosses {
  readonly policyLoss: number;
  readonly entropy: number;
  /** Distillation divergence toward the target (cross-entropy for macro-action components); null for the target. */
  readonly distillation: number | null;
  readonly entropyCoeff: number;
}

let nextCriticsId = 0;

/** Stat tags of Mix & Match beside ML-Agents' (each per component gets " [component i]", 1 = simplest). */
export const mmTags = {
  entropyCoeff: "Policy/Entropy Coeff",
  distillation: "Losses/Distillation",
  alpha: Tags.mixAndMatchAlpha,
  decisions: Tags.mixAndMatchDecisions,
} as const;

/** " [component i]" suffix, 1-based as the paper numbers π_1 … π_K. */
export function componentTag(index: number): string {
  return `[component ${index + 1}]`;
}

export class MmTapeModel implements SacModelLike {
  readonly components: MmComponent[];
  /** Layout, normalizers, critic-side hyperparameters and the batch constants of the target's action space. */
  private readonly common: SacCommon;
  private readonly factory: VarFactory;
  private readonly critic: CriticVars;
  private readonly target: CriticVars;
  private readonly criticParams: tf.Variable[];
  private readonly targetParams: tf.Variable[];
  private readonly criticOpt: FlatAdam;
  private readonly mix: MixAndMatchSettings;
  private readonly rng: Rng;
  private readonly vectorSize: number;
  private alphaTarget: number;
  private lastComponentLosses: ComponentLosses[] = [];
  /** Decisions taken by each component since the stats last read them. */
  readonly decisions: number[];
  /** act() returns the component of each decision as its tag: the replay buffer stores it. */
  readonly tagged = true;
  /** Per-component figures of every update, drained into the trainer's summaries. */
  readonly stats = new StatsAccumulator();

  constructor(private readonly spec: BehaviorSpec, settings: TrainerSettings, seed: number) {
    if (settings.mix_and_match === undefined) throw new Error("MmTapeModel: the behavior has no mix_and_match section");
    this.mix = settings.mix_and_match;
    this.common = new SacCommon(spec, settings, seed);
    this.vectorSize = spec.observationSpecs.reduce((n, o) => n + observationSize(o), 0);
    this.components = this.mix.components.map((c, i) => new MmComponent(c, spec, this.vectorSize, settings, (seed + 7919 * (i + 1)) >>> 0));
    this.factory = new VarFactory(`mmq${nextCriticsId++}`, this.common.rng);
    this.critic = createCritics(this.factory, this.common.layout, "critic", true);
    this.target = createCritics(this.factory, this.common.layout, "target", false);
    const group = (prefix: string): tf.Variable[] => [...this.factory.vars.entries()].filter(([k]) => k.startsWith(`${prefix}/`)).map(([, v]) => v);
    this.criticParams = group("critic");
    this.targetParams = group("target");
    this.targetParams.forEach((t, i) => t.assign(this.criticParams[i]!));
    this.criticOpt = new FlatAdam(this.criticParams, `${this.factory.prefix}/adam/critic`);
    this.rng = new Rng((seed ^ 0x3a7c0de5) >>> 0);
    this.alphaTarget = this.mix.initial_alpha[this.mix.initial_alpha.length - 1]!;
    this.decisions = this.components.map(() => 0);
  }

  get alpha(): number {
    return this.alphaTarget;
  }

  set alpha(value: number) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`mix_and_match alpha must be in [0, 1], got ${value}`);
    this.alphaTarget = value;
  }

  /** The K mixing weights α (the target's last). */
  weights(): number[] {
    return mixingWeights(this.alphaTarget, this.mix.initial_alpha);
  }

  get componentLosses(): readonly ComponentLosses[] {
    return this.lastComponentLosses;
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.common.setHyperparameters(h);
    const a = this.spec.actionSpec;
    // The trainer's target entropies are for the target's actions; each component gets the same scale on its own.
    const hp = this.common.hyperparameters;
    const scale =
      a.continuousSize > 0
        ? hp.targetEntropyContinuous / (-CONTINUOUS_TARGET_ENTROPY_SCALE * a.continuousSize)
        : hp.targetEntropyDiscrete[0]! / (DISCRETE_TARGET_ENTROPY_SCALE * Math.log(a.discreteBranches[0]!));
    for (const c of this.components) {
      const { continuousSize, branches } = c.common.layout;
      const { targetEntropyContinuous: _c, targetEntropyDiscrete: _d, ...rest } = h;
      c.common.setHyperparameters({ ...rest, ...targetEntropies(continuousSize, branches, Number.isFinite(scale) ? scale : 1) });
    }
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.common.updateNormalizer(obs, n);
  }

  /**
   * Explicit mixing (docs/mix-and-match.md §1): c ~ Cat(α) per agent, component c acts, its action mapped into the
   * target's space. Deterministic acting is the target alone (evaluation of what ships).
   */
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array; tags: Int32Array } {
    const K = this.components.length;
    const chosen = deterministic ? new Int32Array(n).fill(K - 1) : sampleComponents(this.weights(), n, this.rng);
    const { continuousSize: A, branches } = this.common.layout;
    const S = this.common.total;
    const flatMask = S > 0 ? flattenMasks(masks, n, branches) : null;
    // A macro-action component with every macro-action masked for an agent lets the target act there.
    this.components.forEach((c, i) => {
      if (c.macros === null || i === K - 1) return;
      const empty = macroActionMask(c.macros, flatMask, n).empty;
      for (let r = 0; r < n; r++) if (chosen[r] === i && empty[r]) chosen[r] = K - 1;
    });
    const continuous = new Float32Array(n * A);
    const discrete = new Int32Array(n * branches.length);
    const x = this.common.normalizedInputs(obs, n);
    this.components.forEach((c, i) => {
      const rows: number[] = [];
      for (let r = 0; r < n; r++) if (chosen[r] === i) rows.push(r);
      if (rows.length === 0) return;
      this.decisions[i]! += rows.length;
      const m = rows.length;
      const sub = new Float32Array(m * this.vectorSize);
      rows.forEach((r, j) => sub.set(x.subarray(r * this.vectorSize, (r + 1) * this.vectorSize), j * this.vectorSize));
      let ownMask: Uint8Array | null = null;
      if (flatMask !== null) {
        const rowMask = new Uint8Array(m * S);
        rows.forEach((r, j) => rowMask.set(flatMask.subarray(r * S, (r + 1) * S), j * S));
        ownMask = c.macros === null ? rowMask : macroActionMask(c.macros, rowMask, m).mask;
      }
      const out = c.act(sub, m, this.vectorSize, ownMask, deterministic);
      const mapped = c.macros === null ? out : mapMacroActions(c.macros, out.discrete);
      rows.forEach((r, j) => {
        continuous.set(mapped.continuous.subarray(j * A, (j + 1) * A), r * A);
        discrete.set(mapped.discrete.subarray(j * branches.length, (j + 1) * branches.length), r * branches.length);
      });
    });
    return { continuous, discrete, tags: chosen };
  }

  /** One Mix & Match update: target (no gradient) -> critic step -> actor steps -> alpha steps -> Polyak. */
  update(batch: TransitionBatch): UpdateLosses {
    const n = batch.length;
    const K = this.components.length;
    const alpha = this.weights();
    const lambda = this.mix.lambda;
    const hp = this.common.hyperparameters;
    const { continuousSize: A, branches } = this.common.layout;
    const S = this.common.total;
    const c = this.common.updateConstants(batch);
    const own = this.components.map((comp) => componentConstants(comp, batch, n, S));
    const kept: tf.Tensor[] = [];
    const out = tf.tidy(() => {
      const s = this.inputs(batch.obs, n);
      const s2 = this.inputs(batch.nextObs, n);
      const all = concatInputs(s);
      const all2 = concatInputs(s2);
      // 1. Bellman target with the mixture's soft value at s' (no gradient):
      //    y = r + γ (1 − done) Σ_i α_i E_{a~π_i}[min_j Q'_j(s', m_i(a)) − α_ent,i log π_i(a|s')]
      let v2: tf.Tensor1D = tf.zeros([n]);
      this.components.forEach((comp, i) => {
        if (alpha[i] === 0) return;
        const pi = componentPolicy(comp, all2, n, own[i]!.epsNext, own[i]!.maskNext, false);
        v2 = tf.add(v2, tf.mul(softValue(comp, this.target, s2, pi, n, false, branches.length), alpha[i]!)) as tf.Tensor1D;
      });
      const y = tf.add(tf.tensor1d(batch.rewards.subarray(0, n)), tf.mul(tf.tensor1d(c.discount), v2));
      // 2. Critic step on the mixture's experience, target action space (as tape-engine.ts step 2).
      const taken = A > 0 ? tf.tensor2d(batch.continuousActions.subarray(0, n * A), [n, A]) : null;
      const oneHot = c.oneHot ? tf.tensor3d(c.oneHot, [1, n, S]) : null;
      const critic = tf.variableGrads(() => {
        const q = criticForward(this.critic, s, taken, { params: true, action: false });
        const qa = oneHot ? tf.div(tf.sum(tf.mul(q, oneHot), 2), branches.length) : tf.reshape(q, [2, n]);
        const perCritic = tf.mul(tf.mean(tf.square(tf.sub(qa, y)), 1), 0.5);
        kept.push(tf.keep(perCritic));
        return tf.sum(perCritic) as tf.Scalar;
      }, this.criticParams);
      const criticFlat = this.criticOpt.apply(this.criticParams.map((v) => critic.grads[v.name]!), hp.learningRate);
      // 3. Actor steps: every component against the updated critics with its own actions mapped into
      //    the target space; the target adds λ Σ_i α_i KL(π_i ‖ π_K) (λ(1 − α_K) KL for K = 2).
      //    The components' parameters are disjoint, so one tape over the sum gives each its own gradient.
      const actorParams = this.components.flatMap((comp) => comp.params);
      const actors = tf.variableGrads(() => {
        const pis = this.components.map((comp, i) => componentPolicy(comp, all, n, own[i]!.eps, own[i]!.maskNow, true));
        const figures: tf.Tensor[] = [];
        let total: tf.Tensor = tf.scalar(0);
        this.components.forEach((comp, i) => {
          const loss = tf.neg(tf.mean(softValue(comp, this.critic, s, pis[i]!, n, true, branches.length)));
          figures.push(tf.reshape(loss, [1]), entropyFigures(comp, pis[i]!));
          total = tf.add(total, loss);
        });
        const target = pis[K - 1]!;
        for (let i = 0; i < K - 1; i++) {
          const kl = divergence(this.components[i]!, stopGradient(pis[i]!), target, own[K - 1]!.maskNow, branches);
          const meanKl = tf.mean(kl);
          figures.push(tf.reshape(meanKl, [1]));
          if (alpha[i]! > 0 && lambda > 0) total = tf.add(total, tf.mul(meanKl, lambda * alpha[i]!));
        }
        kept.push(tf.keep(tf.concat(figures)));
        return total as tf.Scalar;
      }, actorParams);
      this.components.forEach((comp) => comp.opt.apply(comp.params.map((v) => actors.grads[v.name]!), hp.learningRate));
      // 5. Polyak averaging of the target critics (SAC 1812.05905 Alg. 1).
      const targetFlat = tf.concat(this.targetParams.map((p) => tf.reshape(p, [-1])));
      assignFlat(this.targetParams, tf.add(tf.mul(criticFlat, hp.tau), tf.mul(targetFlat, 1 - hp.tau)) as tf.Tensor1D);
      return tf.zeros([1]);
    });
    out.dispose();
    const [q1Loss, q2Loss] = Array.from(kept[0]!.dataSync());
    const figures = Array.from(kept[1]!.dataSync());
    kept.forEach((t) => t.dispose());
    // 4. Entropy-coefficient step of each component (SacCommon.finishUpdate, SAC 1812.05905 eq. 18).
    let at = 0;
    const losses = this.components.map((comp) => {
      const policyLoss = figures[at++]!;
      const hasC = comp.common.layout.continuousSize > 0;
      const meanLogPi = hasC ? figures[at++]! : null;
      const branchH = comp.common.layout.branches.map(() => figures[at++]!);
      const stats: StepStatistics = { q1Loss: q1Loss!, q2Loss: q2Loss!, policyLoss, meanLogPi, branchEntropies: branchH };
      return comp.common.finishUpdate(stats);
    });
    const kls = this.components.slice(0, K - 1).map(() => figures[at++]!);
    this.common.updates += 1;
    this.lastComponentLosses = losses.map((l, i) => ({
      policyLoss: l.policyLoss,
      entropy: l.entropy,
      distillation: i < K - 1 ? kls[i]! : null,
      entropyCoeff: l.continuousEntropyCoeff ?? l.discreteEntropyCoeff ?? 0,
    }));
    this.lastComponentLosses.forEach((l, i) => {
      const name = componentTag(i);
      this.stats.add(`${Tags.policyLoss} ${name}`, l.policyLoss);
      this.stats.add(`${Tags.entropy} ${name}`, l.entropy);
      this.stats.add(`${mmTags.entropyCoeff} ${name}`, l.entropyCoeff);
      if (l.distillation !== null) this.stats.add(`${mmTags.distillation} ${name}`, l.distillation);
    });
    return losses[K - 1]!;
  }

  /** The target component only: what ONNX export writes and Unity runs. */
  snapshot(): ActorSnapshot {
    const targetActor = this.components[this.components.length - 1]!.getState();
    const read = (key: string): TensorData => {
      const t = targetActor.tensors[key];
      if (t === undefined) throw new Error(`mix_and_match target actor has no tensor ${key}`);
      return t;
    };
    return actorSnapshot(read, this.common.layout, this.common.normalizers);
  }

  getState(): MmModelState {
    const tensors: Record<string, TensorData> = {};
    for (const [key, v] of this.factory.vars) tensors[key] = { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() };
    tensors["adam/critic/m"] = { shape: [this.criticOpt.size], data: (this.criticOpt.m.dataSync() as Float32Array).slice() };
    tensors["adam/critic/v"] = { shape: [this.criticOpt.size], data: (this.criticOpt.v.dataSync() as Float32Array).slice() };
    return {
      format: "mlagents-ts/mm-state",
      alphaTarget: this.alphaTarget,
      critics: { ...this.common.scalarState(), tensors, adamSteps: { actor: 0, critic: this.criticOpt.step } },
      components: this.components.map((comp) => comp.getState()),
      rng: this.rng.getState(),
    };
  }

  setState(raw: unknown): void {
    const state = raw as MmModelState;
    if (state?.format !== "mlagents-ts/mm-state") throw new Error("not a Mix & Match model state (format mlagents-ts/mm-state)");
    if (state.components.length !== this.components.length) throw new Error(`Mix & Match state has ${state.components.length} components, this model ${this.components.length}`);
    this.common.checkLayout(state.critics);
    for (const [key, v] of this.factory.vars) assignData(v, stateTensor(state.critics, key, v.size));
    assignData(this.criticOpt.m, stateTensor(state.critics, "adam/critic/m", this.criticOpt.size));
    assignData(this.criticOpt.v, stateTensor(state.critics, "adam/critic/v", this.criticOpt.size));
    this.criticOpt.step = state.critics.adamSteps.critic;
    this.common.setScalarState(state.critics);
    this.components.forEach((comp, i) => comp.setState(state.components[i]!));
    this.alpha = state.alphaTarget;
    this.rng.setState(state.rng);
  }

  dispose(): void {
    for (const v of this.factory.vars.values()) v.dispose();
    this.criticOpt.dispose();
    this.components.forEach((c) => c.dispose());
  }

  /** Vector observations normalized as the SAC engines do, one tensor per observation. */
  private inputs(obs: readonly Float32Array[], n: number): tf.Tensor2D[] {
    const x = this.common.normalizedInputs(obs, n);
    const sizes = this.common.layout.obsShapes.map((sh) => sh.reduce((a, b) => a * b, 1));
    const all = tf.tensor2d(x, [n, this.vectorSize]);
    return sizes.length === 1 ? [all] : (tf.split(all, sizes, 1) as tf.Tensor2D[]);
  }


}

function concatInputs(s: tf.Tensor2D[]): tf.Tensor2D {
  return s.length === 1 ? s[0]! : (tf.concat(s, 1) as tf.Tensor2D);
}

/** Per-branch masks [n × size_b] into one row-major [n × Σ sizes] (1 = masked). */
function flattenMasks(masks: readonly Uint8Array[] | null, n: number, branches: readonly number[]): Uint8Array | null {
  if (masks === null) return null;
  const total = branches.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(n * total);
  let col = 0;
  branches.forEach((size, b) => {
    const m = masks[b];
    if (m) for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) out[r * total + col + j] = m[r * size + j]!;
    col += size;
  });
  return out;
}

function assignFlat(params: tf.Variable[], flat: tf.Tensor1D): void {
  const parts = tf.split(flat, params.map((p) => p.size));
  params.forEach((p, i) => p.assign(tf.reshape(parts[i]!, p.shape)));
}

function assignData(v: tf.Variable, data: Float32Array): void {
  const value = tf.tensor(data, v.shape);
  v.assign(value);
  value.dispose();
}
