// The whole state of a SAC engine (sac-engine.ts) as plain data (weights, Adam moments and step
// counts, log-alphas, normalizers, RNG, hyperparameters), and its compact binary form: "SACS"
// magic, u32 version, u32 header length, a JSON header, then every tensor as raw little-endian float32.

import type { RunningNormalizerState } from "../common/running-normalizer.js";
import { SacStateError } from "./errors.js";

/**
 * The engine's own copy of the hyperparameters its update reads. Set by the trainer from
 * MutableHyperparameters (src/trainers/hyperparameters.ts), which are the ones users and PBT change.
 */
export interface SacHyperparameters {
  learningRate: number;
  gamma: number;
  tau: number;
  /** Continuous target entropy (default -|A|). */
  targetEntropyContinuous: number;
  /** Per-branch target entropy (default 0.2 ln(branch size), ML-Agents). */
  targetEntropyDiscrete: number[];
}

export interface SacStateLayout {
  readonly obsShapes: number[][];
  readonly continuousSize: number;
  readonly branches: number[];
  readonly hiddenUnits: number;
  readonly numLayers: number;
  readonly normalize: boolean;
}

export interface TensorData {
  readonly shape: number[];
  readonly data: Float32Array;
}

export interface SacState {
  readonly format: "mlagents-ts/sac-state";
  readonly version: 1;
  readonly layout: SacStateLayout;
  readonly hyperparameters: SacHyperparameters;
  /** Keys like "actor/body0/w", "critic/head/b", "target/body1/w", "adam/actor/m". */
  readonly tensors: Record<string, TensorData>;
  readonly adamSteps: { readonly actor: number; readonly critic: number };
  /** log alpha: continuous first (if any), then one per branch; with their Adam moments (float64). */
  readonly alpha: { readonly logAlphas: number[]; readonly m: number[]; readonly v: number[]; readonly step: number };
  readonly normalizers: (RunningNormalizerState | null)[];
  readonly rng: number;
  readonly updates: number;
}

/** The state's tensor `key`, checked against the expected size (SacStateError otherwise). */
export function stateTensor(state: SacState, key: string, size: number): Float32Array {
  const t = state.tensors[key];
  if (!t || t.data.length !== size) throw new SacStateError(`tensors.${key}`, t ? `has ${t.data.length} values, expected ${size}` : "is missing");
  return t.data;
}

const MAGIC = 0x53434153; // "SACS" little-endian
const VERSION = 1;

export function serializeSacState(state: SacState): Uint8Array {
  const names = Object.keys(state.tensors);
  let offset = 0;
  const entries = names.map((name) => {
    const t = state.tensors[name];
    const e = { name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const { tensors: _omit, ...rest } = state;
  const header = new TextEncoder().encode(JSON.stringify({ ...rest, tensors: entries }));
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const out = new Uint8Array(12 + headerPadded + offset * 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, header.length, true);
  out.set(header, 12);
  let p = 12 + headerPadded;
  for (const name of names) {
    const data = state.tensors[name].data;
    for (let i = 0; i < data.length; i++, p += 4) dv.setFloat32(p, data[i], true);
  }
  return out;
}

export function deserializeSacState(bytes: Uint8Array): SacState {
  if (bytes.length < 12) throw new SacStateError("bytes", `too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new SacStateError("magic", "not a mlagents-ts SAC state file");
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new SacStateError("version", `${version} is not supported (expected ${VERSION})`);
  const headerLength = dv.getUint32(8, true);
  const headerPadded = Math.ceil(headerLength / 4) * 4;
  if (12 + headerPadded > bytes.length) throw new SacStateError("header", `length ${headerLength} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    throw new SacStateError("header", `is not valid JSON (${(e as Error).message})`);
  }
  if (header.format !== "mlagents-ts/sac-state") throw new SacStateError("format", `unexpected ${String(header.format)}`);
  const entries = header.tensors;
  if (!Array.isArray(entries)) throw new SacStateError("tensors", "missing");
  const base = 12 + headerPadded;
  const floats = (bytes.length - base) / 4;
  const tensors: Record<string, TensorData> = {};
  for (const e of entries as { name: unknown; shape: unknown; offset: unknown; length: unknown }[]) {
    const { name, shape, offset, length } = e;
    if (typeof name !== "string" || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SacStateError("tensors", `entry ${JSON.stringify(name)} is malformed`);
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isInteger(offset) || length !== size || (offset as number) < 0 || (offset as number) + size > floats) {
      throw new SacStateError(`tensors.${name}`, `shape [${shape.join(", ")}] does not fit the data section`);
    }
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const v = dv.getFloat32(base + 4 * ((offset as number) + i), true);
      if (!Number.isFinite(v)) throw new SacStateError(`tensors.${name}`, `value ${i} is not finite`);
      data[i] = v;
    }
    tensors[name] = { shape: shape as number[], data };
  }
  for (const key of ["layout", "hyperparameters", "adamSteps", "alpha", "normalizers"]) {
    if (typeof header[key] !== "object" || header[key] === null) throw new SacStateError(key, "missing");
  }
  return { ...(header as unknown as SacState), tensors };
}
