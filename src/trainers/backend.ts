// Chooses the TensorFlow.js backend. Native TensorFlow bindings are optional packages (not
// installed by default): auto tries them first, then WebAssembly, then plain JavaScript.
// Names follow mlagents-learn's --torch-device where they overlap: "cpu" means "no GPU" (native
// TensorFlow if installed, else WebAssembly), "cuda" / "cuda:N" the GPU package; "gpu" is WebGPU
// through Dawn (npm only: Vulkan on Linux); "js" is the slow plain-JavaScript backend, chosen only
// when asked for (tests use it: deterministic, quick to start). auto never picks "gpu".
// Prints nothing; the CLI reports what was chosen.

import * as tf from "@tensorflow/tfjs-core";
import { acquireWebGpu, formatAdapter, GpuAdapterError, type GpuAdapterInfo } from "./gpu/webgpu-adapter.js";

export type BackendRequest = "auto" | "wasm" | "js" | "cpu" | "tensorflow" | "cuda" | "gpu";

export interface BackendChoice {
  name: string;
  description: string;
  /** The WebGPU adapter, for "gpu". */
  adapter?: GpuAdapterInfo;
}

export interface BackendOptions {
  /** Accept a software WebGPU adapter (lavapipe) for "gpu": correctness runs and CI, not speed. */
  readonly allowSoftwareGpu?: boolean;
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly requested: BackendRequest,
    readonly packageName: string,
    cause: string,
  ) {
    super(`backend "${requested}" is not available (${cause}); install it with: npm install ${packageName}${requested === "cuda" ? ' (or use --device gpu: WebGPU, no CUDA needed)' : ""}`);
    this.name = "BackendUnavailableError";
  }
}

// The name is a runtime string, so TypeScript does not need the optional packages installed.
async function importOptional(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function useNative(pkg: string, requested: BackendRequest): Promise<BackendChoice | null> {
  if (!(await importOptional(pkg))) {
    if (requested !== "auto") throw new BackendUnavailableError(requested, pkg, `package ${pkg} could not be loaded`);
    return null;
  }
  if (!(await tf.setBackend("tensorflow"))) {
    if (requested !== "auto") throw new BackendUnavailableError(requested, pkg, "the tensorflow backend failed to initialize");
    return null;
  }
  await tf.ready();
  return { name: "tensorflow", description: `native TensorFlow via ${pkg}` };
}

async function useWasm(requested: BackendRequest): Promise<BackendChoice | null> {
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    // One thread: small SAC matrices gain nothing from the worker pool and it would compete with
    // the environment for the cores. Must be set before the backend initializes.
    if (tf.findBackend("wasm") === null) {
      try {
        wasm.setThreadsCount(1);
      } catch {
        // Already initialized elsewhere: keep its thread count.
      }
    }
    if (!(await tf.setBackend("wasm"))) throw new Error("initialization failed");
    await tf.ready();
    return { name: "wasm", description: `WebAssembly (tfjs-backend-wasm ${wasm.version_wasm}, ${wasm.getThreadsCount()} thread)` };
  } catch (e) {
    if (requested === "wasm") throw new BackendUnavailableError(requested, "@tensorflow/tfjs-backend-wasm", (e as Error).message);
    return null;
  }
}

async function useWebGpu(options: BackendOptions): Promise<BackendChoice> {
  let adapter: GpuAdapterInfo;
  try {
    adapter = await acquireWebGpu(options.allowSoftwareGpu ?? false);
  } catch (e) {
    if (e instanceof GpuAdapterError && e.reason === "software") throw e; // not a missing package
    throw new BackendUnavailableError("gpu", "webgpu", (e as Error).message);
  }
  try {
    // Registers "webgpu" at import because navigator.gpu is now set.
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    throw new BackendUnavailableError("gpu", "@tensorflow/tfjs-backend-webgpu", (e as Error).message);
  }
  if (!(await tf.setBackend("webgpu"))) throw new BackendUnavailableError("gpu", "@tensorflow/tfjs-backend-webgpu", "the webgpu backend failed to initialize");
  await tf.ready();
  return { name: "webgpu", description: `WebGPU (tfjs-backend-webgpu ${tf.version_core}) on ${formatAdapter(adapter)}`, adapter };
}

async function useJs(): Promise<BackendChoice> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) throw new BackendUnavailableError("js", "@tensorflow/tfjs-backend-cpu", "initialization failed");
  await tf.ready();
  return { name: "cpu", description: "plain JavaScript (tfjs-backend-cpu)" };
}

/**
 * Selects and initializes a backend; throws BackendUnavailableError for an explicit request that
 * cannot load, GpuAdapterError for a software adapter refused under "gpu".
 */
export async function initBackend(requested: BackendRequest | string = "auto", options: BackendOptions = {}): Promise<BackendChoice> {
  const name = /^cuda(:\d+)?$/.test(requested) ? "cuda" : requested;
  switch (name) {
    case "cuda":
      return (await useNative("@tensorflow/tfjs-node-gpu", "cuda"))!;
    case "tensorflow":
      return (await useNative("@tensorflow/tfjs-node", "tensorflow"))!;
    case "wasm":
      return (await useWasm("wasm"))!;
    case "gpu":
      return useWebGpu(options);
    case "js":
      return useJs();
    case "cpu":
      return (await useNative("@tensorflow/tfjs-node", "auto")) ?? (await useWasm("wasm"))!;
    case "auto":
      return (
        (await useNative("@tensorflow/tfjs-node-gpu", "auto")) ??
        (await useNative("@tensorflow/tfjs-node", "auto")) ??
        (await useWasm("auto")) ??
        useJs()
      );
    default:
      throw new RangeError(`unknown backend "${requested}" (expected auto, cpu, gpu, wasm, js, tensorflow, cuda or cuda:N)`);
  }
}
