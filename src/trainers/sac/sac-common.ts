// What both SAC engines share and keep outside their networks: the layout, the hyperparameters,
// the entropy coefficients and their Adam step, the observation normalizers, the noise stream
// and the update counter; plus the host-side constants of an update (noise, masks, one-hot
// actions, discounts), drawn in one order so both engines see the same numbers.

import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { TransitionBatch } from "../common/transition.js";
import { Rng } from "../common/rng.js";
import { RunningNormalizer } from "../common/running-normalizer.js";
import { maskTensorsData } from "./categorical.js";
import { SacNotSupportedError, SacStateError } from "./errors.js";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS } from "./flat-adam.js";
import { flatSize, isVisual, type NetLayout } from "./networks.js";
import type { EngineHyperparameters, StepStatistics, UpdateLosses } from "./sac-engine.js";
import type { SacHyperparameters, SacState, SacStateLayout } from "./sac-state.js";

export interface MaskData {
  readonly keep: Float32Array;
  readonly penalty: Float32Array;
}

/** Host-side inputs of one update, identical for both engines. */
export interface UpdateConstants {
  readonly n: number;
  /** Reparameterization noise at s' (target) and at s (actor step), [n * A]. */
  readonly epsNext: Float32Array | null;
  readonly eps: Float32Array | null;
  readonly maskNow: MaskData | null;
  readonly maskNext: MaskData | null;
  /** gamma * (1 - done), [n]. */
  readonly discount: Float32Array;
  /** Taken discrete actions one-hot per branch, [n * sum(branches)]. */
  readonly oneHot: Float32Array | null;
}

/** The reparameterization noise of one update, [n * A] each (null without continuous actions). */
export interface UpdateNoise {
  readonly epsNext: Float32Array | null;
  readonly eps: Float32Array | null;
}

/** What an update reads from a minibatch besides the observations. */
export type UpdateBatch = Omit<TransitionBatch, "obs" | "nextObs">;

/** ML-Agents' target-entropy scales: continuous -1.0 * |A|, discrete 0.2 * ln(branch size). */
export const CONTINUOUS_TARGET_ENTROPY_SCALE = 1.0;
export const DISCRETE_TARGET_ENTROPY_SCALE = 0.2;

/** Target entropies for a scale factor on ML-Agents' defaults (1 = ML-Agents). */
export function targetEntropies(continuousSize: number, branches: readonly number[], scale: number): Pick<SacHyperparameters, "targetEntropyContinuous" | "targetEntropyDiscrete"> {
  return {
    targetEntropyContinuous: -CONTINUOUS_TARGET_ENTROPY_SCALE * scale * continuousSize, // SAC 1812.05905 §5: -dim(A)
    targetEntropyDiscrete: branches.map((b) => DISCRETE_TARGET_ENTROPY_SCALE * scale * Math.log(b)), // ML-Agents' choice
  };
}

export class SacCommon {
  readonly layout: NetLayout;
  readonly normalize: boolean;
  /** Sum of branch sizes. */
  readonly total: number;
  readonly rng: Rng;
  readonly normalizers: (RunningNormalizer | null)[];
  hyperparameters: SacHyperparameters;
  updates = 0;
  private readonly logAlphas: Float64Array;
  private readonly alphaM: Float64Array;
  private readonly alphaV: Float64Array;
  private alphaStep = 0;
  private normArrays: ({ mean: Float32Array; std: Float32Array } | null)[] = [];

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number) {
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
      ...targetEntropies(a.continuousSize, a.discreteBranches, 1),
    };
    this.rng = new Rng(seed);
    const nAlpha = (a.continuousSize > 0 ? 1 : 0) + a.discreteSize;
    this.logAlphas = new Float64Array(nAlpha).fill(Math.log(settings.hyperparameters.init_entcoef));
    this.alphaM = new Float64Array(nAlpha);
    this.alphaV = new Float64Array(nAlpha);
    this.normalizers = this.layout.obsShapes.map((sh) => (this.normalize && !isVisual(sh) ? new RunningNormalizer(flatSize(sh)) : null));
    this.refreshNormArrays();
  }

  /** A copy of the hyperparameters the next update uses (the caller may keep or edit it). */
  copyHyperparameters(): SacHyperparameters {
    const h = this.hyperparameters;
    return { ...h, targetEntropyDiscrete: [...h.targetEntropyDiscrete] };
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    const { initEntropyCoef, ...rest } = h;
    const discrete = rest.targetEntropyDiscrete ?? this.hyperparameters.targetEntropyDiscrete;
    if (discrete.length !== this.layout.branches.length) throw new RangeError(`targetEntropyDiscrete: ${discrete.length} values for ${this.layout.branches.length} branches`);
    this.hyperparameters = { ...this.hyperparameters, ...rest, targetEntropyDiscrete: [...discrete] };
    // init_entcoef is alpha's starting point: once alpha has been learned it is left alone.
    if (initEntropyCoef !== undefined && this.updates === 0) this.logAlphas.fill(Math.log(initEntropyCoef));
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    const c = this.layout.continuousSize > 0;
    const all = Array.from(this.logAlphas, Math.exp);
    return { continuous: c ? all[0] : null, discrete: c ? all.slice(1) : all };
  }

  /** alpha of the continuous actions (0 without them). */
  get alphaContinuous(): number {
    return this.layout.continuousSize > 0 ? Math.exp(this.logAlphas[0]) : 0;
  }

  /** alpha_b repeated over branch b's action columns, [sum(branches)]. */
  alphaColumns(): Float64Array {
    const off = this.layout.continuousSize > 0 ? 1 : 0;
    const cols = new Float64Array(this.total);
    let c = 0;
    this.layout.branches.forEach((size, b) => cols.fill(Math.exp(this.logAlphas[off + b]), c, (c += size)));
    return cols;
  }

  /** Returns true when the normalizers changed (engines then refresh their copies). */
  updateNormalizer(obs: readonly Float32Array[], n: number): boolean {
    if (!this.normalize || n <= 0) return false;
    this.normalizers.forEach((norm, i) => norm?.update(obs[i], n));
    this.refreshNormArrays();
    return true;
  }

  /** Current mean and std of observation i (null when not normalized). */
  normArray(i: number): { mean: Float32Array; std: Float32Array } | null {
    return this.normArrays[i] ?? null;
  }

  /** Vector observations concatenated per row and normalized: clip((x - mean) / std, -5, 5) (docs/protocol.md §6.4). */
  normalizedInputs(obs: readonly Float32Array[], n: number): Float32Array {
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

  /** Acting noise for n agents (none when deterministic) and the branch masks. */
  actingInputs(masks: readonly Uint8Array[] | null, n: number, deterministic: boolean): { eps: Float32Array | null; mask: MaskData | null } {
    const A = this.layout.continuousSize;
    const eps = A > 0 && !deterministic ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const mask = this.total > 0 ? maskTensorsData(this.flattenBranchMasks(masks, n), n, this.total) : null;
    return { eps, mask };
  }

  /** Branch actions from probability rows p [n * sum(branches)] starting at column `from` of rows of `width`. */
  pickDiscrete(p: ArrayLike<number>, n: number, width: number, from: number, deterministic: boolean): Int32Array {
    const branches = this.layout.branches;
    const out = new Int32Array(n * branches.length);
    for (let r = 0; r < n; r++) {
      let col = from;
      branches.forEach((size, b) => {
        const o = r * width + col;
        out[r * branches.length + b] = deterministic ? argmax(p, o, size) : sampleCategorical(p, o, size, this.rng.next());
        col += size;
      });
    }
    return out;
  }

  /** An update's reparameterization noise for n rows, drawn from the engine's stream: at s' first, then at s. */
  updateNoise(n: number): UpdateNoise {
    const A = this.layout.continuousSize;
    const epsNext = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    const eps = A > 0 ? this.rng.fillNormal(new Float32Array(n * A)) : null;
    return { epsNext, eps };
  }

  /**
   * Noise, masks, discounts and one-hot actions of an update, drawn in a fixed order. `noise` is
   * drawn here unless given (the threaded engine draws it on the trainer's thread: threaded-sac-engine.ts).
   */
  updateConstants(batch: UpdateBatch, noise: UpdateNoise = this.updateNoise(batch.length)): UpdateConstants {
    const n = batch.length;
    const S = this.total;
    const { epsNext, eps } = noise;
    const discount = new Float32Array(n);
    for (let i = 0; i < n; i++) discount[i] = this.hyperparameters.gamma * (1 - batch.dones[i]);
    return {
      n,
      epsNext,
      eps,
      maskNow: S > 0 ? maskTensorsData(batch.actionMasks, n, S) : null,
      maskNext: S > 0 ? maskTensorsData(batch.nextActionMasks, n, S) : null,
      discount,
      oneHot: S > 0 ? this.oneHot(batch.discreteActions, n) : null,
    };
  }

  /**
   * Entropy-coefficient step (SAC 1812.05905 eq. 18, as SB3 / ML-Agents):
   * L(log alpha) = -mean(log alpha * (log pi + target)), so dL/dlog alpha = -(mean log pi + target)
   * = mean entropy - target: alpha rises while the entropy is below its target. Discrete: one
   * alpha per branch with the branch's exact entropy (SAC-Discrete 1910.07207 eq. 11).
   */
  finishUpdate(s: StepStatistics): UpdateLosses {
    const hp = this.hyperparameters;
    const grads: number[] = [];
    let entropy = 0;
    if (s.meanLogPi !== null) {
      entropy -= s.meanLogPi;
      grads.push(-(s.meanLogPi + hp.targetEntropyContinuous));
    }
    s.branchEntropies.forEach((h, b) => {
      entropy += h;
      grads.push(h - hp.targetEntropyDiscrete[b]);
    });
    this.adamAlphas(grads, hp.learningRate);
    this.updates += 1;
    const alphas = this.alphas;
    const nb = alphas.discrete.length;
    return {
      q1Loss: s.q1Loss,
      q2Loss: s.q2Loss,
      policyLoss: s.policyLoss,
      entropy,
      learningRate: hp.learningRate,
      continuousEntropyCoeff: alphas.continuous,
      discreteEntropyCoeff: nb > 0 ? alphas.discrete.reduce((x, y) => x + y, 0) / nb : null,
      discreteAlphas: alphas.discrete,
    };
  }

  layoutState(): SacStateLayout {
    const l = this.layout;
    return { obsShapes: l.obsShapes.map((s) => [...s]), continuousSize: l.continuousSize, branches: [...l.branches], hiddenUnits: l.hiddenUnits, numLayers: l.numLayers, normalize: this.normalize };
  }

  /** Everything of SacState but the tensors and Adam steps. */
  scalarState(): Omit<SacState, "tensors" | "adamSteps"> {
    return {
      format: "mlagents-ts/sac-state",
      version: 1,
      layout: this.layoutState(),
      hyperparameters: { ...this.hyperparameters, targetEntropyDiscrete: [...this.hyperparameters.targetEntropyDiscrete] },
      alpha: { logAlphas: Array.from(this.logAlphas), m: Array.from(this.alphaM), v: Array.from(this.alphaV), step: this.alphaStep },
      normalizers: this.normalizers.map((nz) => nz?.getState() ?? null),
      rng: this.rng.getState(),
      updates: this.updates,
    };
  }

  /** Throws SacStateError unless the state was made for the same layout. */
  checkLayout(state: SacState): void {
    const l = state.layout;
    const mine = this.layoutState();
    const same = JSON.stringify([l.obsShapes, l.continuousSize, l.branches, l.hiddenUnits, l.numLayers, l.normalize]) ===
      JSON.stringify([mine.obsShapes, mine.continuousSize, mine.branches, mine.hiddenUnits, mine.numLayers, mine.normalize]);
    if (!same) throw new SacStateError("layout", "observation shapes, actions or network settings differ from this model");
    if (state.alpha.logAlphas.length !== this.logAlphas.length) throw new SacStateError("alpha.logAlphas", `has ${state.alpha.logAlphas.length} values, expected ${this.logAlphas.length}`);
  }

  setScalarState(state: SacState): void {
    this.logAlphas.set(state.alpha.logAlphas);
    this.alphaM.set(state.alpha.m);
    this.alphaV.set(state.alpha.v);
    this.alphaStep = state.alpha.step;
    state.normalizers.forEach((ns, i) => {
      if (ns && this.normalizers[i]) this.normalizers[i]!.setState(ns);
    });
    this.refreshNormArrays();
    this.setHyperparameters(state.hyperparameters);
    this.rng.setState(state.rng);
    this.updates = state.updates;
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

  private refreshNormArrays(): void {
    this.normArrays = this.normalizers.map((nz) => (nz ? { mean: nz.meanVector(), std: nz.stdVector() } : null));
  }
}

function argmax(v: ArrayLike<number>, from: number, size: number): number {
  let best = 0;
  for (let j = 1; j < size; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

/** Inverse-CDF sample; zero-probability (masked) actions are never chosen. */
function sampleCategorical(p: ArrayLike<number>, from: number, size: number, u: number): number {
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
