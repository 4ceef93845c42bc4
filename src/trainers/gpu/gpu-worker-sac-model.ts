// SAC on the GPU behind SacTrainer's synchronous model interface. tfjs' webgpu backend reads tensors
// only asynchronously in Node, and the trainer calls act/update synchronously; so the GPU model
// lives in a worker thread (gpu-sac-worker.ts) and every call here posts a request and blocks on
// a shared flag until the worker answers (Atomics.wait; the answer is taken with
// receiveMessageOnPort). The worker's event loop keeps running Dawn's read-backs meanwhile.
// Snapshots for ONNX export are made on this thread by a CPU SacModel loaded with the worker's state.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { EngineHyperparameters, UpdateLosses } from "../sac/sac-engine.js";
import { SacModel } from "../sac/sac-model.js";
import { defaultSacDeps, type SacModelLike, type SacTrainerDeps } from "../sac/sac-trainer.js";
import type { SacState } from "../sac/sac-state.js";
import type { GpuWorkerInit, GpuWorkerRequest } from "./gpu-sac-worker.js";

/** How long one call may take before the worker is declared stuck (shader compiles on a software adapter take seconds). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;
/** Starting the worker: loading the source and initializing the backend. */
const START_TIMEOUT_MS = 2 * 60 * 1000;

/** SacTrainer dependencies that put every model on the GPU (`--device gpu`). */
export function gpuSacDeps(allowSoftwareGpu: boolean): SacTrainerDeps {
  return { ...defaultSacDeps, createModel: (spec, settings, seed) => new GpuWorkerSacModel(spec, settings, seed, allowSoftwareGpu) };
}

export class GpuWorkerSacModel implements SacModelLike {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private mirror: SacModel | null = null;
  private disposed = false;
  /** The worker's engine name (also proves it started). */
  readonly engine: string;

  constructor(
    private readonly spec: BehaviorSpec,
    private readonly settings: TrainerSettings,
    private readonly seed: number,
    allowSoftwareGpu: boolean,
  ) {
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
    this.engine = `${this.call("ready", [], START_TIMEOUT_MS) as string} in a worker thread`;
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array } {
    return this.call("act", [obs.map((o) => o.slice()), n, masks?.map((m) => m.slice()) ?? null, deterministic]) as { continuous: Float32Array; discrete: Int32Array };
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.call("updateNormalizer", [obs.map((o) => o.slice()), n]);
  }

  update(batch: TransitionBatch): UpdateLosses {
    // slice(): a view would carry its whole underlying buffer (the replay ring) across threads.
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

  getState(): SacState {
    return this.call("getState", []) as SacState;
  }

  setState(state: unknown): void {
    this.call("setState", [state]);
  }

  /** The actor as plain data, through a CPU copy of the model (same weights and normalizers). */
  snapshot(): ActorSnapshot {
    this.mirror ??= new SacModel(this.spec, this.settings, this.seed, { engine: "tape" });
    this.mirror.setState(this.getState());
    return this.mirror.snapshot();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.call("dispose", []);
    } finally {
      this.mirror?.dispose();
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
    if (answer.error !== undefined) throw new Error(`GPU model ${op}: ${answer.error}`);
    return answer.result;
  }
}
