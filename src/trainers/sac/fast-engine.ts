// The fast SAC engine: vector observations on the WebAssembly backend, with every weight, Adam
// moment and activation in the backend's heap (fast-sac.ts) and no tfjs tensor per update.
// Its equations are TapeSacEngine's (tape-engine.ts); it starts from the same initial weights
// (drawn through the same VarFactory and RNG), so both engines give the same numbers for a seed.

import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import { SacStateError } from "./errors.js";
import { FastSac, type FastUpdateInput } from "./fast-sac.js";
import { policyForward } from "./fast-policy.js";
import type { MaskData, SacCommon, UpdateBatch, UpdateNoise } from "./sac-common.js";
import type { ActionBatch, EngineHyperparameters, PolicyEvaluation, SacEngine, StepStatistics, UpdateLosses } from "./sac-engine.js";
import { actorSnapshot } from "./sac-snapshot.js";
import { stateTensor, type SacHyperparameters, type SacState, type TensorData } from "./sac-state.js";
import { gaussianConstant, LOG_SIGMA_MAX, LOG_SIGMA_MIN } from "./squashed-gaussian.js";
import { createNetworks } from "./networks.js";

/** An update after drawUpdate: the minibatch without observations, the normalized inputs at s and s', and the noise. */
export interface DrawnUpdate {
  readonly batch: UpdateBatch;
  readonly x: Float32Array;
  readonly x2: Float32Array;
  readonly noise: UpdateNoise;
}

export class FastSacEngine implements SacEngine {
  private readonly fast: FastSac;

  constructor(private readonly common: SacCommon) {
    // Initial values from createNetworks, as the tape engine draws them (same RNG order); the tfjs
    // variables are released: the heap buffers are the only copy from here on.
    const nets = createNetworks(common.layout, common.rng);
    const params = new Map<string, TensorData>();
    for (const [key, v] of nets.factory.vars) params.set(key, { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() });
    for (const v of nets.factory.vars.values()) v.dispose();
    this.fast = new FastSac(common.layout, params);
  }

  get engine(): string {
    return `fast (${this.fast.gemm.name})`;
  }

  get gemmCalls(): number {
    return this.fast.gemm.calls;
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
    this.common.updateNormalizer(obs, n);
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    const { eps, mask } = this.common.actingInputs(masks, n, deterministic);
    const pi = this.policyRows(obs, n, eps, mask);
    // float32 probabilities, as the tape engine samples from
    return { continuous: pi.action, discrete: this.common.pickDiscrete(Float32Array.from(pi.p), n, this.common.total, 0, deterministic) };
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    const A = this.common.layout.continuousSize;
    const S = this.common.total;
    const W = 2 * A + S;
    const mask = this.common.actingInputs(masks, n, true).mask;
    const raw = this.fast.actorRaw(this.common.normalizedInputs(obs, n), n);
    const pi = policyForward(raw, 0, n, W, A, this.common.layout.branches, new Float32Array(n * A), new Float32Array(n), mask?.keep ?? null, mask?.penalty ?? null);
    const mu = new Float32Array(n * A);
    const logSigma = new Float32Array(n * A);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < A; i++) {
        mu[r * A + i] = raw[r * W + i];
        logSigma[r * A + i] = Math.min(Math.max(raw[r * W + A + i], LOG_SIGMA_MIN), LOG_SIGMA_MAX);
      }
    }
    let c = 0;
    const probs = this.common.layout.branches.map((size) => {
      const out = new Float32Array(n * size);
      for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) out[r * size + j] = pi.p[r * S + c + j];
      c += size;
      return out;
    });
    return { mu, logSigma, probs };
  }

  update(batch: TransitionBatch): UpdateLosses {
    return this.applyUpdate(this.drawUpdate(batch));
  }

  /**
   * The part of an update that reads this engine's noise stream and normalizers, taken when the
   * update is asked for; applyUpdate does the rest. The threaded engine (threaded-sac-engine.ts)
   * draws on the trainer's thread and applies in its worker, so the stream keeps this order.
   */
  drawUpdate(batch: TransitionBatch): DrawnUpdate {
    const n = batch.length;
    const { obs: _obs, nextObs: _nextObs, ...rest } = batch;
    return { batch: rest, x: this.common.normalizedInputs(batch.obs, n), x2: this.common.normalizedInputs(batch.nextObs, n), noise: this.common.updateNoise(n) };
  }

  /** The gradient update of a drawn minibatch, with the hyperparameters and entropy coefficients this engine has now. */
  applyUpdate(drawn: DrawnUpdate): UpdateLosses {
    return this.finishUpdate(this.fast.update(this.inputsFor(drawn)));
  }

  /** The actor's parameters, one flat copy (the threaded engine's acting replica takes them). */
  readActor(): Float32Array {
    return this.fast.readGroup(this.fast.actor);
  }

  writeActor(params: Float32Array): void {
    this.fast.writeGroup(this.fast.actor, params);
  }

  /** The network layout as a string: engines with equal keys can be stacked (batched-fast-sac.ts; normalization may differ). */
  get layoutKey(): string {
    const { normalize: _normalize, ...layout } = this.common.layoutState();
    return JSON.stringify(layout);
  }

  /** The heap-side core (batched-fast-sac.ts drives its update phases for several engines). */
  get core(): FastSac {
    return this.fast;
  }

  /** The core's input for `batch`: draws the update's noise from this engine's RNG, as update does. */
  prepareUpdate(batch: TransitionBatch): FastUpdateInput {
    return this.inputsFor(this.drawUpdate(batch));
  }

  private inputsFor(drawn: DrawnUpdate): FastUpdateInput {
    const { batch } = drawn;
    const c = this.common.updateConstants(batch, drawn.noise);
    const n = c.n;
    const A = this.common.layout.continuousSize;
    const hp = this.common.hyperparameters;
    return {
      n,
      x: drawn.x,
      x2: drawn.x2,
      taken: A > 0 ? batch.continuousActions.subarray(0, n * A) : null,
      oneHot: c.oneHot,
      rewards: batch.rewards,
      discount: c.discount,
      eps: c.eps,
      epsNext: c.epsNext,
      constNow: c.eps ? gaussianConstant(c.eps, n, A) : null,
      constNext: c.epsNext ? gaussianConstant(c.epsNext, n, A) : null,
      maskNow: c.maskNow,
      maskNext: c.maskNext,
      alphaC: this.common.alphaContinuous,
      alphaCols: this.common.alphaColumns(),
      lr: hp.learningRate,
      tau: hp.tau,
    };
  }

  /** Step 4 (the alpha step) and the losses, after the core's update of prepareUpdate's input. */
  finishUpdate(stats: StepStatistics): UpdateLosses {
    return this.common.finishUpdate(stats);
  }

  snapshot(): ActorSnapshot {
    const tensors = this.fast.readTensors();
    return actorSnapshot((key) => {
      const t = tensors.get(key);
      if (!t) throw new SacStateError(`tensors.${key}`, "is not a parameter of this model");
      return t;
    }, this.common.layout, this.common.normalizers);
  }

  getState(): SacState {
    const tensors: Record<string, TensorData> = Object.fromEntries(this.fast.readTensors());
    for (const [name, g] of [["actor", this.fast.actor], ["critic", this.fast.critic]] as const) {
      tensors[`adam/${name}/m`] = { shape: [g.size], data: g.m.slice() };
      tensors[`adam/${name}/v`] = { shape: [g.size], data: g.v.slice() };
    }
    return { ...this.common.scalarState(), tensors, adamSteps: { actor: this.fast.actor.step, critic: this.fast.critic.step } };
  }

  setState(state: SacState): void {
    this.common.checkLayout(state);
    for (const g of [this.fast.actor, this.fast.critic, this.fast.target]) {
      for (const e of g.entries) this.fast.writeTensor(e.key, stateTensor(state, e.key, e.size));
    }
    for (const [name, g] of [["actor", this.fast.actor], ["critic", this.fast.critic]] as const) {
      g.m.set(stateTensor(state, `adam/${name}/m`, g.size));
      g.v.set(stateTensor(state, `adam/${name}/v`, g.size));
    }
    this.fast.actor.step = state.adamSteps.actor;
    this.fast.critic.step = state.adamSteps.critic;
    this.common.setScalarState(state);
  }

  dispose(): void {
    this.fast.dispose();
  }

  /** Policy rows for acting: sampled (eps) or deterministic (eps = 0, so the action is tanh(mu)). */
  private policyRows(obs: readonly Float32Array[], n: number, eps: Float32Array | null, mask: MaskData | null): ReturnType<typeof policyForward> {
    const A = this.common.layout.continuousSize;
    const raw = this.fast.actorRaw(this.common.normalizedInputs(obs, n), n);
    return policyForward(raw, 0, n, 2 * A + this.common.total, A, this.common.layout.branches, eps ?? new Float32Array(n * A), new Float32Array(n), mask?.keep ?? null, mask?.penalty ?? null);
  }
}
