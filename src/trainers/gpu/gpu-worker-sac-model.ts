// The GPU engine (gpu-sac-engine.ts) behind the synchronous SacEngine interface. tfjs' webgpu backend
// reads tensors only asynchronously in Node, and the trainer calls act/update synchronously; so the
// engine lives in a worker thread (gpu-sac-worker.ts) and every call here posts a request and blocks
// on a shared flag until the worker answers (Atomics.wait; the answer is taken with
// receiveMessageOnPort). The worker's event loop keeps running Dawn's read-backs meanwhile.
// sac-model.ts creates it for the engine choice "gpu" (and "auto" on the WebGPU backend).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { ActionBatch, EngineHyperparameters, PolicyEvaluation, SacEngine, UpdateLosses } from "../sac/sac-engine.js";
import type { SacHyperparameters, SacState } from "../sac/sac-state.js";
import type { GpuWorkerInit, GpuWorkerRequest } from "./gpu-sac-worker.js";

/** How long one call may take before the worker is declared stuck (shader compiles on a software adapter take seconds). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;
/** Starting the worker: loading the source and initializing the backend. */
const START_TIMEOUT_MS = 2 * 60 * 1000;

export class GpuWorkerSacModel implements SacEngine {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private disposed = false;
  /** The worker's engine name (also proves it started). */
  readonly engine: string;
  readonly gemmCalls = 0;

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number, allowSoftwareGpu: boolean) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    const init: GpuWorkerInit = {
      port: port2,
      flag,
      spec: { observationSpecs: spec.observationSpecs.map((o) => ({ ...o, shape: [...o.shape], dimensionProperties: [...o.dimensionProperties] })), continuousSize: spec.actionSpec.continuousSize, branches: [...spec.actionSpec.discreteBranches] },
      settings: structuredClone(settings),
      seed,
      allowSoftwareGpu,
    };
    // The boot file registers tsx's loader in the worker, then loads gpu-sac-worker.ts.
    this.worker = new Worker(new URL("./gpu-sac-worker-boot.mjs", import.meta.url), { workerData: init, transferList: [port2] });
    this.worker.unref();
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
      this.port.close();
      void this.worker.terminate();
    }
  }

  private call(op: GpuWorkerRequest["op"], args: unknown[], timeoutMs = CALL_TIMEOUT_MS): unknown {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ op, args } satisfies GpuWorkerRequest);
    if (Atomics.wait(this.flag, 0, 0, timeoutMs) === "timed-out") throw new Error(`GPU worker did not answer "${op}" within ${timeoutMs / 1000} s`);
    const answer = receiveMessageOnPort(this.port)?.message as { result?: unknown; error?: string } | undefined;
    if (answer === undefined) throw new Error(`GPU worker woke without an answer to "${op}"`);
    if (answer.error !== undefined) throw new Error(`GPU engine ${op}: ${answer.error}`);
    return answer.result;
  }
}
