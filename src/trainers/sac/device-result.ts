// Results of the tape engine that are still on the device, and the two ways to read them: at once
// (dataSync: wasm, cpu, native TensorFlow) or awaited (data(): WebGPU in Node, whose backend cannot
// read synchronously). The SAC equations build the output (tape-engine.ts); the engine chooses how
// to read it, so the equations exist once for every backend.

import * as tf from "@tensorflow/tfjs-core";
import type { TensorData } from "./sac-state.js";

/**
 * A result still on the device: the caller reads `output`, disposes it, and `finish` turns the
 * values into the result (host-side steps, such as the entropy-coefficient step, included).
 */
export interface DeviceResult<T> {
  readonly output: tf.Tensor;
  finish(values: Float32Array): T;
}

/** Reads with dataSync(): for backends that can read synchronously. */
export function readNow<T>(result: DeviceResult<T>): T {
  let values: Float32Array;
  try {
    values = result.output.dataSync() as Float32Array;
  } finally {
    result.output.dispose();
  }
  return result.finish(values);
}

/** Reads with an awaited data(): for every backend, and the only way on WebGPU in Node. */
export async function readWhenReady<T>(result: DeviceResult<T>): Promise<T> {
  let values: Float32Array;
  try {
    values = (await result.output.data()) as Float32Array;
  } finally {
    result.output.dispose();
  }
  return result.finish(values);
}

/** Tensors flattened into one, so that they are read back at once. */
export function packFlat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D);
}

/** The inverse of packFlat: a copy of each tensor's values, by key. */
export function unpackFlat(entries: readonly (readonly [string, tf.Tensor])[], flat: Float32Array): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  let at = 0;
  for (const [key, t] of entries) out[key] = { shape: [...t.shape], data: flat.slice(at, (at += t.size)) };
  if (at !== flat.length) throw new RangeError(`read ${flat.length} values for tensors of ${at}`);
  return out;
}
