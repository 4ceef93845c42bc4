// Public surface of the export layer: ONNX contract, exporter, onnxruntime runner.
export {
  MODEL_API_VERSION,
  BATCH_DIM,
  DEFAULT_OPSET,
  MIN_OPSET,
  MAX_OPSET,
  TensorNames,
  obsInputName,
  contractInputs,
  contractOutputs,
  BARRACUDA_OPS,
} from "./contract.js";
export type { ContractDtype, ContractDim, ContractTensor, PolicyShape } from "./contract.js";
export { ExportError, OnnxPolicyError } from "./errors.js";
export { GraphBuilder, irVersionFor, PRODUCER_NAME, PRODUCER_VERSION } from "./graph-builder.js";
export type { AttrValue, Dim, ElemType } from "./graph-builder.js";
export { exportActorToOnnx } from "./export-actor.js";
export type { ExportOptions } from "./export-actor.js";
export { validateSnapshot, convOutSize } from "./validate-snapshot.js";
export { OnnxPolicy } from "./onnx-policy.js";
export type { PolicyActions, PolicyInput } from "./onnx-policy.js";
