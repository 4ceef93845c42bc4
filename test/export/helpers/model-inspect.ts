// Read-back helpers over the generated ONNX types: decode bytes, get attributes and initializer values.

import { ModelProto, type AttributeProto, type NodeProto, type TensorProto } from "../../../src/export/generated/onnx/onnx.js";

export function decode(bytes: Uint8Array): ModelProto {
  return ModelProto.decode(bytes);
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function initializer(model: ModelProto, name: string): TensorProto | undefined {
  return model.graph!.initializer.find((t) => t.name === name);
}

/** Values of a float (1) or int64 (7) initializer stored as raw_data, decoded little-endian. */
export function initValues(t: TensorProto): number[] {
  const raw = Buffer.from(t.rawData);
  if (t.dataType === 1) return Array.from({ length: raw.length / 4 }, (_, i) => raw.readFloatLE(i * 4));
  if (t.dataType === 7) return Array.from({ length: raw.length / 8 }, (_, i) => Number(raw.readBigInt64LE(i * 8)));
  throw new Error(`unexpected initializer dtype ${t.dataType}`);
}

/** dims of a graph input/output value info: numbers, or the symbolic name. */
export function dimsOf(model: ModelProto, name: string, where: "input" | "output"): (number | string)[] {
  const v = model.graph![where].find((x) => x.name === name);
  if (!v) throw new Error(`no graph ${where} ${name}`);
  return v.type!.tensorType!.shape!.dim.map((d) => (d.dimParam !== undefined && d.dimParam !== "" ? d.dimParam : Number(d.dimValue)));
}
