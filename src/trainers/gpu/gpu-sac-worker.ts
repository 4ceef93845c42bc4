// Worker-thread side of GpuWorkerSacModel: owns the WebGPU backend and one GpuSacEngine, answers one
// request at a time through its WorkerLink (worker-link.ts), which wakes the blocked caller.
// The caller blocks (Atomics.wait) while this thread's event loop runs Dawn's read-backs, which is
// what makes a synchronous engine possible on a backend that only reads asynchronously.

import { parentPort, workerData } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import { ActionSpec, type BehaviorSpec } from "../../env/behavior-spec.js";
import type { AsyncSacEngine } from "../sac/sac-engine.js";
import { initBackend } from "../backend.js";
import { linkPost, type WorkerLinkData } from "../common/worker-link.js";
import { GpuSacEngine } from "./gpu-sac-engine.js";

export interface GpuWorkerInit {
  readonly spec: { observationSpecs: BehaviorSpec["observationSpecs"]; continuousSize: number; branches: number[] };
  readonly settings: TrainerSettings;
  readonly seed: number;
  readonly allowSoftwareGpu: boolean;
}

/** A method of the engine, called with `args`, or a property, read. */
export interface GpuWorkerRequest {
  readonly op: keyof AsyncSacEngine;
  readonly args: unknown[];
}

const init = workerData as GpuWorkerInit & WorkerLinkData;

function reply(message: { result?: unknown; error?: string }): void {
  linkPost(init, message);
}

let engine: GpuSacEngine | null = null;
let failure: string | null = null;
try {
  await initBackend("gpu", { allowSoftwareGpu: init.allowSoftwareGpu });
  const spec: BehaviorSpec = { observationSpecs: init.spec.observationSpecs, actionSpec: new ActionSpec(init.spec.continuousSize, init.spec.branches) };
  engine = GpuSacEngine.create(spec, init.settings, init.seed);
} catch (e) {
  failure = (e as Error).message;
}

init.port.on("message", async ({ op, args }: GpuWorkerRequest) => {
  try {
    if (engine === null) throw new Error(failure ?? "the GPU engine is not initialized");
    const member: unknown = engine[op];
    reply({ result: typeof member === "function" ? await (member as (...a: unknown[]) => unknown).apply(engine, args) : member });
  } catch (e) {
    reply({ error: (e as Error).message });
  }
});
parentPort?.unref();
