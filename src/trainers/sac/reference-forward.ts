// Plain Float32Array forward pass over an ActorSnapshot, independent of TensorFlow.js: the
// reference that the tfjs actor and the ONNX export are both checked against. PBT evaluation
// episodes also act with it (src/run/population/evaluation-episodes.ts): a frozen snapshot's
// policy without a second model.

import type { ActorSnapshot, ConvWeights, DenseWeights, EncoderSnapshot } from "../common/actor-snapshot.js";

export interface ReferenceOutput {
  /** [n * A] pre-squash mean and clipped log sigma. */
  readonly mu: Float32Array;
  readonly logSigma: Float32Array;
  /** tanh(mu), [n * A]. */
  readonly deterministicContinuous: Float32Array;
  /** Per branch, masked softmax probabilities [n * size]. */
  readonly probs: Float32Array[];
  /** [n * numBranches] argmax of the masked probabilities. */
  readonly deterministicDiscrete: Int32Array;
}

function denseRow(x: Float32Array, d: DenseWeights): Float32Array {
  const y = Float32Array.from(d.bias);
  for (let i = 0; i < d.inSize; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let o = 0; o < d.outSize; o++) y[o] += xi * d.kernel[i * d.outSize + o];
  }
  return y;
}

const leaky = (v: number): number => (v > 0 ? v : 0.01 * v);
const swish = (v: number): number => v / (1 + Math.exp(-v));

/** Valid convolution of a CHW image with an OIHW kernel; output CHW (after LeakyReLU). */
function convLeaky(x: Float32Array, c: number, h: number, w: number, k: ConvWeights): { out: Float32Array; h: number; w: number } {
  const oh = Math.floor((h - k.kernelH) / k.strideH) + 1;
  const ow = Math.floor((w - k.kernelW) / k.strideW) + 1;
  const out = new Float32Array(k.outChannels * oh * ow);
  for (let o = 0; o < k.outChannels; o++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++) {
        let s = k.bias[o];
        for (let i = 0; i < c; i++)
          for (let kh = 0; kh < k.kernelH; kh++)
            for (let kw = 0; kw < k.kernelW; kw++)
              s += x[(i * h + r * k.strideH + kh) * w + q * k.strideW + kw] * k.kernel[((o * c + i) * k.kernelH + kh) * k.kernelW + kw];
        out[(o * oh + r) * ow + q] = leaky(s);
      }
  return { out, h: oh, w: ow };
}

function encode(e: EncoderSnapshot, row: Float32Array): Float32Array {
  if (e.kind === "vector") {
    if (!e.normalizer) return row;
    const { mean, std } = e.normalizer;
    return row.map((v, j) => Math.min(5, Math.max(-5, (v - mean[j]) / std[j])));
  }
  const [c, h, w] = e.shape;
  const a = convLeaky(row, c, h, w, e.conv1);
  const b = convLeaky(a.out, e.conv1.outChannels, a.h, a.w, e.conv2);
  return denseRow(b.out, e.dense).map(leaky); // b.out is already flattened in C,H,W order
}

/**
 * obs: one [n * size] array per observation (visual in C,H,W order); masks: per branch
 * [n * size] with 1 = masked, or null.
 */
export function referenceForward(s: ActorSnapshot, obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): ReferenceOutput {
  const A = s.continuous?.size ?? 0;
  const branches = s.discrete?.branchSizes ?? [];
  const mu = new Float32Array(n * A);
  const logSigma = new Float32Array(n * A);
  const probs = branches.map((b) => new Float32Array(n * b));
  const det = new Int32Array(n * branches.length);
  for (let r = 0; r < n; r++) {
    const parts = s.encoders.map((e, i) => {
      const size = e.kind === "vector" ? e.size : e.shape[0] * e.shape[1] * e.shape[2];
      return encode(e, obs[i].slice(r * size, (r + 1) * size));
    });
    let h = new Float32Array(parts.reduce((t, p) => t + p.length, 0));
    let off = 0;
    for (const p of parts) {
      h.set(p, off);
      off += p.length;
    }
    for (const layer of s.body) h = denseRow(h, layer).map(swish);
    if (s.continuous) {
      mu.set(denseRow(h, s.continuous.mu), r * A);
      logSigma.set(denseRow(h, s.continuous.logSigma).map((v) => Math.min(2, Math.max(-20, v))), r * A);
    }
    s.discrete?.heads.forEach((head, b) => {
      const size = branches[b];
      const logits = denseRow(h, head);
      const m = masks?.[b];
      let max = -Infinity;
      for (let j = 0; j < size; j++) if (!m?.[r * size + j]) max = Math.max(max, logits[j]);
      let sum = 0;
      const p = new Float64Array(size);
      for (let j = 0; j < size; j++) sum += p[j] = m?.[r * size + j] ? 0 : Math.exp(logits[j] - max);
      let best = 0;
      for (let j = 0; j < size; j++) {
        probs[b][r * size + j] = p[j] / sum;
        if (p[j] > p[best]) best = j;
      }
      det[r * branches.length + b] = best;
    });
  }
  return { mu, logSigma, deterministicContinuous: mu.map(Math.tanh), probs, deterministicDiscrete: det };
}
