// Tanh-squashed diagonal Gaussian policy (SAC, Haarnoja et al. 2018, arXiv 1801.01290 App. C).

import * as tf from "@tensorflow/tfjs-core";
import "./gradients.js";

export const LOG_SIGMA_MIN = -20;
export const LOG_SIGMA_MAX = 2;

/**
 * log(1 - tanh(u)^2) in the stable form 2 (log 2 - u - softplus(-2u)) (SAC App. C, eq. 21's
 * Jacobian term): finite for any u, where the naive form hits log(0) once tanh(u) rounds to 1.
 */
export function logOneMinusTanhSquared(u: tf.Tensor): tf.Tensor {
  return tf.mul(2, tf.sub(tf.sub(Math.LN2, u), tf.softplus(tf.mul(-2, u))));
}

/**
 * Constant part of the log-density per row: sum_i (-eps_i^2 / 2 - log(2 pi) / 2). eps is a
 * constant (reparameterization, SAC eq. 11), so this is computed once in JS.
 */
export function gaussianConstant(eps: Float32Array, rows: number, dims: number): Float32Array {
  const out = new Float32Array(rows);
  const c = 0.5 * Math.log(2 * Math.PI) * dims;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < dims; i++) s += eps[r * dims + i] * eps[r * dims + i];
    out[r] = -0.5 * s - c;
  }
  return out;
}

/**
 * Reparameterized sample a = tanh(mu + sigma * eps) and its log-density [..., B] (over the last axis)
 * (SAC App. C eq. 21): log pi(a|s) = sum_i [log N(u_i; mu_i, sigma_i) - log(1 - tanh(u_i)^2)],
 * with log N(u; mu, sigma) = -eps^2/2 - log sigma - log(2 pi)/2 since (u - mu) / sigma = eps.
 * `constant` is gaussianConstant(eps).
 */
export function sampleSquashed(mu: tf.Tensor2D, logSigma: tf.Tensor2D, eps: tf.Tensor2D, constant: tf.Tensor1D): { action: tf.Tensor2D; logProb: tf.Tensor1D };
export function sampleSquashed(mu: tf.Tensor, logSigma: tf.Tensor, eps: tf.Tensor, constant: tf.Tensor): { action: tf.Tensor; logProb: tf.Tensor };
export function sampleSquashed(mu: tf.Tensor, logSigma: tf.Tensor, eps: tf.Tensor, constant: tf.Tensor): { action: tf.Tensor; logProb: tf.Tensor } {
  const u = tf.add(mu, tf.mul(tf.exp(logSigma), eps)); // SAC eq. 11: u = mu + sigma * eps
  const action = tf.tanh(u);
  const perDim = tf.add(logSigma, logOneMinusTanhSquared(u));
  const logProb = tf.sub(constant, tf.sum(perDim, -1));
  return { action, logProb };
}
