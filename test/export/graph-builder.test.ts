import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as ort from "onnxruntime-node";
import { GraphBuilder, irVersionFor } from "../../src/export/graph-builder.js";
import { ExportError } from "../../src/export/errors.js";
import { TensorProto_DataType } from "../../src/export/generated/onnx/onnx.js";
import { attr, decode, initValues, initializer } from "./helpers/model-inspect.js";

const F = TensorProto_DataType.FLOAT;

describe("GraphBuilder naming", () => {
  it("fresh() never hands out the same name twice and keeps the first one as given", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "a_2", "x.1", "relu"), { maxLength: 40 }), (bases) => {
        const g = new GraphBuilder(9);
        const names = bases.map((b) => g.fresh(b));
        expect(new Set(names).size).toBe(names.length);
        const firstA = bases.indexOf("a");
        if (firstA >= 0 && !bases.slice(0, firstA).includes("a")) expect(names[firstA]).toBe("a");
      }),
    );
  });

  it("an exact input/output name can be claimed only once, and fresh() avoids claimed names", () => {
    const g = new GraphBuilder(9);
    g.addInput("obs_0", F, ["batch", 3]);
    expect(() => g.addInput("obs_0", F, ["batch", 3])).toThrow(ExportError);
    g.reserveOutput("version_number");
    expect(() => g.reserveOutput("version_number")).toThrow(/version_number/);
    expect(g.fresh("obs_0")).toBe("obs_0_2");
  });

  it("build() rejects an output nobody produces", () => {
    const g = new GraphBuilder(9);
    g.addInput("x", F, ["batch", 2]);
    g.addOutput("y", F, ["batch", 2]);
    expect(() => g.build()).toThrow(/output "y"/);
  });
});

describe("GraphBuilder initializers", () => {
  it("float32 raw_data is little-endian and bit-exact", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 30 }), (xs) => {
        const g = new GraphBuilder(9);
        const name = g.floatInit("w", Float32Array.from(xs), [xs.length]);
        g.addOutput(name, F, [xs.length]);
        const t = initializer(decode(g.toBytes()), name)!;
        expect(t.dataType).toBe(F);
        expect(t.dims.map(Number)).toEqual([xs.length]);
        expect(t.rawData.length).toBe(4 * xs.length);
        expect(initValues(t)).toEqual(Array.from(Float32Array.from(xs)));
      }),
      { numRuns: 50 },
    );
  });

  it("int64 initializers round-trip, and a value count that does not fit the shape is an ExportError", () => {
    const g = new GraphBuilder(9);
    const name = g.int64Init("shape", [-1, 288, 0, 2 ** 40], [4]);
    g.addOutput(name, TensorProto_DataType.INT64, [4]);
    expect(initValues(initializer(decode(g.toBytes()), name)!)).toEqual([-1, 288, 0, 2 ** 40]);
    expect(() => g.floatInit("bad", [1, 2, 3], [2, 2])).toThrow(/"bad".*3 values.*\[2, 2\]/);
  });
});

describe("GraphBuilder opset handling", () => {
  it("accepts opsets 9..15 only, with a matching IR version", () => {
    for (const bad of [1, 8, 16, 10.5, NaN]) expect(() => new GraphBuilder(bad)).toThrow(ExportError);
    expect([9, 10, 11, 12, 13, 14, 15].map(irVersionFor)).toEqual([6, 6, 6, 7, 7, 7, 8]);
    const m = decode(new GraphBuilder(11).toBytes());
    expect(Number(m.irVersion)).toBe(6);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 11]]);
    expect(m.producerName).toBe("mlagents-ts");
  });

  /** x [batch, 4] -> Slice cols 1..2 -> Clip(-0.5, 0.5) -> Squeeze axis 1 -> y [batch]; also softmax rows. */
  function tiny(opset: number): Uint8Array {
    const g = new GraphBuilder(opset);
    g.addInput("x", F, ["batch", 4]);
    g.reserveOutput("y");
    g.reserveOutput("p");
    g.squeeze(g.clip(g.slice("x", [1], [2], [1]), -0.5, 0.5), [1], "y");
    g.softmaxRows("x", "p");
    g.addOutput("y", F, ["batch"]);
    g.addOutput("p", F, ["batch", 4]);
    return g.toBytes();
  }

  it("emits attribute forms up to the opset that moved them, input forms after", () => {
    const forms = (opset: number) => {
      const nodes = decode(tiny(opset)).graph!.node;
      const get = (op: string) => nodes.find((n) => n.opType === op)!;
      return {
        clip: [get("Clip").input.length, get("Clip").attribute.map((a) => a.name).sort()],
        slice: [get("Slice").input.length, get("Slice").attribute.map((a) => a.name).sort()],
        squeeze: [get("Squeeze").input.length, get("Squeeze").attribute.map((a) => a.name)],
        softmaxAxis: Number(attr(get("Softmax"), "axis")!.i),
      };
    };
    expect(forms(9)).toEqual({ clip: [1, ["max", "min"]], slice: [1, ["axes", "ends", "starts"]], squeeze: [1, ["axes"]], softmaxAxis: 1 });
    expect(forms(10)).toEqual({ clip: [1, ["max", "min"]], slice: [4, []], squeeze: [1, ["axes"]], softmaxAxis: 1 });
    expect(forms(11)).toEqual({ clip: [3, []], slice: [4, []], squeeze: [1, ["axes"]], softmaxAxis: 1 });
    expect(forms(13)).toEqual({ clip: [3, []], slice: [4, []], squeeze: [2, []], softmaxAxis: 1 });
  });

  for (const opset of [9, 10, 11, 13, 15]) {
    it(`opset ${opset}: onnxruntime computes the same values`, async () => {
      const session = await ort.InferenceSession.create(tiny(opset));
      const x = Float32Array.from([0, 0.2, 9, 9, 0, -3, 1, 2, 0, 0.4, -9, 9]);
      const out = await session.run({ x: new ort.Tensor("float32", x, [3, 4]) });
      await session.release();
      expect(out.y!.dims).toEqual([3]);
      expect(Array.from(out.y!.data as Float32Array)).toEqual([Math.fround(0.2), -0.5, Math.fround(0.4)]);
      const p = out.p!.data as Float32Array;
      for (let r = 0; r < 3; r++) {
        const row = Array.from(x.subarray(r * 4, r * 4 + 4));
        const e = row.map((v) => Math.exp(v - Math.max(...row)));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((v, j) => expect(Math.abs(p[r * 4 + j]! - v / z)).toBeLessThan(1e-6));
      }
    });
  }
});
