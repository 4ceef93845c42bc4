// Worker-thread side of GpuWorkerSacModel: owns the WebGPU backend and one GpuSacModel, answers one
// request at a time on its MessagePort and wakes the blocked caller through the shared flag.
// The caller blocks (Atomics.wait) while this thread's event loop runs Dawn's read-backs, which is
// what makes a synchronous model API possible on a backend that only reads asynchronously.

import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import { ActionSpec, type BehaviorSpec } from "../../env/behavior-spec.js";
import { initBackend } from "../backend.js";
import { GpuSacModel } from "./gpu-sac-model.js";

export interface GpuWorkerInit {
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
  readonly spec: { observationSpecs: BehaviorSpec["observationSpecs"]; continuousSize: number; branches: number[] };
  readonly settings: TrainerSettings;
  readonly seed: number;
  readonly allowSoftwareGpu: boolean;
}

export interface GpuWorkerRequest {
  readonly op: "ready" | "act" | "update" | "updateNormalizer" | "setHyperparameters" | "getState" | "setState" | "dispose";
  readonly args: unknown[];
}

const init = workerData as GpuWorkerInit;
const flag = new Int32Array(init.flag);

function reply(message: { result?: unknown; error?: string }): void {
  init.port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

let model: GpuSacModel | null = null;
let failure: string | null = null;
try {
  await initBackend("gpu", { allowSoftwareGpu: init.allowSoftwareGpu });
  const spec: BehaviorSpec = { observationSpecs: init.spec.observationSpecs, actionSpec: new ActionSpec(init.spec.continuousSize, init.spec.branches) };
  model = new GpuSacModel(spec, init.settings, init.seed);
} catch (e) {
  failure = (e as Error).message;
}

init.port.on("message", async ({ op, args }: GpuWorkerRequest) => {
  try {
    if (model === null) throw new Error(failure ?? "the GPU model is not initialized");
    const m = model;
    const handlers: Record<GpuWorkerRequest["op"], () => unknown> = {
      ready: () => m.engine,
      act: () => m.act(args[0] as Float32Array[], args[1] as number, args[2] as Uint8Array[] | null, args[3] as boolean),
      update: () => m.update(args[0] as Parameters<GpuSacModel["update"]>[0]),
      updateNormalizer: () => m.updateNormalizer(args[0] as Float32Array[], args[1] as number),
      setHyperparameters: () => m.setHyperparameters(args[0] as Parameters<GpuSacModel["setHyperparameters"]>[0]),
      getState: () => m.getState(),
      setState: () => m.setState(args[0] as Parameters<GpuSacModel["setState"]>[0]),
      dispose: () => m.dispose(),
    };
    reply({ result: await handlers[op]() });
  } catch (e) {
    reply({ error: (e as Error).message });
  }
});
parentPort?.unref();
