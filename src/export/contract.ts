// The ONNX contract Unity's inference (Barracuda / Sentis) reads, as one table (ML-Agents TensorNames,
// docs/protocol.md §6.2-§6.5). The exporter, the onnxruntime runner and the tests all read names from here.

/** Model API version written to `version_number` (MLAgents2_0). Unity accepts 2..3; 2 forbids memory. */
export const MODEL_API_VERSION = 3;

/** Symbolic name of dim 0 of every input and per-agent output. */
export const BATCH_DIM = "batch";

/** Opset Barracuda's importer was proven with (ML-Agents SerializationSettings.onnx_opset). */
export const DEFAULT_OPSET = 9;
/** Opsets this exporter can write; Sentis documents 7-15, our node signatures cover 9-15. */
export const MIN_OPSET = 9;
export const MAX_OPSET = 15;

export const TensorNames = {
  obsPrefix: "obs_",
  actionMasks: "action_masks",
  versionNumber: "version_number",
  memorySize: "memory_size",
  continuousActions: "continuous_actions",
  continuousActionOutputShape: "continuous_action_output_shape",
  deterministicContinuousActions: "deterministic_continuous_actions",
  discreteActions: "discrete_actions",
  discreteActionOutputShape: "discrete_action_output_shape",
  deterministicDiscreteActions: "deterministic_discrete_actions",
} as const;

/** Input name of observation `index` (sorted-sensor order, docs/protocol.md §3.2). */
export function obsInputName(index: number): string {
  return `${TensorNames.obsPrefix}${index}`;
}

export type ContractDtype = "float32" | "int64";
/** A dimension: a fixed size, or the symbolic batch dimension. */
export type ContractDim = number | typeof BATCH_DIM;

export interface ContractTensor {
  readonly name: string;
  readonly dtype: ContractDtype;
  readonly dims: readonly ContractDim[];
  /** Value of a constant output (row-major), or null for per-agent outputs. */
  readonly constant: readonly number[] | null;
}

/** What the policy acts on: fixes every shape in the contract. */
export interface PolicyShape {
  /** Per-observation shapes without batch: [N] vector, [C, H, W] visual. */
  readonly observationShapes: readonly (readonly number[])[];
  /** Number of continuous actions (0 when none). */
  readonly continuousSize: number;
  /** Discrete branch sizes (empty when none). */
  readonly branchSizes: readonly number[];
}

/** Inputs in graph order: obs_0..obs_{k-1}, then action_masks iff discrete branches exist. */
export function contractInputs(p: PolicyShape): ContractTensor[] {
  const inputs: ContractTensor[] = p.observationShapes.map((shape, i) => ({
    name: obsInputName(i),
    dtype: "float32",
    dims: [BATCH_DIM, ...shape],
    constant: null,
  }));
  if (p.branchSizes.length > 0) {
    const total = p.branchSizes.reduce((a, b) => a + b, 0);
    inputs.push({ name: TensorNames.actionMasks, dtype: "float32", dims: [BATCH_DIM, total], constant: null });
  }
  return inputs;
}

/**
 * Outputs in the reference order (docs/protocol.md §6.3): version_number, memory_size, continuous trio, discrete trio.
 * No recurrent_out: this exporter writes memory-less policies only.
 */
export function contractOutputs(p: PolicyShape): ContractTensor[] {
  const out: ContractTensor[] = [
    { name: TensorNames.versionNumber, dtype: "float32", dims: [1], constant: [MODEL_API_VERSION] },
    { name: TensorNames.memorySize, dtype: "float32", dims: [1], constant: [0] },
  ];
  const c = p.continuousSize;
  if (c > 0) {
    out.push(
      { name: TensorNames.continuousActions, dtype: "float32", dims: [BATCH_DIM, c], constant: null },
      { name: TensorNames.continuousActionOutputShape, dtype: "float32", dims: [1], constant: [c] },
      { name: TensorNames.deterministicContinuousActions, dtype: "float32", dims: [BATCH_DIM, c], constant: null },
    );
  }
  const nb = p.branchSizes.length;
  if (nb > 0) {
    out.push(
      { name: TensorNames.discreteActions, dtype: "int64", dims: [BATCH_DIM, nb], constant: null },
      { name: TensorNames.discreteActionOutputShape, dtype: "float32", dims: [1, nb], constant: [...p.branchSizes] },
      { name: TensorNames.deterministicDiscreteActions, dtype: "int64", dims: [BATCH_DIM, nb], constant: null },
    );
  }
  return out;
}

/**
 * Operators seen in ML-Agents' reference models (docs/protocol.md §6.4), minus LSTM (no memory here).
 * Cast is deliberately absent: Multinomial/ArgMax already yield int64.
 */
export const BARRACUDA_OPS: ReadonlySet<string> = new Set([
  "Gemm", "Add", "Sub", "Mul", "Div", "Sigmoid", "Exp", "Log", "Clip", "Concat", "Constant", "Identity",
  "Softmax", "ArgMax", "Multinomial", "RandomNormalLike", "Slice", "Reshape", "Transpose", "Squeeze",
  "Conv", "LeakyRelu", "Tanh",
]);
