// What the SAC update graph (updateGraph in tape-engine.ts) takes: the networks it trains, the
// update's inputs as tensors, and the optimizer steps. The shapes carry a leading member shape L,
// [] for one model (TapeSac) or [N] for a population's stacked members (batched-tape-sac.ts), so
// one copy of the equations serves both.

import type * as tf from "@tensorflow/tfjs-core";
import type { ActorVars, CriticVars, NetLayout } from "./networks.js";

/**
 * The networks one update trains: one model's (TapeSac), or a population's stacked along a leading
 * member axis (batched-tape-sac.ts: weights [N, in, out], twin critics [2N, in, out]).
 */
export interface SacNets {
  readonly layout: NetLayout;
  readonly actor: ActorVars;
  readonly critic: CriticVars;
  readonly target: CriticVars;
  readonly actorParams: readonly tf.Variable[];
  readonly criticParams: readonly tf.Variable[];
}

/** Reparameterization noise [..., n, A] and its constant log-density part [..., n] (gaussianConstant). */
export interface Noise {
  readonly eps: tf.Tensor;
  readonly constant: tf.Tensor;
}

/** Branch masks as keep = 1 - mask and penalty = -1e8 mask, [..., n, S]. */
export interface DeviceMask {
  readonly keep: tf.Tensor;
  readonly penalty: tf.Tensor;
}

/**
 * One update's inputs on the device. Every tensor has the same leading member shape L: [] for one
 * model, [N] for N stacked members; the equations reduce over the batch axis (the last of
 * L + [n]) only, so the N members' losses are independent and their sum trains each one alone.
 */
export interface UpdateInputs {
  /** Prepared observations L + [n, d] (images NHWC, one model only). */
  readonly s: readonly tf.Tensor[];
  readonly s2: readonly tf.Tensor[];
  /** L + [n]. */
  readonly rewards: tf.Tensor;
  /** gamma (1 - done), L + [n]. */
  readonly discount: tf.Tensor;
  /** Taken continuous actions L + [n, A]. */
  readonly taken: tf.Tensor | null;
  /** Taken discrete actions one-hot, L + [1, n, S] (the 1 is the twin-critic axis). */
  readonly oneHot: tf.Tensor | null;
  /** At s (actor step) and at s' (target). */
  readonly eps: Noise | null;
  readonly epsNext: Noise | null;
  readonly maskNow: DeviceMask | null;
  readonly maskNext: DeviceMask | null;
  /** alpha_c: a number, or L + [1]. */
  readonly alphaContinuous: number | tf.Tensor;
  /** alpha_b over branch b's action columns: [S], or L + [1, S]. */
  readonly alphaColumns: tf.Tensor | null;
}

/** The optimizer steps: Adam per group (the critic's returns its new flat parameters), Polyak. */
export interface UpdateSteps {
  critic(grads: tf.Tensor[]): tf.Tensor;
  actor(grads: tf.Tensor[]): void;
  polyak(criticFlat: tf.Tensor): void;
}
