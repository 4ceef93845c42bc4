// A small typed builder over the generated ONNX protobuf types. It owns naming (every value and node
// name unique) and the opset: helpers for ops whose signature moved between opsets (Clip, Slice,
// Squeeze, Softmax) emit the form of the declared opset, so callers never branch on it.

import {
  AttributeProto,
  AttributeProto_AttributeType,
  ModelProto,
  NodeProto,
  TensorProto,
  TensorProto_DataType,
  type GraphProto,
  type ValueInfoProto,
} from "./generated/onnx/onnx.js";
import { ExportError } from "./errors.js";
import { MAX_OPSET, MIN_OPSET } from "./contract.js";

export const PRODUCER_NAME = "mlagents-ts";
export const PRODUCER_VERSION = "0.1.0";

export type AttrValue =
  | { readonly float: number }
  | { readonly int: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

export type ElemType = TensorProto_DataType.FLOAT | TensorProto_DataType.INT64;
export type Dim = number | string;

/**
 * IR version to pair with an opset: the IR of the ONNX release that introduced it (opset 9 -> IR 4 is the
 * minimum; torch 1.6 wrote IR 6 with opset 9 and Barracuda loads it, so we use 6 up to opset 11).
 */
export function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

export class GraphBuilder {
  readonly opset: number;
  private readonly used = new Set<string>();
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private nodeCount = 0;

  constructor(opset: number) {
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new ExportError("options.opset", `opset ${opset} is not supported (use ${MIN_OPSET}..${MAX_OPSET})`);
    }
    this.opset = opset;
  }

  /** `base` if still free, else `base_2`, `base_3`, ...; reserves the returned name. */
  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs/outputs): a clash is a bug in the caller. */
  private claim(name: string): string {
    if (this.used.has(name)) throw new ExportError(`tensor name "${name}"`, "used twice in the graph");
    this.used.add(name);
    return name;
  }

  addInput(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Declares a graph output; the caller must produce a value with this name (see `reserveOutput`). */
  addOutput(name: string, elemType: ElemType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Reserves the exact name of an output value so `fresh` never hands it out. */
  reserveOutput(name: string): string {
    return this.claim(name);
  }

  /** Float32 initializer stored as little-endian raw_data. */
  floatInit(base: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    checkCount(base, data.length, dims);
    const raw = Buffer.alloc(data.length * 4);
    for (let i = 0; i < data.length; i++) raw.writeFloatLE(data[i]!, i * 4);
    return this.pushInit(base, TensorProto_DataType.FLOAT, raw, dims);
  }

  /** Int64 initializer (shapes, Slice/Squeeze indices from opset 10/11/13 on). */
  int64Init(base: string, values: readonly number[], dims: readonly number[]): string {
    checkCount(base, values.length, dims);
    const raw = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
    return this.pushInit(base, TensorProto_DataType.INT64, raw, dims);
  }

  private pushInit(base: string, dataType: number, rawData: Buffer, dims: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push(
      TensorProto.fromPartial({ name, dataType, dims: dims.map((d) => BigInt(d)), rawData }),
    );
    return name;
  }

  /**
   * Adds a node. `outputs` are exact names (already reserved) or omitted: then one fresh output named
   * after `outBase` (default the op type in lower case). Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    outputs?: readonly string[],
    outBase?: string,
  ): string[] {
    const outs = outputs ? [...outputs] : [this.fresh(outBase ?? opType.toLowerCase())];
    this.nodeCount++;
    this.nodes.push(
      NodeProto.fromPartial({
        name: `${opType}_${this.nodeCount}`,
        opType,
        input: [...inputs],
        output: outs,
        attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
      }),
    );
    return outs;
  }

  /** Single-output node convenience. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, out?: string): string {
    return this.node(opType, inputs, attrs, out === undefined ? undefined : [out])[0]!;
  }

  // ---- opset-aware helpers ----

  /** Clip: min/max are attributes up to opset 10, scalar inputs from opset 11. */
  clip(x: string, min: number, max: number, out?: string): string {
    if (this.opset <= 10) return this.op("Clip", [x], { min: { float: min }, max: { float: max } }, out);
    const lo = this.floatInit("clip_min", [min], []);
    const hi = this.floatInit("clip_max", [max], []);
    return this.op("Clip", [x, lo, hi], {}, out);
  }

  /** Slice: starts/ends/axes are attributes in opset 9, int64 inputs from opset 10. */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], out?: string): string {
    if (this.opset <= 9) {
      return this.op("Slice", [x], { starts: { ints: starts }, ends: { ints: ends }, axes: { ints: axes } }, out);
    }
    const s = this.int64Init("slice_starts", starts, [starts.length]);
    const e = this.int64Init("slice_ends", ends, [ends.length]);
    const a = this.int64Init("slice_axes", axes, [axes.length]);
    return this.op("Slice", [x, s, e, a], {}, out);
  }

  /** Squeeze: axes attribute up to opset 12, int64 input from opset 13. */
  squeeze(x: string, axes: readonly number[], out?: string): string {
    if (this.opset <= 12) return this.op("Squeeze", [x], { axes: { ints: axes } }, out);
    return this.op("Squeeze", [x, this.int64Init("squeeze_axes", axes, [axes.length])], {}, out);
  }

  /**
   * Softmax over axis 1 of a 2-D [batch, n] tensor. Before opset 13 `axis` coerces to 2-D, from 13 it is a
   * single axis; for rank 2 and axis 1 both mean "per row", so one form serves every opset.
   */
  softmaxRows(x: string, out?: string): string {
    return this.op("Softmax", [x], { axis: { int: 1 } }, out);
  }

  /** Reshape to a constant shape (shape is an int64 input since opset 5). */
  reshape(x: string, shape: readonly number[], out?: string): string {
    return this.op("Reshape", [x, this.int64Init("shape", shape, [shape.length])], {}, out);
  }

  /** The finished model; validates that every declared output is produced. */
  build(graphName = "mlagents_ts_policy"): ModelProto {
    const produced = new Set<string>([
      ...this.inputs.map((i) => i.name),
      ...this.initializers.map((t) => t.name),
      ...this.nodes.flatMap((n) => n.output),
    ]);
    for (const o of this.outputs) {
      if (!produced.has(o.name)) throw new ExportError(`output "${o.name}"`, "declared but never produced");
    }
    const graph: Partial<GraphProto> = {
      name: graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
    return ModelProto.fromPartial({
      irVersion: BigInt(irVersionFor(this.opset)),
      producerName: PRODUCER_NAME,
      producerVersion: PRODUCER_VERSION,
      opsetImport: [{ domain: "", version: BigInt(this.opset) }],
      graph,
    });
  }

  toBytes(graphName?: string): Uint8Array {
    return ModelProto.encode(this.build(graphName)).finish();
  }
}

function checkCount(name: string, count: number, dims: readonly number[]): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (count !== expected) {
    throw new ExportError(`initializer "${name}"`, `has ${count} values but shape [${dims.join(", ")}] needs ${expected}`);
  }
}

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    docString: "",
    type: {
      denotation: "",
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) =>
            typeof d === "number" ? { dimValue: BigInt(d), denotation: "" } : { dimParam: d, denotation: "" },
          ),
        },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  if ("float" in v) return AttributeProto.fromPartial({ name, type: T.FLOAT, f: v.float });
  if ("int" in v) return AttributeProto.fromPartial({ name, type: T.INT, i: BigInt(v.int) });
  if ("ints" in v) return AttributeProto.fromPartial({ name, type: T.INTS, ints: v.ints.map((x) => BigInt(x)) });
  if ("floats" in v) return AttributeProto.fromPartial({ name, type: T.FLOATS, floats: [...v.floats] });
  return AttributeProto.fromPartial({ name, type: T.STRING, s: Buffer.from(v.string, "utf8") });
}
