// Worker-thread side of GpuPopulation (gpu-population.ts): owns the WebGPU backend and the engines
// (GpuSacEngine) of a population's members of one vector layout, and answers one request at a time:
// a member's own call (act, state, hyperparameters, ...), or one round of updates of several
// members, run as stacked updates (member-stacks.ts, batched-tape-sac.ts). Before a member's own
// variables are read or replaced, the stack that updated last is written back, so each member's
// act, getState, snapshot and setState see exactly its own latest weights.

import { workerData } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { TransitionBatch } from "../common/transition.js";
import { initBackend } from "../backend.js";
import type { AsyncSacEngine } from "../sac/sac-engine.js";
import { serveBlocking, type BlockingWorkerData } from "./blocking-worker.js";
import { GpuSacEngine } from "./gpu-sac-engine.js";
import { fromPlainSpec, type PlainSpec } from "./forwarding-sac-engine.js";
import { MemberStacks } from "./member-stacks.js";

export interface GpuPopulationWorkerData extends BlockingWorkerData {
  readonly allowSoftwareGpu: boolean;
}

export type GpuPopulationRequest =
  | { readonly op: "add"; readonly spec: PlainSpec; readonly settings: TrainerSettings; readonly seed: number }
  /** A method of member `member`'s engine called with `args`, or a property read. */
  | { readonly op: "member"; readonly member: number; readonly name: keyof AsyncSacEngine; readonly args: unknown[] }
  | { readonly op: "update"; readonly members: number[]; readonly batches: TransitionBatch[] }
  | { readonly op: "remove"; readonly member: number }
  | { readonly op: "counts" };

/** Calls that read or replace a member's own weights on the device: the last stack is written back first. */
const DEVICE_CALLS = new Set<string>(["act", "evaluate", "getState", "snapshot", "setState", "update"]);
/** Calls after which the member's own weights differ from every stack's copy. */
const CHANGING_CALLS = new Set<string>(["setState", "update"]);

const data = workerData as GpuPopulationWorkerData;
const stacks = new MemberStacks();
let failure: string | null = null;
try {
  await initBackend("gpu", { allowSoftwareGpu: data.allowSoftwareGpu });
} catch (e) {
  failure = (e as Error).message;
}

async function handle(request: GpuPopulationRequest): Promise<unknown> {
  if (failure !== null) throw new Error(failure);
  switch (request.op) {
    case "add": {
      return stacks.add(GpuSacEngine.create(fromPlainSpec(request.spec), request.settings, request.seed));
    }
    case "member": {
      const engine = stacks.member(request.member) as GpuSacEngine;
      if (DEVICE_CALLS.has(request.name)) stacks.settleFor(request.member);
      const value: unknown = engine[request.name];
      const result: unknown = typeof value === "function" ? await (value as (...a: unknown[]) => unknown).apply(engine, request.args) : value;
      if (CHANGING_CALLS.has(request.name)) stacks.changed(request.member);
      return result;
    }
    case "update":
      return stacks.update(request.members, request.batches);
    case "remove":
      stacks.remove(request.member).dispose();
      return null;
    case "counts":
      return { ...stacks.counts };
  }
}

serveBlocking<GpuPopulationRequest>(data, handle);
