// Chooses the SAC engine once, from the active tfjs backend and the observation kinds:
//   gpu (src/trainers/gpu/): on the WebGPU backend, or when asked for (`--device gpu`): the tape
//     engine's equations on WebGPU with awaited reads, in a worker thread so that the trainer's
//     synchronous calls work (a worker per model; with gpuPopulations, `pbt`, one per population
//     layout, whose updates are stacked). Never fast or tape there: fast needs wasm, tape reads synchronously;
//   fast (fast-engine.ts): only on the WebAssembly backend, whose internals it calls, and only
//     with vector observations (it has no convolution);
//   tape (tape-engine.ts): every other case, and the reference the fast one is checked against.
// SacModel is that choice behind one object, for code that constructs a model directly.
// A trainer's model (createTrainerModel) honours the trainer setting `threaded: true` where the
// fast engine runs: its updates then run in a worker thread (threaded-sac-engine.ts); elsewhere
// one info line says why not.

import * as tf from "@tensorflow/tfjs-core";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { GpuPopulationPool } from "../gpu/gpu-population.js";
import { GpuWorkerSacModel } from "../gpu/gpu-worker-sac-model.js";
import { SacEngineUnavailableError } from "./errors.js";
import { FastSacEngine } from "./fast-engine.js";
import { missingWasmInternals } from "./gemm.js";
import { isVisual } from "./networks.js";
import { SacCommon } from "./sac-common.js";
import type { ActionBatch, EngineChoice, EngineHyperparameters, PolicyEvaluation, QueuedSacEngine, SacEngine, UpdateLosses } from "./sac-engine.js";
import type { SacHyperparameters, SacState } from "./sac-state.js";
import { TapeSacEngine } from "./tape-engine.js";
import { ThreadedSacEngine } from "./threaded-sac-engine.js";
import type { Logger } from "../../util/logger.js";

export { serializeSacState, deserializeSacState } from "./sac-state.js";
export type { SacState, SacHyperparameters } from "./sac-state.js";
export type { EngineChoice, SacEngine, UpdateLosses } from "./sac-engine.js";

export interface SacModelOptions {
  /** "auto" (default): gpu on WebGPU, fast where it may run, else tape. An engine that cannot run is an error. */
  readonly engine?: EngineChoice;
  /** gpu engine: accept a software WebGPU adapter (lavapipe; correctness runs and CI). */
  readonly allowSoftwareGpu?: boolean;
  /**
   * gpu engine: members of a population (`pbt --device gpu`) with vector observations share one
   * worker per layout, which stacks their updates (gpu-population.ts); visual ones keep their own.
   */
  readonly gpuPopulations?: GpuPopulationPool;
}

/** Which engine `choice` resolves to for these observation shapes on the active backend; throws if it cannot run. */
export function resolveEngine(obsShapes: readonly (readonly number[])[], choice: EngineChoice = "auto"): "fast" | "tape" | "gpu" {
  if (tf.getBackend() === "webgpu") {
    if (choice === "auto" || choice === "gpu") return "gpu";
    throw new SacEngineUnavailableError(choice, "the WebGPU backend cannot read tensors synchronously in Node", "gpu");
  }
  if (choice === "gpu" || choice === "tape") return choice;
  const visual = obsShapes.some(isVisual);
  const missing = missingWasmInternals();
  if (choice === "fast") {
    if (visual) throw new SacEngineUnavailableError("fast", "it has no visual encoder (vis_encode_type simple needs the tape engine)", "tape");
    if (missing.length > 0) throw new SacEngineUnavailableError("fast", `it needs the WebAssembly backend's internals (missing: ${missing.join(", ")})`, "tape");
    return "fast";
  }
  return !visual && missing.length === 0 ? "fast" : "tape";
}

/** The SAC engine for a behavior (see resolveEngine for the choice). */
export function createSacEngine(spec: BehaviorSpec, settings: TrainerSettings, seed: number, options: SacModelOptions = {}): SacEngine {
  const common = new SacCommon(spec, settings, seed); // checks the settings for every engine, here on the caller's thread
  const engine = resolveEngine(common.layout.obsShapes, options.engine);
  // On the WebGPU backend this process has already accepted the adapter, software or not.
  if (engine === "gpu") {
    const pool = options.gpuPopulations;
    if (pool && !common.layout.obsShapes.some(isVisual)) return pool.member(JSON.stringify(common.layoutState()), spec, settings, seed);
    return new GpuWorkerSacModel(spec, settings, seed, options.allowSoftwareGpu ?? tf.getBackend() === "webgpu");
  }
  return engine === "fast" ? new FastSacEngine(common) : new TapeSacEngine(common);
}

/** Why `threaded: true` cannot move the updates of engine `engine` to a worker thread. */
function threadedUnusedReason(engine: "tape" | "gpu", obsShapes: readonly (readonly number[])[]): string {
  if (engine === "gpu") return "the gpu engine already runs in its own worker thread, which the trainer calls and waits for";
  if (obsShapes.some(isVisual)) return "visual observations train on the tape engine, whose TensorFlow.js backend belongs to the trainer's thread";
  return `the tape engine (backend ${tf.getBackend()}) runs on TensorFlow.js, whose backend belongs to the trainer's thread; the threaded update needs the fast engine (WebAssembly backend)`;
}

/**
 * A trainer's model: createSacEngine's engine, or with `settings.threaded` the fast engine's
 * updates in the process's worker thread (threaded-sac-engine.ts). Where the fast engine does not
 * run, `threaded` is not used and `logger` gets one info line saying why.
 */
export function createTrainerModel(spec: BehaviorSpec, settings: TrainerSettings, seed: number, options: SacModelOptions = {}, logger?: Logger, label = "this behavior"): SacEngine | QueuedSacEngine {
  if (!settings.threaded) return createSacEngine(spec, settings, seed, options);
  const common = new SacCommon(spec, settings, seed);
  const engine = resolveEngine(common.layout.obsShapes, options.engine);
  if (engine === "fast") return new ThreadedSacEngine(common, spec, settings, seed);
  logger?.info(`${label}: threaded: true is not used (${threadedUnusedReason(engine, common.layout.obsShapes)}); its updates run between environment steps.`);
  return createSacEngine(spec, settings, seed, options);
}

/** The engine chosen by createSacEngine, behind one class: `new SacModel(spec, settings, seed, { engine })`. */
export class SacModel implements SacEngine {
  private readonly impl: SacEngine;

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number, options: SacModelOptions = {}) {
    this.impl = createSacEngine(spec, settings, seed, options);
  }

  get engine(): string {
    return this.impl.engine;
  }

  /** The chosen engine itself (population-update.ts batches the updates of fast ones). */
  get core(): SacEngine {
    return this.impl;
  }

  get gemmCalls(): number {
    return this.impl.gemmCalls;
  }

  get updateCount(): number {
    return this.impl.updateCount;
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    return this.impl.alphas;
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    return this.impl.act(obs, n, masks, deterministic);
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    return this.impl.evaluate(obs, n, masks);
  }

  update(batch: TransitionBatch): UpdateLosses {
    return this.impl.update(batch);
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.impl.updateNormalizer(obs, n);
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.impl.setHyperparameters(h);
  }

  hyperparameters(): SacHyperparameters {
    return this.impl.hyperparameters();
  }

  getState(): SacState {
    return this.impl.getState();
  }

  setState(state: SacState): void {
    this.impl.setState(state);
  }

  snapshot(): ActorSnapshot {
    return this.impl.snapshot();
  }

  dispose(): void {
    this.impl.dispose();
  }
}
