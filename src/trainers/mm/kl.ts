// The distillation divergences of Mix & Match (Czarnecki et al. 2018, arXiv 1806.01780, method section;
// docs/mix-and-match.md §3:
// L = L_RL(π_mm) + λ(1 − α) E_s[KL(π_1(·|s) ‖ π_2(·|s))]), for the policy families of the SAC actor.
// Every function is a pure tf computation returning one value per row [B], differentiable in both
// arguments; the trainer stops the gradient of the teacher π_i (only the target is pulled).

import * as tf from "@tensorflow/tfjs-core";
import { maskedLogSoftmax } from "../sac/categorical.js";
import "../sac/gradients.js";

/**
 * KL(π_p ‖ π_q) [B] of two tanh-squashed diagonal Gaussians with pre-squash means and log-σ [B, D].
 * KL is invariant under a bijection applied to both distributions, and a = tanh(u) is one, so the
 * KL of the squashed policies is exactly that of the underlying Gaussians (closed form, e.g.
 * Bishop, PRML eq. 2.157 per dimension; the diagonal sums over dimensions):
 *   Σ_d [log σ_q − log σ_p + (σ_p² + (μ_p − μ_q)²) / (2 σ_q²) − 1/2].
 */
export function squashedGaussianKl(muP: tf.Tensor2D, logSigmaP: tf.Tensor2D, muQ: tf.Tensor2D, logSigmaQ: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const varQ = tf.exp(tf.mul(2, logSigmaQ));
    const ratio = tf.div(tf.add(tf.exp(tf.mul(2, logSigmaP)), tf.square(tf.sub(muP, muQ))), tf.mul(2, varQ));
    const perDim = tf.sub(tf.add(tf.sub(logSigmaQ, logSigmaP), ratio), 0.5);
    return tf.sum(perDim, 1) as tf.Tensor1D;
  });
}

/** Masks in the form maskedLogSoftmax takes: keep = 1 − mask, penalty = −1e8 · mask, both [B, Σ branches]. */
export interface MaskTensors {
  keep: tf.Tensor2D;
  penalty: tf.Tensor2D;
}

/**
 * Σ_b KL(p_b ‖ q_b) [B] over the discrete branches, from logits [B, Σ branches]. Both are
 * renormalized over the allowed actions exactly as the policy acts (maskedLogSoftmax), and masked
 * actions are left out of the sum (p = 0 there, and 0 · log 0 counts as 0).
 */
export function maskedCategoricalKl(logitsP: tf.Tensor2D, logitsQ: tf.Tensor2D, masks: MaskTensors, branches: readonly number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const p = maskedLogSoftmax(logitsP, masks.keep, masks.penalty, branches);
    const q = maskedLogSoftmax(logitsQ, masks.keep, masks.penalty, branches);
    // keep zeroes masked terms explicitly: their log-ratio is (−1e8) − (−1e8) up to rounding.
    const terms = tf.mul(masks.keep, tf.mul(p.probs, tf.sub(p.logProbs, q.logProbs)));
    return tf.sum(terms, 1) as tf.Tensor1D;
  });
}

/**
 * Largest |a| a macro-action's continuous value is taken at when scored by the target: tanh never
 * reaches ±1, where the squashed log-density is −∞. atanh(0.995) ≈ 2.99 in the pre-squash space.
 */
export const MACRO_ACTION_EDGE = 0.995;

/**
 * The target's log-likelihood of each macro-action [B, N], up to a term that does not depend on the
 * target: log N(atanh(m_c); μ_q, σ_q) summed over continuous dimensions (the tanh Jacobian of a
 * fixed point is a constant) plus Σ_b log q_b(m_c,b) over discrete branches.
 * `macroU` [N, D] holds atanh of the clipped continuous values; `macroOneHot` [N, Σ branches]
 * the one-hot of each macro-action's discrete values. Either part may be absent (D or branches 0).
 */
export function macroActionLogLikelihood(
  target: { mu?: tf.Tensor2D; logSigma?: tf.Tensor2D; logits?: tf.Tensor2D; masks?: MaskTensors; branches: readonly number[] },
  macroU: tf.Tensor2D | null,
  macroOneHot: tf.Tensor2D | null,
): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    if (macroU !== null && target.mu !== undefined && target.logSigma !== undefined) {
      // [B, 1, D] against [1, N, D]: −(u − μ)² / (2σ²) − log σ − log(2π)/2, summed over D.
      // reshape, not expandDims: the SAC gradient set (sac/gradients.ts) registers Reshape's gradient.
      const [b, d] = target.mu.shape;
      const mu = tf.reshape(target.mu, [b, 1, d]);
      const logSigma = tf.reshape(target.logSigma, [b, 1, d]);
      const z = tf.div(tf.sub(tf.reshape(macroU, [1, macroU.shape[0], d]), mu), tf.exp(logSigma));
      const perDim = tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logSigma), 0.5 * Math.log(2 * Math.PI));
      parts.push(tf.sum(perDim, 2) as tf.Tensor2D);
    }
    if (macroOneHot !== null && target.logits !== undefined && target.masks !== undefined) {
      const q = maskedLogSoftmax(target.logits, target.masks.keep, target.masks.penalty, target.branches);
      // [B, Σ branches] x [Σ branches, N]: picks and sums the log-probability of each macro's index per branch.
      // (the one-hot is a constant, transposed beforehand: the registered MatMul gradient takes no transposed inputs)
      parts.push(tf.matMul(q.logProbs, tf.transpose(macroOneHot)));
    }
    if (parts.length === 0) throw new Error("macroActionLogLikelihood: the macro-actions have neither continuous nor discrete values");
    return (parts.length === 1 ? parts[0]! : tf.add(parts[0]!, parts[1]!)) as tf.Tensor2D;
  });
}

/**
 * The distillation term of a macro-action component π_i (a categorical over N macro-actions, log-probs
 * [B, N]) toward the target: the cross-entropy −Σ_c π_i(c) log π_K(m(c)) [B]. For a discrete target
 * with distinct macro-actions this is KL(π_i ‖ π_K) + H(π_i), and H(π_i) does not depend on the
 * target, so the target's gradient is the KL's. For a continuous target π_i puts its mass on points,
 * where the KL to a density is infinite; the cross-entropy is the finite part that moves the target
 * (the KL against π_i smoothed by any fixed kernel differs from it by a constant in the target).
 * Masked macro-actions (p = 0) contribute 0.
 */
export function macroActionCrossEntropy(componentLogProbs: tf.Tensor2D, targetLogLikelihood: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    // A masked macro-action may also be impossible for the target: its score is the finite −1e8 of
    // the mask penalty (never −∞), so p = 0 times it is exactly 0 and it drops out.
    return tf.neg(tf.sum(tf.mul(tf.exp(componentLogProbs), targetLogLikelihood), 1)) as tf.Tensor1D;
  });
}
