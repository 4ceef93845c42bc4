// Reads the tfjs actor into the plain ActorSnapshot layout the ONNX exporter consumes:
// dense kernels [in][out] row-major (tfjs' own layout), conv kernels HWIO -> OIHW, the fused
// actor head split back into mu / logSigma / one head per branch.

import type * as tf from "@tensorflow/tfjs-core";
import type { ActorSnapshot, ConvWeights, DenseWeights, EncoderSnapshot } from "../common/actor-snapshot.js";
import type { RunningNormalizer } from "../common/running-normalizer.js";
import { flatSize, isVisual, type ActorVars, type ConvVars, type DenseVars, type NetLayout } from "./networks.js";

function read(v: tf.Variable): Float32Array {
  return v.dataSync() as Float32Array;
}

function denseWeights(d: DenseVars): DenseWeights {
  const [inSize, outSize] = d.w.shape;
  return { inSize, outSize, kernel: read(d.w).slice(), bias: read(d.b).slice() };
}

/** Columns [from, from + count) of a [rows][cols] row-major matrix. */
function columns(src: Float32Array, rows: number, cols: number, from: number, count: number): Float32Array {
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols + from, r * cols + from + count), r * count);
  return out;
}

function headSlice(d: DenseVars, from: number, count: number): DenseWeights {
  const [rows, cols] = d.w.shape;
  return { inSize: rows, outSize: count, kernel: columns(read(d.w), rows, cols, from, count), bias: read(d.b).slice(from, from + count) };
}

function convWeights(c: ConvVars): ConvWeights {
  const [kh, kw, ci, co] = c.w.shape;
  const hwio = read(c.w);
  const oihw = new Float32Array(hwio.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) oihw[((o * ci + i) * kh + h) * kw + w] = hwio[((h * kw + w) * ci + i) * co + o];
  return { inChannels: ci, outChannels: co, kernelH: kh, kernelW: kw, strideH: c.stride, strideW: c.stride, kernel: oihw, bias: read(c.b).slice() };
}

export function actorSnapshot(actor: ActorVars, layout: NetLayout, normalizers: readonly (RunningNormalizer | null)[]): ActorSnapshot {
  const encoders: EncoderSnapshot[] = layout.obsShapes.map((shape, i) => {
    const v = actor.visual[i];
    if (v !== null && isVisual(shape)) {
      return { kind: "visual", shape: [shape[0], shape[1], shape[2]], conv1: convWeights(v.conv1), conv2: convWeights(v.conv2), dense: denseWeights(v.dense) };
    }
    const n = normalizers[i];
    return { kind: "vector", size: flatSize(shape), normalizer: n ? { mean: n.meanVector(), std: n.stdVector() } : null };
  });
  const a = layout.continuousSize;
  let col = 2 * a;
  const heads = layout.branches.map((b) => {
    const h = headSlice(actor.head, col, b);
    col += b;
    return h;
  });
  return {
    encoders,
    body: actor.body.map(denseWeights),
    continuous: a > 0 ? { size: a, mu: headSlice(actor.head, 0, a), logSigma: headSlice(actor.head, a, a) } : null,
    discrete: layout.branches.length > 0 ? { branchSizes: [...layout.branches], heads } : null,
  };
}
