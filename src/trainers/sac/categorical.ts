// Masked categorical distributions, one per discrete branch (ML-Agents MultiCategorical).
// Masked actions get probability exactly 0 and the rest is renormalized (docs/protocol.md §6.4, masking).

import * as tf from "@tensorflow/tfjs-core";
import "./gradients.js";

const MASK_PENALTY = 1e8;

/**
 * keep = 1 - mask and penalty = -1e8 * mask, as [n, sum(branches)] Float32Arrays.
 * `mask` is row-major [n * sum(branches)] with 1 = masked, or null for "nothing masked".
 */
export function maskTensorsData(mask: Uint8Array | null, rows: number, total: number): { keep: Float32Array; penalty: Float32Array } {
  const keep = new Float32Array(rows * total).fill(1);
  const penalty = new Float32Array(rows * total);
  if (mask !== null && mask.length > 0) {
    for (let i = 0; i < rows * total; i++) {
      if (mask[i]) {
        keep[i] = 0;
        penalty[i] = -MASK_PENALTY;
      }
    }
  }
  return { keep, penalty };
}

/**
 * Per-branch masked log-softmax over logits [..., B, sum(branches)]: logits * keep - 1e8 * mask, then
 * log p = z - logsumexp(z) within each branch. Returns log-probs and probs, both shaped as logits.
 */
export function maskedLogSoftmax<R extends tf.Rank>(
  logits: tf.Tensor<R>,
  keep: tf.Tensor<R> | tf.Tensor,
  penalty: tf.Tensor<R> | tf.Tensor,
  branches: readonly number[],
): { logProbs: tf.Tensor<R>; probs: tf.Tensor<R> } {
  const z = tf.add(tf.mul(logits, keep), penalty);
  const parts = branches.length === 1 ? [z] : tf.split(z, branches as number[], -1);
  const logs = parts.map(logSoftmax);
  const logProbs = (logs.length === 1 ? logs[0] : tf.concat(logs, -1)) as tf.Tensor<R>;
  return { logProbs, probs: tf.exp(logProbs) as tf.Tensor<R> };
}

/** Per-branch entropy -sum_a p log p, [..., B, numBranches]; masked actions contribute 0 (p = 0). */
export function branchEntropies<R extends tf.Rank>(probs: tf.Tensor<R>, logProbs: tf.Tensor<R>, branches: readonly number[]): tf.Tensor<R> {
  const plogp = tf.mul(probs, logProbs);
  const parts = branches.length === 1 ? [plogp] : tf.split(plogp, branches as number[], -1);
  return tf.neg(tf.concat(parts.map((p) => tf.sum(p, -1, true)), -1)) as tf.Tensor<R>;
}

/**
 * log softmax over the last axis with its own gradient dz = dy - softmax(z) * sum(dy): the
 * max-shift is a constant, so no Max gradient is needed.
 */
function logSoftmax(z: tf.Tensor): tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const shifted = tf.sub(x, tf.max(x, -1, true));
    const value = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), -1, true)));
    save([value]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.sub(dy, tf.mul(tf.exp(saved[0]), tf.sum(dy, -1, true)))] };
  })(z);
}
