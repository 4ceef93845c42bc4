// Worker-thread side of GpuWorkerSacModel: owns the WebGPU backend and one GpuSacEngine, answers one
// request at a time (blocking-worker.ts: serveBlocking wakes the blocked caller).
// The caller blocks (Atomics.wait) while this thread's event loop runs Dawn's read-backs, which is
// what makes a synchronous engine possible on a backend that only reads asynchronously.

import { parentPort, workerData } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { AsyncSacEngine } from "../sac/sac-engine.js";
import { initBackend } from "../backend.js";
import { serveBlocking, type BlockingWorkerData } from "./blocking-worker.js";
import { fromPlainSpec, type PlainSpec } from "./forwarding-sac-engine.js";
import { GpuSacEngine } from "./gpu-sac-engine.js";

export interface GpuWorkerInit {
  readonly spec: PlainSpec;
  readonly settings: TrainerSettings;
  readonly seed: number;
  readonly allowSoftwareGpu: boolean;
}

/** A method of the engine, called with `args`, or a property, read. */
export interface GpuWorkerRequest {
  readonly op: keyof AsyncSacEngine;
  readonly args: unknown[];
}

const init = workerData as GpuWorkerInit & BlockingWorkerData;

let engine: GpuSacEngine | null = null;
let failure: string | null = null;
try {
  await initBackend("gpu", { allowSoftwareGpu: init.allowSoftwareGpu });
  engine = GpuSacEngine.create(fromPlainSpec(init.spec), init.settings, init.seed);
} catch (e) {
  failure = (e as Error).message;
}

serveBlocking<GpuWorkerRequest>(init, async ({ op, args }) => {
  if (engine === null) throw new Error(failure ?? "the GPU engine is not initialized");
  const member: unknown = engine[op];
  return typeof member === "function" ? await (member as (...a: unknown[]) => unknown).apply(engine, args) : member;
});
parentPort?.unref();
