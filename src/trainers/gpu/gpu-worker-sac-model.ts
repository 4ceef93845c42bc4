// The GPU engine (gpu-sac-engine.ts) behind the synchronous SacEngine interface. tfjs' webgpu backend
// reads tensors only asynchronously in Node, and the trainer calls act/update synchronously; so the
// engine lives in a worker thread (gpu-sac-worker.ts) and every call here posts a request and blocks
// until the worker answers (blocking-worker.ts). The worker's event loop keeps running Dawn's
// read-backs meanwhile. The methods themselves are forwarding-sac-engine.ts's.
// sac-model.ts creates it for the engine choice "gpu" (and "auto" on the WebGPU backend).

import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { AsyncSacEngine } from "../sac/sac-engine.js";
import { BlockingWorker } from "./blocking-worker.js";
import { ForwardingSacEngine, toPlainSpec } from "./forwarding-sac-engine.js";
import type { GpuWorkerInit, GpuWorkerRequest } from "./gpu-sac-worker.js";

/** How long one call may take before the worker is declared stuck (shader compiles on a software adapter take seconds). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;
/** Starting the worker: loading the source and initializing the backend. */
const START_TIMEOUT_MS = 2 * 60 * 1000;

export class GpuWorkerSacModel extends ForwardingSacEngine {
  private readonly worker: BlockingWorker;
  private disposed = false;
  /** The worker's engine name (also proves it started). */
  readonly engine: string;

  constructor(spec: BehaviorSpec, settings: TrainerSettings, seed: number, allowSoftwareGpu: boolean) {
    super();
    const init: GpuWorkerInit = { spec: toPlainSpec(spec), settings: structuredClone(settings), seed, allowSoftwareGpu };
    this.worker = new BlockingWorker(new URL("./gpu-sac-worker.ts", import.meta.url), { ...init }, "GPU engine");
    this.engine = `${this.call("engine", [], START_TIMEOUT_MS) as string} in a worker thread`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.call("dispose", []);
    } finally {
      this.worker.close();
    }
  }

  protected call(op: keyof AsyncSacEngine, args: unknown[], timeoutMs = CALL_TIMEOUT_MS): unknown {
    const request: GpuWorkerRequest = { op, args };
    return this.worker.call(request, timeoutMs);
  }
}
