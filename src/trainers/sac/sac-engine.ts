// The one interface the SAC engines implement. The tape engine (tape-engine.ts) runs the update
// on TensorFlow.js' gradient tape and is the readable reference of the SAC equations; the fast
// engine (fast-engine.ts) runs the same equations with hand-written backward passes in the
// WebAssembly backend's memory; the GPU engine (src/trainers/gpu/gpu-sac-engine.ts) is the tape
// engine on WebGPU, whose reads are awaited (AsyncSacEngine), served to the synchronous trainer
// from a worker thread (gpu-worker-sac-model.ts). sac-model.ts chooses one of them once; with the
// trainer setting `threaded: true` the fast engine's updates run in a worker thread while the
// trainer acts (threaded-sac-engine.ts: QueuedSacEngine).

import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { SacHyperparameters, SacState } from "./sac-state.js";

/**
 * Which engine runs: "auto" lets the factory choose (gpu on the WebGPU backend; fast on wasm with
 * vector observations only; else tape). "gpu" runs the tape equations on WebGPU in a worker thread.
 */
export type EngineChoice = "auto" | "fast" | "tape" | "gpu";

/** What one gradient update reports, by name (ML-Agents' TensorBoard tags in update-stats.ts). */
export interface UpdateLosses {
  readonly q1Loss: number;
  readonly q2Loss: number;
  readonly policyLoss: number;
  /** Continuous entropy estimate (-mean log pi) plus the sum of the branch entropies. */
  readonly entropy: number;
  readonly learningRate: number;
  /** alpha of the continuous actions; null without continuous actions. */
  readonly continuousEntropyCoeff: number | null;
  /** Mean of the per-branch alphas; null without discrete actions. */
  readonly discreteEntropyCoeff: number | null;
  /** alpha of each discrete branch. */
  readonly discreteAlphas: readonly number[];
}

/**
 * What an engine's critic and actor steps measured, before the entropy-coefficient step
 * (sac-common.ts) turns it into UpdateLosses.
 */
export interface StepStatistics {
  readonly q1Loss: number;
  readonly q2Loss: number;
  readonly policyLoss: number;
  /** mean log pi(a~|s) of the continuous actions at the actor step; null without them. */
  readonly meanLogPi: number | null;
  /** Mean entropy of each discrete branch at the actor step. */
  readonly branchEntropies: readonly number[];
}

/** Engine-side hyperparameters plus the initial entropy coefficient (used only before the first update). */
export type EngineHyperparameters = SacHyperparameters & { readonly initEntropyCoef: number };

export interface ActionBatch {
  readonly continuous: Float32Array;
  readonly discrete: Int32Array;
}

/** The policy's distribution parameters for a batch: mu, clipped log sigma [n * A], masked probabilities per branch. */
export interface PolicyEvaluation {
  readonly mu: Float32Array;
  readonly logSigma: Float32Array;
  readonly probs: Float32Array[];
}

export interface SacEngine {
  /** "tape" or "fast (<gemm>)", for logs and benchmarks. */
  readonly engine: string;
  /** Matrix products issued outside tfjs so far (0 for the tape engine; benchmarks). */
  readonly gemmCalls: number;
  /** Gradient updates done since creation (part of the state). */
  readonly updateCount: number;
  /** One batched forward for n agents; masks per branch [n * size], 1 = masked. */
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch;
  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation;
  /** One SAC gradient update on a minibatch, with the hyperparameters set last. */
  update(batch: TransitionBatch): UpdateLosses;
  updateNormalizer(obs: readonly Float32Array[], n: number): void;
  /** Values the next update uses; init_entcoef resets alpha only while no update was done. */
  setHyperparameters(h: Partial<EngineHyperparameters>): void;
  hyperparameters(): SacHyperparameters;
  /** Current entropy coefficients: continuous (or null) and one per branch. */
  readonly alphas: { continuous: number | null; discrete: number[] };
  /** Exact copy of everything the next act() and update() depend on. */
  getState(): SacState;
  setState(state: SacState): void;
  snapshot(): ActorSnapshot;
  dispose(): void;
}

/** Members of SacEngine that read results back from the device. */
type ReadingMember = "act" | "evaluate" | "update" | "getState" | "snapshot";

/** SacEngine on a backend that reads back only asynchronously (WebGPU in Node): the reading calls return promises. */
export interface AsyncSacEngine extends Omit<SacEngine, ReadingMember> {
  act(...args: Parameters<SacEngine["act"]>): Promise<ActionBatch>;
  evaluate(...args: Parameters<SacEngine["evaluate"]>): Promise<PolicyEvaluation>;
  update(batch: TransitionBatch): Promise<UpdateLosses>;
  getState(): Promise<SacState>;
  snapshot(): Promise<ActorSnapshot>;
}

/**
 * SacEngine whose updates run later, in order, in a worker thread (threaded-sac-engine.ts): update
 * queues the minibatch and returns null, and its losses come from takeLosses once the worker ran
 * it. Acting uses the newest weights the worker has published. Every reading call (getState,
 * snapshot, alphas, updateCount) first waits for the queued updates, so it sees what a synchronous
 * engine would after the same calls; setHyperparameters is queued in order with the updates.
 */
export interface QueuedSacEngine extends Omit<SacEngine, "update"> {
  update(batch: TransitionBatch): null;
  /** Losses of the updates the worker finished since the last call, in order; `wait`: all queued ones. */
  takeLosses(wait: boolean): UpdateLosses[];
  /** Waits until every queued update has run and its weights act. */
  drain(): void;
}
