// Chooses the TensorFlow.js backend. Native TensorFlow bindings are optional packages (not
// installed by default): auto tries them first, then WebAssembly, then plain JavaScript.
// Names follow mlagents-learn's --torch-device where they overlap: "cpu" means "no GPU" (native
// TensorFlow if installed, else WebAssembly), "cuda" / "cuda:N" the GPU package; "js" is the slow
// plain-JavaScript backend, chosen only when asked for (tests use it: deterministic, quick to start).
// Prints nothing; the CLI reports what was chosen.

import * as tf from "@tensorflow/tfjs-core";

export type BackendRequest = "auto" | "wasm" | "js" | "cpu" | "tensorflow" | "cuda";

export interface BackendChoice {
  name: string;
  description: string;
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly requested: BackendRequest,
    readonly packageName: string,
    cause: string,
  ) {
    super(`backend "${requested}" is not available (${cause}); install it with: npm install ${packageName}`);
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

async function useJs(): Promise<BackendChoice> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) throw new BackendUnavailableError("js", "@tensorflow/tfjs-backend-cpu", "initialization failed");
  await tf.ready();
  return { name: "cpu", description: "plain JavaScript (tfjs-backend-cpu)" };
}

/** Selects and initializes a backend; throws BackendUnavailableError for an explicit request that cannot load. */
export async function initBackend(requested: BackendRequest | string = "auto"): Promise<BackendChoice> {
  const name = /^cuda(:\d+)?$/.test(requested) ? "cuda" : requested;
  switch (name) {
    case "cuda":
      return (await useNative("@tensorflow/tfjs-node-gpu", "cuda"))!;
    case "tensorflow":
      return (await useNative("@tensorflow/tfjs-node", "tensorflow"))!;
    case "wasm":
      return (await useWasm("wasm"))!;
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
      throw new RangeError(`unknown backend "${requested}" (expected auto, cpu, wasm, js, tensorflow, cuda or cuda:N)`);
  }
}
