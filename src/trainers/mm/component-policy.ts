// The pieces of a Mix & Match update that concern one component, as pure tf functions (called
// inside the model's tf.tidy and gradient tape): its policy at a batch of states, its soft value
// against the shared critics (docs/mix-and-match.md §3), its entropy figures, its divergence from
// the target (§3.1), and its per-update noise and masks.

import * as tf from "@tensorflow/tfjs-core";
import type { TransitionBatch } from "../common/transition.js";
import { branchEntropies, maskedLogSoftmax, maskTensorsData } from "../sac/categorical.js";
import { criticForward, type CriticVars } from "../sac/networks.js";
import type { MaskData } from "../sac/sac-common.js";
import { gaussianConstant, LOG_SIGMA_MAX, LOG_SIGMA_MIN, sampleSquashed } from "../sac/squashed-gaussian.js";
import { macroActionMask } from "./action-mapping.js";
import { macroActionCrossEntropy, macroActionLogLikelihood, maskedCategoricalKl, squashedGaussianKl } from "./kl.js";
import type { MmComponent } from "./mm-component.js";

export interface PolicyOut {
  mu: tf.Tensor2D | null;
  logSigma: tf.Tensor2D | null;
  action: tf.Tensor2D | null;
  logProbC: tf.Tensor1D | null;
  logits: tf.Tensor2D | null;
  probs: tf.Tensor2D | null;
  logProbs: tf.Tensor2D | null;
}

/** π_c(.|s): distribution parameters, a reparameterized continuous sample with its log-density, masked branch distributions. */
export function componentPolicy(comp: MmComponent, all: tf.Tensor2D, n: number, eps: Float32Array | null, mask: MaskData | null, params: boolean): PolicyOut {
  const { continuousSize: A, branches } = comp.common.layout;
  const S = comp.common.total;
  const raw = comp.forward(all, params);
  const out: PolicyOut = { mu: null, logSigma: null, action: null, logProbC: null, logits: null, probs: null, logProbs: null };
  if (A > 0) {
    out.mu = tf.slice(raw, [0, 0], [n, A]) as tf.Tensor2D;
    out.logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX) as tf.Tensor2D;
    const sample = sampleSquashed(out.mu, out.logSigma, tf.tensor2d(eps!, [n, A]), tf.tensor1d(gaussianConstant(eps!, n, A)));
    out.action = sample.action;
    out.logProbC = sample.logProb;
  }
  if (S > 0) {
    out.logits = (A > 0 ? tf.slice(raw, [0, 2 * A], [n, S]) : raw) as tf.Tensor2D;
    const d = maskedLogSoftmax(out.logits, tf.tensor2d(mask!.keep, [n, S]), tf.tensor2d(mask!.penalty, [n, S]), branches);
    out.probs = d.probs;
    out.logProbs = d.logProbs;
  }
  return out;
}

/**
 * V_c(s) = E_{a~π_c}[min_j Q_j(s, m_c(a)) − α_c log π_c(a|s)], [n]. Target-space components as
 * tape-engine.ts softValue; a macro-action component exactly over its N macro-actions, each
 * scored by the critics at the target action it stands for.
 */
export function softValue(comp: MmComponent, critics: CriticVars, s: tf.Tensor2D[], pi: PolicyOut, n: number, actorStep: boolean, targetBranches: number): tf.Tensor1D {
  const needs = { params: false, action: actorStep };
  if (comp.macros === null) {
    const q = criticForward(critics, s, pi.action, needs);
    const minQ = tf.min(q, 0);
    let v: tf.Tensor;
    if (pi.probs) {
      const alphaCols = tf.tensor1d(Float32Array.from(comp.common.alphaColumns()));
      v = tf.div(tf.sum(tf.mul(pi.probs, tf.sub(minQ, tf.mul(alphaCols, pi.logProbs!))), 1), comp.common.layout.branches.length);
    } else v = tf.reshape(minQ, [n]);
    if (pi.logProbC) v = tf.sub(v, tf.mul(pi.logProbC, comp.common.alphaContinuous));
    return v as tf.Tensor1D;
  }
  const qMacro = macroQ(comp, critics, s, n, targetBranches);
  const alphaC = comp.common.alphaColumns()[0]!;
  return tf.sum(tf.mul(pi.probs!, tf.sub(qMacro, tf.mul(alphaC, pi.logProbs!))), 1) as tf.Tensor1D;
}

/** min_j Q_j(s, m(c)) for every macro-action c, [n, N]: the critics on n × N rows. */
function macroQ(comp: MmComponent, critics: CriticVars, s: tf.Tensor2D[], n: number, targetBranches: number): tf.Tensor2D {
  const N = comp.macros!.count;
  const tile = (x: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.tile(tf.expandDims(x, 1), [1, N, 1]), [n * N, x.shape[1]]);
  const action = comp.macroContinuous ? (tf.tile(comp.macroContinuous, [n, 1]) as tf.Tensor2D) : null;
  const q = criticForward(critics, s.map(tile), action, { params: false, action: false });
  const minQ = tf.min(q, 0) as tf.Tensor2D; // [n N, K]
  const nb = targetBranches;
  const perRow = comp.macroOneHot ? tf.div(tf.sum(tf.mul(minQ, tf.tile(comp.macroOneHot, [n, 1])), 1), nb) : tf.reshape(minQ, [n * N]);
  return tf.reshape(perRow, [n, N]) as tf.Tensor2D;
}

/** Mean log π (continuous) and branch entropies of one component, in finishUpdate's order. */
export function entropyFigures(comp: MmComponent, pi: PolicyOut): tf.Tensor {
  const parts: tf.Tensor[] = [];
  if (pi.logProbC) parts.push(tf.reshape(tf.mean(pi.logProbC), [1]));
  if (pi.probs) parts.push(tf.mean(branchEntropies(pi.probs, pi.logProbs!, comp.common.layout.branches), 0));
  return parts.length === 1 ? parts[0]! : tf.concat(parts);
}

/** KL(π_i ‖ π_K) per state (kl.ts), or the macro-action cross-entropy; the teacher carries no gradient. */
export function divergence(comp: MmComponent, teacher: PolicyOut, target: PolicyOut, targetMask: MaskData | null, branches: readonly number[]): tf.Tensor1D {
  const n = (target.mu ?? target.logits)!.shape[0];
  const S = branches.reduce((a, b) => a + b, 0);
  const masks = targetMask ? { keep: tf.tensor2d(targetMask.keep, [n, S]), penalty: tf.tensor2d(targetMask.penalty, [n, S]) } : undefined;
  if (comp.macros !== null) {
    const ll = macroActionLogLikelihood(
      { ...(target.mu ? { mu: target.mu, logSigma: target.logSigma! } : {}), ...(target.logits && masks ? { logits: target.logits, masks } : {}), branches },
      comp.macroU,
      comp.macroOneHot,
    );
    return macroActionCrossEntropy(teacher.logProbs!, ll);
  }
  let kl: tf.Tensor1D = tf.zeros([n]);
  if (target.mu) kl = tf.add(kl, squashedGaussianKl(teacher.mu!, teacher.logSigma!, target.mu, target.logSigma!)) as tf.Tensor1D;
  if (target.logits && masks) kl = tf.add(kl, maskedCategoricalKl(teacher.logits!, target.logits, masks, branches)) as tf.Tensor1D;
  return kl;
}

/** The identity with a zero gradient (tfjs-core has no stop_gradient): the teacher of a KL is held fixed. */
const identityWithoutGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)] };
});

export function stopGradient(pi: PolicyOut): PolicyOut {
  const stop = <T extends tf.Tensor | null>(t: T): T => (t === null ? t : (identityWithoutGradient(t) as T));
  return { mu: stop(pi.mu), logSigma: stop(pi.logSigma), action: stop(pi.action), logProbC: stop(pi.logProbC), logits: stop(pi.logits), probs: stop(pi.probs), logProbs: stop(pi.logProbs) };
}

/** Noise and masks of one component for an update (its own action space; macro masks derived from the target's). */
export function componentConstants(comp: MmComponent, batch: TransitionBatch, n: number, targetTotal: number): { eps: Float32Array | null; epsNext: Float32Array | null; maskNow: MaskData | null; maskNext: MaskData | null } {
  const A = comp.common.layout.continuousSize;
  const S = comp.common.total;
  const epsNext = A > 0 ? comp.common.rng.fillNormal(new Float32Array(n * A)) : null;
  const eps = A > 0 ? comp.common.rng.fillNormal(new Float32Array(n * A)) : null;
  const own = (mask: Uint8Array): Uint8Array | null =>
    comp.macros === null ? mask : macroActionMask(comp.macros, targetTotal > 0 && mask.length > 0 ? mask : null, n).mask;
  return {
    eps,
    epsNext,
    maskNow: S > 0 ? maskTensorsData(own(batch.actionMasks), n, S) : null,
    maskNext: S > 0 ? maskTensorsData(own(batch.nextActionMasks), n, S) : null,
  };
}
