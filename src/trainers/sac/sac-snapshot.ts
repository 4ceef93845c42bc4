// Reads an actor's parameters (by key, from either engine) into the plain ActorSnapshot layout
// the ONNX exporter consumes: dense kernels [in][out] row-major (tfjs' own layout), conv kernels
// HWIO -> OIHW, the fused actor head split back into mu / logSigma / one head per branch.

import type { ActorSnapshot, ConvWeights, DenseWeights, EncoderSnapshot } from "../common/actor-snapshot.js";
import type { RunningNormalizer } from "../common/running-normalizer.js";
import { flatSize, isVisual, VISUAL_STRIDES, type NetLayout } from "./networks.js";
import type { TensorData } from "./sac-state.js";

/** The parameter stored under a key such as "actor/body0/w" (a copy or a view the caller may keep). */
export type ParameterReader = (key: string) => TensorData;

function denseWeights(read: ParameterReader, key: string): DenseWeights {
  const w = read(`${key}/w`);
  const [inSize, outSize] = w.shape;
  return { inSize, outSize, kernel: w.data.slice(), bias: read(`${key}/b`).data.slice() };
}

/** Columns [from, from + count) of a [rows][cols] row-major matrix. */
function columns(src: Float32Array, rows: number, cols: number, from: number, count: number): Float32Array {
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols + from, r * cols + from + count), r * count);
  return out;
}

function headSlice(w: TensorData, b: TensorData, from: number, count: number): DenseWeights {
  const [rows, cols] = w.shape;
  return { inSize: rows, outSize: count, kernel: columns(w.data, rows, cols, from, count), bias: b.data.slice(from, from + count) };
}

function convWeights(read: ParameterReader, key: string, stride: number): ConvWeights {
  const w = read(`${key}/w`);
  const [kh, kw, ci, co] = w.shape;
  const hwio = w.data;
  const oihw = new Float32Array(hwio.length);
  for (let h = 0; h < kh; h++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) oihw[((o * ci + i) * kh + h) * kw + x] = hwio[((h * kw + x) * ci + i) * co + o];
  return { inChannels: ci, outChannels: co, kernelH: kh, kernelW: kw, strideH: stride, strideW: stride, kernel: oihw, bias: read(`${key}/b`).data.slice() };
}

export function actorSnapshot(read: ParameterReader, layout: NetLayout, normalizers: readonly (RunningNormalizer | null)[]): ActorSnapshot {
  const encoders: EncoderSnapshot[] = layout.obsShapes.map((shape, i) => {
    if (isVisual(shape)) {
      const key = `actor/enc${i}`;
      return {
        kind: "visual",
        shape: [shape[0], shape[1], shape[2]],
        conv1: convWeights(read, `${key}/conv1`, VISUAL_STRIDES.conv1),
        conv2: convWeights(read, `${key}/conv2`, VISUAL_STRIDES.conv2),
        dense: denseWeights(read, `${key}/dense`),
      };
    }
    const n = normalizers[i];
    return { kind: "vector", size: flatSize(shape), normalizer: n ? { mean: n.meanVector(), std: n.stdVector() } : null };
  });
  const a = layout.continuousSize;
  const hw = read("actor/head/w");
  const hb = read("actor/head/b");
  let col = 2 * a;
  const heads = layout.branches.map((b) => {
    const h = headSlice(hw, hb, col, b);
    col += b;
    return h;
  });
  return {
    encoders,
    body: Array.from({ length: layout.numLayers }, (_, l) => denseWeights(read, `actor/body${l}`)),
    continuous: a > 0 ? { size: a, mu: headSlice(hw, hb, 0, a), logSigma: headSlice(hw, hb, a, a) } : null,
    discrete: layout.branches.length > 0 ? { branchSizes: [...layout.branches], heads } : null,
  };
}
