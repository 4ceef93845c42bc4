// ActorSnapshot -> ONNX bytes that Unity's inference engine loads unchanged (docs/protocol.md §6.4, §6.6):
// obs_i [+ action_masks] -> encoders -> Swish MLP -> tanh-squashed Gaussian and/or masked categorical
// heads, plus the constant outputs Unity reads (version_number, memory_size, action output shapes).

import type { ActorSnapshot, ConvWeights, DenseWeights, EncoderSnapshot } from "../trainers/common/actor-snapshot.js";
import { TensorProto_DataType } from "./generated/onnx/onnx.js";
import { DEFAULT_OPSET, contractInputs, contractOutputs, TensorNames, type ContractTensor } from "./contract.js";
import { GraphBuilder } from "./graph-builder.js";
import { validateSnapshot } from "./validate-snapshot.js";

export interface ExportOptions {
  /** ONNX opset to declare; 9 (default, Barracuda-proven) .. 15. */
  readonly opset?: number;
}

/** ML-Agents' LeakyReLU slope in the visual encoders. */
const LEAKY_ALPHA = 0.01;
/** Masked logits are pushed this far down (reference exporter: logits·m − 1e8·(1 − m)). */
const MASK_PENALTY = 1e8;

export function exportActorToOnnx(
  snapshot: ActorSnapshot,
  observationShapes: number[][],
  options: ExportOptions = {},
): Uint8Array {
  const g = new GraphBuilder(options.opset ?? DEFAULT_OPSET);
  validateSnapshot(snapshot, observationShapes);
  const shape = {
    observationShapes,
    continuousSize: snapshot.continuous?.size ?? 0,
    branchSizes: snapshot.discrete?.branchSizes ?? [],
  };
  const inputs = contractInputs(shape);
  const outputs = contractOutputs(shape);
  for (const t of inputs) g.addInput(t.name, elemType(t), t.dims);
  for (const t of outputs) g.reserveOutput(t.name);

  // Encoders, in observation order, concatenated on the feature axis.
  const encodings = snapshot.encoders.map((enc, i) => encode(g, enc, inputs[i]!.name, i));
  let h = encodings.length === 1 ? encodings[0]! : g.op("Concat", encodings, { axis: { int: 1 } });
  snapshot.body.forEach((layer, i) => {
    const z = dense(g, h, layer, `body${i}`);
    h = g.op("Mul", [z, g.op("Sigmoid", [z])]); // Swish, exported as Sigmoid + Mul like the reference
  });

  // Constant outputs: initializer -> Identity -> named output (torch 1.11 style, docs/protocol.md §6.3).
  for (const t of outputs) {
    if (t.constant === null) continue;
    const init = g.floatInit(`${t.name}.1`, t.constant, t.dims as number[]);
    g.op("Identity", [init], {}, t.name);
  }

  if (snapshot.continuous) {
    const c = snapshot.continuous;
    const mu = dense(g, h, c.mu, "mu");
    const logSigma = g.clip(dense(g, h, c.logSigma, "log_sigma"), -20, 2);
    const sigma = g.op("Exp", [logSigma]);
    // dtype 1 = float; no seed attribute: Unity seeds its own generator (docs/protocol.md §6.4, item 6).
    const eps = g.op("RandomNormalLike", [mu], { dtype: { int: TensorProto_DataType.FLOAT } });
    const sample = g.op("Add", [mu, g.op("Mul", [eps, sigma])]);
    g.op("Tanh", [sample], {}, TensorNames.continuousActions);
    // tanh(mu), not the reference's un-squashed mu: the mode of the squashed policy (docs/protocol.md §6.4).
    g.op("Tanh", [mu], {}, TensorNames.deterministicContinuousActions);
  }

  if (snapshot.discrete) {
    const { branchSizes, heads } = snapshot.discrete;
    const one = g.floatInit("one", [1], [1]);
    const minusOne = g.floatInit("minus_one", [-1], [1]);
    const penalty = g.floatInit("mask_penalty", [MASK_PENALTY], [1]);
    const samples: string[] = [];
    const argmaxes: string[] = [];
    let offset = 0;
    branchSizes.forEach((size, b) => {
      const logits = dense(g, h, heads[b]!, `branch${b}_logits`);
      const m = g.slice(TensorNames.actionMasks, [offset], [offset + size], [1]);
      offset += size;
      const kept = g.op("Mul", [logits, m]);
      // 1 - m built as -1·m + 1, the reference's form: constants only ever as second operands.
      const notM = g.op("Add", [g.op("Mul", [m, minusOne]), one]);
      const masked = g.op("Sub", [kept, g.op("Mul", [notM, penalty])]);
      const probs = g.softmaxRows(masked);
      const logProbs = g.op("Log", [probs]);
      samples.push(
        g.op("Multinomial", [logProbs], { dtype: { int: TensorProto_DataType.INT64 }, sample_size: { int: 1 } }),
      );
      argmaxes.push(g.op("ArgMax", [probs], { axis: { int: 1 }, keepdims: { int: 1 } }));
    });
    g.op("Concat", samples, { axis: { int: 1 } }, TensorNames.discreteActions);
    g.op("Concat", argmaxes, { axis: { int: 1 } }, TensorNames.deterministicDiscreteActions);
  }

  for (const t of outputs) g.addOutput(t.name, elemType(t), t.dims);
  return g.toBytes();
}

function elemType(t: ContractTensor): TensorProto_DataType.FLOAT | TensorProto_DataType.INT64 {
  return t.dtype === "int64" ? TensorProto_DataType.INT64 : TensorProto_DataType.FLOAT;
}

/**
 * y = x·Wᵀ + b as torch.nn.Linear exports it: weight stored [out, in] and Gemm transB = 1. Every
 * ML-Agents model Barracuda/Sentis import has this form, so we match it rather than transB = 0.
 */
function dense(g: GraphBuilder, x: string, w: DenseWeights, base: string): string {
  const kernel = g.floatInit(`${base}.weight`, transposeKernel(w), [w.outSize, w.inSize]);
  const bias = g.floatInit(`${base}.bias`, w.bias, [w.outSize]);
  return g.op("Gemm", [x, kernel, bias], { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } });
}

/** The snapshot's row-major [in][out] kernel as row-major [out][in] (torch's Linear.weight layout). */
export function transposeKernel(w: DenseWeights): Float32Array {
  const out = new Float32Array(w.inSize * w.outSize);
  for (let i = 0; i < w.inSize; i++) {
    for (let o = 0; o < w.outSize; o++) out[o * w.inSize + i] = w.kernel[i * w.outSize + o]!;
  }
  return out;
}

function conv(g: GraphBuilder, x: string, w: ConvWeights, base: string): string {
  const kernel = g.floatInit(`${base}.weight`, w.kernel, [w.outChannels, w.inChannels, w.kernelH, w.kernelW]);
  const bias = g.floatInit(`${base}.bias`, w.bias, [w.outChannels]);
  return g.op("Conv", [x, kernel, bias], {
    kernel_shape: { ints: [w.kernelH, w.kernelW] },
    strides: { ints: [w.strideH, w.strideW] },
    pads: { ints: [0, 0, 0, 0] },
    dilations: { ints: [1, 1] },
    group: { int: 1 },
  });
}

function encode(g: GraphBuilder, enc: EncoderSnapshot, input: string, i: number): string {
  if (enc.kind === "vector") {
    if (enc.normalizer === null) return input;
    const mean = g.floatInit(`obs${i}.norm.mean`, enc.normalizer.mean, [enc.size]);
    const std = g.floatInit(`obs${i}.norm.std`, enc.normalizer.std, [enc.size]);
    return g.clip(g.op("Div", [g.op("Sub", [input, mean]), std]), -5, 5);
  }
  const leaky = { alpha: { float: LEAKY_ALPHA } };
  const c1 = g.op("LeakyRelu", [conv(g, input, enc.conv1, `obs${i}.conv1`)], leaky);
  const c2 = g.op("LeakyRelu", [conv(g, c1, enc.conv2, `obs${i}.conv2`)], leaky);
  const flat = g.reshape(c2, [-1, enc.dense.inSize]); // C,H,W order, like torch's reshape(-1, final_flat)
  return g.op("LeakyRelu", [dense(g, flat, enc.dense, `obs${i}.dense`)], leaky);
}
