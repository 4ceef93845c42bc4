// A plain-data copy of a trained actor: everything needed to run it outside TensorFlow.js
// (the ONNX exporter, reference forward passes in tests). No tensors, so it can cross threads.

/** y = x W + b, with kernel stored row-major as [inSize][outSize]. */
export interface DenseWeights {
  readonly inSize: number;
  readonly outSize: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** 2-D convolution, kernel stored OIHW ([outChannels][inChannels][kernelH][kernelW]), no padding. */
export interface ConvWeights {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Vector observation: optional running normalization clip((x - mean) / std, -5, 5), then pass-through. */
export interface VectorEncoderSnapshot {
  readonly kind: "vector";
  readonly size: number;
  readonly normalizer: { readonly mean: Float32Array; readonly std: Float32Array } | null;
}

/**
 * Visual observation [C, H, W] through ML-Agents' "simple" encoder:
 * Conv 8x8/4 -> 16, LeakyReLU(0.01), Conv 4x4/2 -> 32, LeakyReLU(0.01), flatten in C,H,W order, Dense, LeakyReLU(0.01).
 */
export interface VisualEncoderSnapshot {
  readonly kind: "visual";
  readonly shape: readonly [number, number, number];
  readonly conv1: ConvWeights;
  readonly conv2: ConvWeights;
  readonly dense: DenseWeights;
}

export type EncoderSnapshot = VectorEncoderSnapshot | VisualEncoderSnapshot;

export interface ActorSnapshot {
  /** One encoder per observation index (obs_0, obs_1, ...); encodings are concatenated in this order. */
  readonly encoders: readonly EncoderSnapshot[];
  /** Dense layers after the concatenation, each followed by Swish x * sigmoid(x). */
  readonly body: readonly DenseWeights[];
  /** Tanh-squashed Gaussian head: mu = Dense(h), logSigma = clip(Dense(h), -20, 2). */
  readonly continuous: { readonly size: number; readonly mu: DenseWeights; readonly logSigma: DenseWeights } | null;
  /** One categorical head per branch: logits_b = Dense_b(h), masked, softmax. */
  readonly discrete: { readonly branchSizes: readonly number[]; readonly heads: readonly DenseWeights[] } | null;
}
