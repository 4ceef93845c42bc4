// The GPU engine (gpu-sac-engine.ts) behind the synchronous SacEngine interface. tfjs' webgpu backend
// reads tensors only asynchronously in Node, and the trainer calls act/update synchronously; so the
// engine lives in a worker thread (gpu-sac-worker.ts) and every call here posts a request and blocks
// until the worker answers (worker-link.ts: Atomics.wait, then receiveMessageOnPort). The worker's
// event loop keeps running Dawn's read-backs meanwhile.
// sac-model.ts creates it for the engine choice "gpu" (and "auto" on the WebGPU backend).

import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { ActionBatch, EngineHyperparameters, PolicyEvaluation, SacEngine, UpdateLosses } from "../sac/sac-engine.js";
import type { SacHyperparameters, SacState } from "../sac/sac-state.js";
import { WorkerLink } from "../common/worker-link.js";
import type { GpuWorkerInit, GpuWorkerRequest } from "./gpu-sac-worker.js";

/** How long one call may take before the worker is declared stuck (shader compiles on a software adapter take seconds). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;
/** Starting the worker: loading the source and initializing the backend. */
const START_TIMEOUT_MS = 2 * 60 * 1000;

export class GpuWorkerSacModel implements SacEngine {
  private readonly link: WorkerLink;
  private disposed = false;
  /** The worker's engine name (also proves it started). */
  readonly engine: string;
  readonly gemmCalls = 0;

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number, allowSoftwareGpu: boolean) {
    const init: GpuWorkerInit = {
      spec: { observationSpecs: spec.observationSpecs.map((o) => ({ ...o, shape: [...o.shape], dimensionProperties: [...o.dimensionProperties] })), continuousSize: spec.actionSpec.continuousSize, branches: [...spec.actionSpec.discreteBranches] },
      settings: structuredClone(settings),
      seed,
      allowSoftwareGpu,
    };
    this.link = new WorkerLink(new URL("./gpu-sac-worker.ts", import.meta.url), "GPU worker", init);
    this.engine = `${this.call("engine", [], START_TIMEOUT_MS) as string} in a worker thread`;
  }

  get updateCount(): number {
    return this.call("updateCount", []) as number;
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    return this.call("alphas", []) as { continuous: number | null; discrete: number[] };
  }

  // slice(): a view would carry its whole underlying buffer (the replay ring) across threads.
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    return this.call("act", [obs.map((o) => o.slice()), n, masks?.map((m) => m.slice()) ?? null, deterministic]) as ActionBatch;
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    return this.call("evaluate", [obs.map((o) => o.slice()), n, masks?.map((m) => m.slice()) ?? null]) as PolicyEvaluation;
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.call("updateNormalizer", [obs.map((o) => o.slice()), n]);
  }

  update(batch: TransitionBatch): UpdateLosses {
    const copy: TransitionBatch = {
      length: batch.length,
      obs: batch.obs.map((o) => o.slice()),
      nextObs: batch.nextObs.map((o) => o.slice()),
      continuousActions: batch.continuousActions.slice(),
      discreteActions: batch.discreteActions.slice(),
      rewards: batch.rewards.slice(),
      dones: batch.dones.slice(),
      actionMasks: batch.actionMasks.slice(),
      nextActionMasks: batch.nextActionMasks.slice(),
    };
    return this.call("update", [copy]) as UpdateLosses;
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.call("setHyperparameters", [h]);
  }

  hyperparameters(): SacHyperparameters {
    return this.call("hyperparameters", []) as SacHyperparameters;
  }

  getState(): SacState {
    return this.call("getState", []) as SacState;
  }

  setState(state: SacState): void {
    this.call("setState", [state]);
  }

  snapshot(): ActorSnapshot {
    return this.call("snapshot", []) as ActorSnapshot;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.call("dispose", []);
    } finally {
      this.link.close();
    }
  }

  private call(op: GpuWorkerRequest["op"], args: unknown[], timeoutMs = CALL_TIMEOUT_MS): unknown {
    this.link.post({ op, args } satisfies GpuWorkerRequest);
    const answer = this.link.receive(timeoutMs, `"${op}"`) as { result?: unknown; error?: string };
    if (answer.error !== undefined) throw new Error(`GPU engine ${op}: ${answer.error}`);
    return answer.result;
  }
}
