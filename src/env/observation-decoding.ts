// ObservationProto -> ObservationSpec (once per behavior) and -> Float32Array (per agent, per step).
// Shapes are checked before anything is allocated, so a hostile shape cannot exhaust memory.
import { CompressionTypeProto, type ObservationProto } from "../protocol/generated/mlagents_envs/communicator_objects/observation.js";
import { DimensionProperty, ObservationType, observationSize, type ObservationSpec } from "./behavior-spec.js";
import { BehaviorSpecError, PngDecodeError } from "./errors.js";
import { decodePngObservation } from "./png-decoding.js";

/** Cap on floats per observation per agent (64M floats = 256 MB); also keeps sizes far below 2^31. */
export const MAX_OBSERVATION_FLOATS = 64 * 1024 * 1024;

/** How a trainer encodes an observation (docs/protocol.md §3.1); "unsupported" shapes are refused. */
export type ObservationKind = "vector" | "visual" | "variable-length" | "unsupported";

const U = DimensionProperty.UNSPECIFIED;
const N = DimensionProperty.NONE;
const T = DimensionProperty.TRANSLATIONAL_EQUIVARIANCE;
const V = DimensionProperty.VARIABLE_SIZE;

function sameProps(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function observationKind(spec: Pick<ObservationSpec, "shape" | "dimensionProperties">): ObservationKind {
  const p = spec.dimensionProperties;
  switch (spec.shape.length) {
    case 1:
      return sameProps(p, [N]) || sameProps(p, [U]) ? "vector" : "unsupported";
    case 2:
      return sameProps(p, [V, N]) ? "variable-length" : "unsupported";
    case 3:
      return sameProps(p, [N, T, T]) || sameProps(p, [U, U, U]) ? "visual" : "unsupported";
    default:
      return "unsupported";
  }
}

const fmt = (xs: readonly number[]): string => `[${xs.join(", ")}]`;

/** Builds and validates the spec of observation `index` from the first agent of a new behavior. */
export function observationSpecFromProto(obs: ObservationProto, index: number, behaviorName: string): ObservationSpec {
  const shape = [...obs.shape];
  const fail = (problem: string): never => {
    throw new BehaviorSpecError(behaviorName, `observation ${index} ${problem}`);
  };
  if (shape.length < 1 || shape.length > 3) fail(`has rank ${shape.length} (shape ${fmt(shape)}); only ranks 1 to 3 are supported`);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`has a negative dimension in shape ${fmt(shape)}`);
  const floats = shape.reduce((a, b) => a * b, 1);
  if (floats > MAX_OBSERVATION_FLOATS) {
    fail(`has shape ${fmt(shape)} = ${floats} floats per agent, over the cap of ${MAX_OBSERVATION_FLOATS}`);
  }
  const props = obs.dimensionProperties.length === 0 ? shape.map(() => U) : [...obs.dimensionProperties];
  if (props.length !== shape.length) {
    fail(`has ${props.length} dimension properties ${fmt(props)} for rank-${shape.length} shape ${fmt(shape)}`);
  }
  const type = obs.observationType as number;
  if (type !== ObservationType.DEFAULT && type !== ObservationType.GOAL_SIGNAL) fail(`has unknown observation type ${type}`);
  const spec: ObservationSpec = {
    name: obs.name,
    shape: Object.freeze(shape),
    dimensionProperties: Object.freeze(props as DimensionProperty[]),
    observationType: type as ObservationType,
  };
  const kind = observationKind(spec);
  if (kind === "unsupported") {
    fail(`is an unsupported sensor: shape ${fmt(shape)} with dimension properties ${fmt(props)}`);
  }
  if (kind === "variable-length") {
    // Training would flatten them and no ONNX export could describe the model: refuse up front.
    fail(`is a variable-length observation (BufferSensor, shape ${fmt(shape)}), which mlagents-ts does not support yet`);
  }
  return spec;
}

/** The observation's floats: the message's own array when uncompressed (no copy), else decoded pixels. */
export type DecodedObservation = { readonly data: ArrayLike<number> } | { readonly fault: string };

/**
 * Decodes one agent's observation `index` against the behavior's spec; a fault names what is wrong.
 * Runs once per agent per step: uncompressed data is checked in place and copied once, into the batch.
 */
export function decodeObservation(obs: ObservationProto, spec: ObservationSpec, index: number): DecodedObservation {
  if (!sameProps(obs.shape, spec.shape)) {
    return { fault: `observation ${index} has shape ${fmt(obs.shape)}, expected ${fmt(spec.shape)}` };
  }
  const size = observationSize(spec);
  let data: ArrayLike<number>;
  switch (obs.compressionType as number) {
    case CompressionTypeProto.NONE: {
      const src = obs.floatData?.data;
      if (src === undefined) return { fault: `observation ${index} has no float data` };
      if (src.length !== size) return { fault: `observation ${index} has ${src.length} floats, expected ${size}` };
      data = src;
      break;
    }
    case CompressionTypeProto.PNG: {
      if (obs.compressedData === undefined) return { fault: `observation ${index} is PNG-compressed but has no compressed data` };
      try {
        data = decodePngObservation(obs.compressedData, spec.shape, obs.compressedChannelMapping);
      } catch (e) {
        if (e instanceof PngDecodeError) return { fault: `observation ${index} is an ${e.message}` };
        throw e;
      }
      break;
    }
    default:
      return { fault: `observation ${index} has unknown compression type ${obs.compressionType}` };
  }
  for (let i = 0; i < data.length; i++) {
    // As a float32, which is what the batch will hold (a double beyond float32 range becomes Inf).
    const v = Math.fround(data[i]!);
    if (v - v !== 0) return { fault: `observation ${index} has ${Number.isNaN(v) ? "NaN" : "Inf"}` };
  }
  return { data };
}
