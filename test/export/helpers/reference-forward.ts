// An independent forward pass of an ActorSnapshot in plain JS loops (float64), written from the
// snapshot's documented semantics, not from the exporter: the oracle the ONNX graph is checked against.

import type { ActorSnapshot, ConvWeights, DenseWeights } from "../../../src/trainers/common/actor-snapshot.js";

export interface ReferenceOutput {
  /** [n][continuousSize] */
  mu: number[][];
  /** [n][continuousSize], after clip(-20, 2) */
  logSigma: number[][];
  /** [n][branch][action] masked softmax probabilities */
  probs: number[][][];
}

function denseRow(x: number[], w: DenseWeights): number[] {
  const y: number[] = [];
  for (let o = 0; o < w.outSize; o++) {
    let s = w.bias[o]!;
    for (let i = 0; i < w.inSize; i++) s += x[i]! * w.kernel[i * w.outSize + o]!;
    y.push(s);
  }
  return y;
}

const leaky = (v: number): number => (v >= 0 ? v : 0.01 * v);

/** x: [C][H][W] flattened CHW; returns [O][H'][W'] flattened. */
function convChw(x: number[], c: number, h: number, w: number, k: ConvWeights): { y: number[]; h: number; w: number } {
  const oh = Math.floor((h - k.kernelH) / k.strideH) + 1;
  const ow = Math.floor((w - k.kernelW) / k.strideW) + 1;
  const y = new Array<number>(k.outChannels * oh * ow);
  for (let o = 0; o < k.outChannels; o++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let s = k.bias[o]!;
        for (let ci = 0; ci < c; ci++) {
          for (let a = 0; a < k.kernelH; a++) {
            for (let b = 0; b < k.kernelW; b++) {
              const xv = x[(ci * h + i * k.strideH + a) * w + j * k.strideW + b]!;
              s += xv * k.kernel[((o * c + ci) * k.kernelH + a) * k.kernelW + b]!;
            }
          }
        }
        y[(o * oh + i) * ow + j] = s;
      }
    }
  }
  return { y, h: oh, w: ow };
}

/** allowed: [n * sumBranches], 1 = allowed (ONNX convention), or null = all allowed. */
export function referenceForward(
  s: ActorSnapshot,
  obs: Float32Array[],
  n: number,
  allowed: Float32Array | null,
): ReferenceOutput {
  const out: ReferenceOutput = { mu: [], logSigma: [], probs: [] };
  for (let a = 0; a < n; a++) {
    let h: number[] = [];
    s.encoders.forEach((enc, i) => {
      if (enc.kind === "vector") {
        const x = Array.from(obs[i]!.subarray(a * enc.size, (a + 1) * enc.size));
        const z = enc.normalizer
          ? x.map((v, j) => Math.min(5, Math.max(-5, (v - enc.normalizer!.mean[j]!) / enc.normalizer!.std[j]!)))
          : x;
        h = h.concat(z);
        return;
      }
      const [c, hh, ww] = enc.shape;
      const x = Array.from(obs[i]!.subarray(a * c * hh * ww, (a + 1) * c * hh * ww));
      const c1 = convChw(x, c, hh, ww, enc.conv1);
      const c2 = convChw(c1.y.map(leaky), enc.conv1.outChannels, c1.h, c1.w, enc.conv2);
      h = h.concat(denseRow(c2.y.map(leaky), enc.dense).map(leaky));
    });
    for (const layer of s.body) {
      h = denseRow(h, layer).map((v) => v / (1 + Math.exp(-v)));
    }
    if (s.continuous) {
      out.mu.push(denseRow(h, s.continuous.mu));
      out.logSigma.push(denseRow(h, s.continuous.logSigma).map((v) => Math.min(2, Math.max(-20, v))));
    }
    if (s.discrete) {
      const total = s.discrete.branchSizes.reduce((x, y) => x + y, 0);
      let offset = 0;
      const rows: number[][] = [];
      s.discrete.branchSizes.forEach((size, b) => {
        const logits = denseRow(h, s.discrete!.heads[b]!);
        const m = logits.map((_, j) => (allowed ? allowed[a * total + offset + j]! : 1));
        const masked = logits.map((l, j) => l * m[j]! - 1e8 * (1 - m[j]!));
        const max = Math.max(...masked);
        const e = masked.map((v) => Math.exp(v - max));
        const z = e.reduce((x, y) => x + y, 0);
        rows.push(e.map((v) => v / z));
        offset += size;
      });
      out.probs.push(rows);
    }
  }
  return out;
}
