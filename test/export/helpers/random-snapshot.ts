// Seeded random ActorSnapshots for export tests (no trainer needed), plus the PRNG they use.

import type {
  ActorSnapshot,
  ConvWeights,
  DenseWeights,
  EncoderSnapshot,
} from "../../../src/trainers/common/actor-snapshot.js";

/** mulberry32: tiny deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(r: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

function denseW(r: () => number, inSize: number, outSize: number, scale = 1, biasShift = 0): DenseWeights {
  const k = scale / Math.sqrt(inSize);
  return {
    inSize,
    outSize,
    kernel: uniform(r, inSize * outSize, -k * 1.7, k * 1.7),
    bias: uniform(r, outSize, biasShift - 0.2, biasShift + 0.2),
  };
}

function convW(r: () => number, inC: number, outC: number, k: number, stride: number): ConvWeights {
  const s = 1.7 / Math.sqrt(inC * k * k);
  return {
    inChannels: inC,
    outChannels: outC,
    kernelH: k,
    kernelW: k,
    strideH: stride,
    strideW: stride,
    kernel: uniform(r, outC * inC * k * k, -s, s),
    bias: uniform(r, outC, -0.1, 0.1),
  };
}

export interface RandomSnapshotOptions {
  seed: number;
  /** [N] vector or [C, H, W] visual, per observation. */
  observationShapes: number[][];
  /** Per vector observation: attach a random normalizer. */
  normalize?: boolean;
  hiddenUnits?: number;
  numLayers?: number;
  /** Dense size after a visual encoder. */
  visualHidden?: number;
  continuousSize?: number;
  branchSizes?: number[];
  /** Multiplies the head kernels: keeps pre-tanh samples moderate for statistical tests. */
  headScale?: number;
  /** Multiplies the discrete head kernels (default 2 * headScale): larger = sharper categorical. */
  discreteHeadScale?: number;
}

export function randomActorSnapshot(o: RandomSnapshotOptions): ActorSnapshot {
  const r = rng(o.seed);
  const hidden = o.hiddenUnits ?? 16;
  const layers = o.numLayers ?? 2;
  const headScale = o.headScale ?? 1;
  let width = 0;
  const encoders: EncoderSnapshot[] = o.observationShapes.map((shape) => {
    if (shape.length === 1) {
      const size = shape[0]!;
      width += size;
      return {
        kind: "vector",
        size,
        normalizer: o.normalize ? { mean: uniform(r, size, -1, 1), std: uniform(r, size, 0.2, 3) } : null,
      };
    }
    const [c, h, w] = shape as [number, number, number];
    const h1 = Math.floor((h - 8) / 4) + 1;
    const w1 = Math.floor((w - 8) / 4) + 1;
    const h2 = Math.floor((h1 - 4) / 2) + 1;
    const w2 = Math.floor((w1 - 4) / 2) + 1;
    const vh = o.visualHidden ?? hidden;
    width += vh;
    return {
      kind: "visual",
      shape: [c, h, w],
      conv1: convW(r, c, 16, 8, 4),
      conv2: convW(r, 16, 32, 4, 2),
      dense: denseW(r, 32 * h2 * w2, vh),
    };
  });
  const body: DenseWeights[] = [];
  for (let i = 0; i < layers; i++) {
    body.push(denseW(r, width, hidden));
    width = hidden;
  }
  const cs = o.continuousSize ?? 0;
  const bs = o.branchSizes ?? [];
  return {
    encoders,
    body,
    continuous:
      cs > 0 ? { size: cs, mu: denseW(r, width, cs, headScale), logSigma: denseW(r, width, cs, headScale, -1) } : null,
    discrete: bs.length > 0 ? { branchSizes: bs, heads: bs.map((b) => denseW(r, width, b, o.discreteHeadScale ?? 2 * headScale)) } : null,
  };
}
