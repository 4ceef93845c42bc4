// Gradient functions for the kernels on the SAC loss paths. tfjs-core ships its gradient configs
// only as extensionless ESM files that Node cannot load, and its CommonJS bundle registers none
// (the full @tensorflow/tfjs package normally does). Transcribed from tfjs-core 4.22
// src/gradients/*_grad.ts; each is registered only if nothing registered it before.

import * as tf from "@tensorflow/tfjs-core";

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;

/** Sums `res` over the axes that broadcasting expanded, back to `shape`. */
function unbroadcast(res: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape);
}

function binary(kernelName: string, da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor, db: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved: Saved) => {
      const [a, b] = saved;
      const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(da(dy as tf.Tensor, a, b), a.shape, out), b: () => unbroadcast(db(dy as tf.Tensor, a, b), b.shape, out) };
    },
  };
}

function expandedLike(dy: tf.Tensor, x: tf.Tensor, attrs: Attrs): tf.Tensor {
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const shape = x.shape.slice();
  axes.forEach((a) => (shape[a] = 1));
  return tf.reshape(dy, shape);
}

const configs: tf.GradConfig[] = [
  binary(tf.Add, (dy) => dy, (dy) => dy),
  binary(tf.Sub, (dy) => dy, (dy) => tf.neg(dy)),
  binary(tf.Multiply, (dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  binary(tf.RealDiv, (dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  {
    kernelName: tf.Sum,
    inputsToSave: ["x"],
    gradFunc: (dy, saved: Saved, attrs) => ({ x: () => tf.mul(expandedLike(dy as tf.Tensor, saved[0], attrs as Attrs), tf.ones(saved[0].shape)) }),
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ["x"],
    gradFunc: (dy, saved: Saved, attrs) => {
      const x = saved[0];
      const axes = tf.util.parseAxisParam((attrs as Attrs).axis as number[], x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.div(tf.mul(expandedLike(dy as tf.Tensor, x, attrs as Attrs), tf.ones(x.shape)), count) };
    },
  },
  {
    kernelName: tf.Min,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, y] = saved;
      const a = { axis: (attrs as Attrs).reductionIndices ?? (attrs as Attrs).axis };
      return { x: () => tf.mul(expandedLike(dy as tf.Tensor, x, a), tf.cast(tf.equal(x, expandedLike(y, x, a)), "float32")) };
    },
  },
  { kernelName: tf.Square, inputsToSave: ["x"], gradFunc: (dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0], 2)) }) },
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: tf.Reshape, inputsToSave: ["x"], gradFunc: (dy, saved: Saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0].shape) }) },
  {
    kernelName: tf.Slice,
    inputsToSave: ["x"],
    gradFunc: (dy, saved: Saved, attrs) => {
      const x = saved[0];
      const [begin, size] = tf.slice_util.parseSliceParams(x, (attrs as Attrs).begin as number[], (attrs as Attrs).size as number[]);
      const pads = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy as tf.Tensor, pads) };
    },
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved: Saved, attrs) => {
      const axis = tf.util.parseAxisParam((attrs as Attrs).axis as number, saved[0].shape)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      return parts.map((t) => () => t) as unknown as Record<string, () => tf.Tensor>;
    },
  },
  { kernelName: tf.SplitV, gradFunc: (dy, _s, attrs) => ({ x: () => tf.concat(dy as tf.Tensor[], (attrs as Attrs).axis as number) }) },
  {
    kernelName: tf.Pack,
    saveAllInputs: true,
    gradFunc: (dy, _s, attrs) => tf.unstack(dy as tf.Tensor, (attrs as Attrs).axis as number).map((t) => () => t) as unknown as Record<string, () => tf.Tensor>,
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _s, attrs) => ({ x: () => tf.transpose(dy as tf.Tensor, tf.backend_util.getUndoAxesPermutation((attrs as Attrs).perm as number[])) }),
  },
  { kernelName: tf.Exp, outputsToSave: [true], gradFunc: (dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, saved[0]) }) },
  { kernelName: tf.Log, inputsToSave: ["x"], gradFunc: (dy, saved: Saved) => ({ x: () => tf.div(dy as tf.Tensor, saved[0]) }) },
  { kernelName: tf.Tanh, outputsToSave: [true], gradFunc: (dy, saved: Saved) => ({ x: () => tf.mul(tf.sub(1, tf.square(saved[0])), dy as tf.Tensor) }) },
  { kernelName: tf.Sigmoid, outputsToSave: [true], gradFunc: (dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0], tf.sub(1, saved[0]))) }) },
  { kernelName: tf.Softplus, inputsToSave: ["x"], gradFunc: (dy, saved: Saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sigmoid(saved[0])) }) },
  {
    kernelName: tf.ClipByValue,
    inputsToSave: ["x"],
    gradFunc: (dy, saved: Saved, attrs) => {
      const x = saved[0];
      const { clipValueMin, clipValueMax } = attrs as { clipValueMin: number; clipValueMax: number };
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), dy as tf.Tensor, tf.zerosLike(dy as tf.Tensor)) };
    },
  },
  binary(tf.Maximum, (dy, a, b) => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), "float32")), (dy, a, b) => tf.mul(dy, tf.cast(tf.less(a, b), "float32"))),
  {
    kernelName: tf.LeakyRelu,
    inputsToSave: ["x"],
    gradFunc: (dy, saved: Saved, attrs) => ({ x: () => tf.where(tf.greater(saved[0], 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, (attrs as Attrs).alpha as number)) }),
  },
  {
    // Plain (non-batched-broadcast) matMul; only used by reference computations in tests.
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (transposeA || transposeB) throw new Error("BatchMatMul gradient: transposed inputs are not supported here");
      return { a: () => tf.matMul(dy as tf.Tensor, b, false, true), b: () => tf.matMul(a, dy as tf.Tensor, true, false) };
    },
  },
];

for (const c of configs) {
  if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
}
