import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { exportActorToOnnx } from "../../src/export/export-actor.js";
import {
  BARRACUDA_OPS,
  BATCH_DIM,
  MODEL_API_VERSION,
  TensorNames,
  contractInputs,
  contractOutputs,
} from "../../src/export/contract.js";
import { ExportError } from "../../src/export/errors.js";
import type { NodeProto } from "../../src/export/generated/onnx/onnx.js";
import { CASES, randomObs, randomWireMasks, toAllowed, type ExportCase } from "./helpers/cases.js";
import { attr, decode, dimsOf, initValues, initializer } from "./helpers/model-inspect.js";
import { referenceForward } from "./helpers/reference-forward.js";

function policyShape(c: ExportCase) {
  return { observationShapes: c.shapes, continuousSize: c.continuousSize, branchSizes: c.branchSizes };
}

async function runDeterministic(c: ExportCase, opset: number, n: number, seed: number) {
  const bytes = exportActorToOnnx(c.snapshot, c.shapes, { opset });
  const session = await ort.InferenceSession.create(bytes);
  const obs = randomObs(c.shapes, n, seed);
  const feeds: Record<string, ort.Tensor> = {};
  obs.forEach((o, i) => (feeds[`obs_${i}`] = new ort.Tensor("float32", o, [n, ...c.shapes[i]!])));
  let allowed: Float32Array | null = null;
  if (c.branchSizes.length > 0) {
    allowed = toAllowed(randomWireMasks(c.branchSizes, n, seed + 1), c.branchSizes, n);
    feeds[TensorNames.actionMasks] = new ort.Tensor("float32", allowed, [n, allowed.length / n]);
  }
  const out = await session.run(feeds);
  await session.release();
  return { out, ref: referenceForward(c.snapshot, obs, n, allowed) };
}

describe("exportActorToOnnx: deterministic outputs match an independent JS forward pass", () => {
  for (const c of CASES) {
    for (const opset of [9, 13]) {
      for (const n of [1, 7]) {
        it(`${c.name}, opset ${opset}, batch ${n}`, async () => {
          const { out, ref } = await runDeterministic(c, opset, n, 100 + n);
          if (c.continuousSize > 0) {
            const det = out[TensorNames.deterministicContinuousActions]!;
            expect(det.dims).toEqual([n, c.continuousSize]);
            const got = det.data as Float32Array;
            for (let a = 0; a < n; a++) {
              for (let j = 0; j < c.continuousSize; j++) {
                expect(Math.abs(got[a * c.continuousSize + j]! - Math.tanh(ref.mu[a]![j]!))).toBeLessThan(1e-5);
              }
            }
            // The stochastic output is a tanh: always inside [-1, 1].
            for (const v of out[TensorNames.continuousActions]!.data as Float32Array) expect(Math.abs(v)).toBeLessThanOrEqual(1);
          }
          if (c.branchSizes.length > 0) {
            const det = out[TensorNames.deterministicDiscreteActions]!;
            expect(det.type).toBe("int64");
            expect(det.dims).toEqual([n, c.branchSizes.length]);
            const got = det.data as BigInt64Array;
            for (let a = 0; a < n; a++) {
              c.branchSizes.forEach((_, b) => {
                const p = ref.probs[a]![b]!;
                const best = Math.max(...p);
                const chosen = Number(got[a * c.branchSizes.length + b]!);
                // Equal to the reference argmax up to float32 ties.
                expect(best - p[chosen]!).toBeLessThan(1e-6);
              });
            }
          }
        });
      }
    }
  }
});

describe("exportActorToOnnx: the Unity contract (docs/protocol.md §6.2-§6.5)", () => {
  for (const c of CASES) {
    it(`${c.name}: names, dtypes, shapes, order and constants`, async () => {
      const bytes = exportActorToOnnx(c.snapshot, c.shapes);
      const model = decode(bytes);
      const g = model.graph!;
      expect(Number(model.irVersion)).toBe(6);
      expect(model.producerName).toBe("mlagents-ts");
      expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 9]]);

      // Inputs: exactly obs_i (+ action_masks iff branches), float32, dim 0 symbolic "batch".
      const expectIn = c.shapes.map((_, i) => `obs_${i}`).concat(c.branchSizes.length ? ["action_masks"] : []);
      expect(g.input.map((i) => i.name)).toEqual(expectIn);
      for (const t of contractInputs(policyShape(c))) {
        expect(dimsOf(model, t.name, "input")).toEqual(t.dims);
        expect(dimsOf(model, t.name, "input")[0]).toBe(BATCH_DIM);
        expect(g.input.find((i) => i.name === t.name)!.type!.tensorType!.elemType).toBe(1);
      }
      if (c.branchSizes.length) {
        expect(dimsOf(model, "action_masks", "input")).toEqual(["batch", c.branchSizes.reduce((a, b) => a + b, 0)]);
      }

      // Outputs: reference order, dtypes, shapes.
      const names = ["version_number", "memory_size"];
      if (c.continuousSize) names.push("continuous_actions", "continuous_action_output_shape", "deterministic_continuous_actions");
      if (c.branchSizes.length) names.push("discrete_actions", "discrete_action_output_shape", "deterministic_discrete_actions");
      expect(g.output.map((o) => o.name)).toEqual(names);
      const contract = contractOutputs(policyShape(c));
      expect(contract.map((t) => t.name)).toEqual(names);
      for (const t of contract) {
        const vi = g.output.find((o) => o.name === t.name)!;
        expect(vi.type!.tensorType!.elemType).toBe(t.dtype === "int64" ? 7 : 1);
        expect(dimsOf(model, t.name, "output")).toEqual(t.dims);
        if (t.constant === null) {
          expect(t.dims[0]).toBe("batch");
          continue;
        }
        // Constants: initializer -> Identity -> output, float32 values Unity casts to int.
        const producer = g.node.find((nd) => nd.output.includes(t.name))!;
        expect(producer.opType).toBe("Identity");
        const init = initializer(model, producer.input[0]!)!;
        expect(init.dataType).toBe(1);
        expect(init.dims.map(Number)).toEqual(t.dims);
        expect(initValues(init)).toEqual(t.constant);
      }

      // And onnxruntime evaluates the constants to what Unity expects.
      const session = await ort.InferenceSession.create(bytes);
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of contractInputs(policyShape(c))) {
        const per = (t.dims.slice(1) as number[]).reduce((a, b) => a * b, 1);
        feeds[t.name] = new ort.Tensor("float32", new Float32Array(2 * per).fill(1), [2, ...(t.dims.slice(1) as number[])]);
      }
      const out = await session.run(feeds);
      await session.release();
      expect(Array.from(out.version_number!.data as Float32Array)).toEqual([MODEL_API_VERSION]);
      expect(out.version_number!.dims).toEqual([1]);
      expect(Array.from(out.memory_size!.data as Float32Array)).toEqual([0]);
      if (c.continuousSize) {
        expect(Array.from(out.continuous_action_output_shape!.data as Float32Array)).toEqual([c.continuousSize]);
        expect(out.continuous_actions!.dims).toEqual([2, c.continuousSize]);
        expect(out.continuous_actions!.type).toBe("float32");
      }
      if (c.branchSizes.length) {
        expect(out.discrete_action_output_shape!.dims).toEqual([1, c.branchSizes.length]);
        expect(Array.from(out.discrete_action_output_shape!.data as Float32Array)).toEqual(c.branchSizes);
        expect(out.discrete_actions!.type).toBe("int64");
        expect(out.discrete_actions!.dims).toEqual([2, c.branchSizes.length]);
      }
    });
  }
});

/**
 * Node signatures per opset, written from the ONNX operator docs (not from the exporter): allowed input
 * counts, allowed attributes, required attributes.
 */
interface Sig { inputs: [number, number]; attrs: string[]; required?: string[] }
const OPSET9: Record<string, Sig> = {
  Gemm: { inputs: [3, 3], attrs: ["alpha", "beta", "transA", "transB"] },
  Add: { inputs: [2, 2], attrs: [] }, Sub: { inputs: [2, 2], attrs: [] },
  Mul: { inputs: [2, 2], attrs: [] }, Div: { inputs: [2, 2], attrs: [] },
  Sigmoid: { inputs: [1, 1], attrs: [] }, Exp: { inputs: [1, 1], attrs: [] },
  Log: { inputs: [1, 1], attrs: [] }, Tanh: { inputs: [1, 1], attrs: [] }, Identity: { inputs: [1, 1], attrs: [] },
  Clip: { inputs: [1, 1], attrs: ["min", "max"], required: ["min", "max"] },
  Concat: { inputs: [1, 99], attrs: ["axis"], required: ["axis"] },
  Softmax: { inputs: [1, 1], attrs: ["axis"] },
  ArgMax: { inputs: [1, 1], attrs: ["axis", "keepdims"] },
  Multinomial: { inputs: [1, 1], attrs: ["dtype", "sample_size", "seed"] },
  RandomNormalLike: { inputs: [1, 1], attrs: ["dtype", "mean", "scale", "seed"] },
  Slice: { inputs: [1, 1], attrs: ["starts", "ends", "axes"], required: ["starts", "ends"] },
  Squeeze: { inputs: [1, 1], attrs: ["axes"] },
  Reshape: { inputs: [2, 2], attrs: [] },
  Conv: { inputs: [2, 3], attrs: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"] },
  LeakyRelu: { inputs: [1, 1], attrs: ["alpha"] },
};
const OPSET13: Record<string, Sig> = {
  ...OPSET9,
  Clip: { inputs: [1, 3], attrs: [] },
  Slice: { inputs: [3, 5], attrs: [] },
  Squeeze: { inputs: [1, 2], attrs: [] },
};

function checkSignature(node: NodeProto, table: Record<string, Sig>): void {
  const sig = table[node.opType];
  expect(sig, `op ${node.opType}`).toBeDefined();
  expect(node.input.length, `${node.name} inputs`).toBeGreaterThanOrEqual(sig!.inputs[0]);
  expect(node.input.length, `${node.name} inputs`).toBeLessThanOrEqual(sig!.inputs[1]);
  for (const a of node.attribute) expect(sig!.attrs, `${node.name} attribute ${a.name}`).toContain(a.name);
  for (const r of sig!.required ?? []) expect(attr(node, r), `${node.name} needs ${r}`).toBeDefined();
}

describe("exportActorToOnnx: operators", () => {
  for (const c of CASES) {
    it(`${c.name}: opset 9 uses only Barracuda ops with opset-9 signatures`, () => {
      const model = decode(exportActorToOnnx(c.snapshot, c.shapes, { opset: 9 }));
      const nodes = model.graph!.node;
      for (const nd of nodes) {
        expect(BARRACUDA_OPS.has(nd.opType), nd.opType).toBe(true);
        checkSignature(nd, OPSET9);
      }
      expect(nodes.some((nd) => nd.opType === "Cast")).toBe(false);
      // Node names are unique and every value is produced exactly once.
      expect(new Set(nodes.map((nd) => nd.name)).size).toBe(nodes.length);
      const produced = nodes.flatMap((nd) => nd.output).concat(model.graph!.initializer.map((t) => t.name));
      expect(new Set(produced).size).toBe(produced.length);

      for (const nd of nodes) {
        if (nd.opType === "RandomNormalLike") {
          expect(Number(attr(nd, "dtype")!.i)).toBe(1);
          expect(attr(nd, "seed")).toBeUndefined();
        }
        if (nd.opType === "Multinomial") {
          expect(Number(attr(nd, "dtype")!.i)).toBe(7);
          expect(Number(attr(nd, "sample_size")!.i)).toBe(1);
          expect(attr(nd, "seed")).toBeUndefined();
        }
        if (nd.opType === "ArgMax") {
          expect(Number(attr(nd, "axis")!.i)).toBe(1);
          expect(Number(attr(nd, "keepdims")!.i)).toBe(1);
        }
        if (nd.opType === "Softmax") expect(Number(attr(nd, "axis")!.i)).toBe(1);
        if (nd.opType === "Reshape") {
          const shape = initializer(model, nd.input[1]!)!;
          expect(shape.dataType).toBe(7);
          expect(initValues(shape)[0]).toBe(-1);
        }
      }
      const clips = nodes.filter((nd) => nd.opType === "Clip").map((nd) => [attr(nd, "min")!.f, attr(nd, "max")!.f]);
      if (c.continuousSize) expect(clips).toContainEqual([-20, 2]);
      if (c.snapshot.encoders.some((e) => e.kind === "vector" && e.normalizer)) expect(clips).toContainEqual([-5, 5]);
      const slices = nodes.filter((nd) => nd.opType === "Slice");
      expect(slices.length).toBe(c.branchSizes.length);
      let off = 0;
      slices.forEach((s, b) => {
        expect(s.input).toEqual(["action_masks"]);
        expect(attr(s, "starts")!.ints.map(Number)).toEqual([off]);
        off += c.branchSizes[b]!;
        expect(attr(s, "ends")!.ints.map(Number)).toEqual([off]);
        expect(attr(s, "axes")!.ints.map(Number)).toEqual([1]);
      });
    });
  }

  for (const c of CASES) {
    it(`${c.name}: every Dense is a PyTorch-style Gemm (weight [out, in], transB = 1)`, () => {
      const model = decode(exportActorToOnnx(c.snapshot, c.shapes));
      const gemms = model.graph!.node.filter((nd) => nd.opType === "Gemm");
      const s = c.snapshot;
      const layers = [
        ...s.encoders.flatMap((e) => (e.kind === "visual" ? [e.dense] : [])),
        ...s.body,
        ...(s.continuous ? [s.continuous.mu, s.continuous.logSigma] : []),
        ...(s.discrete ? s.discrete.heads : []),
      ];
      expect(gemms.length).toBe(layers.length);
      const remaining = [...layers];
      for (const nd of gemms) {
        expect(Number(attr(nd, "transB")?.i)).toBe(1);
        expect(attr(nd, "transA")).toBeUndefined();
        const w = initializer(model, nd.input[1]!)!;
        const b = initializer(model, nd.input[2]!)!;
        const [out, inn] = w.dims.map(Number) as [number, number];
        const values = initValues(w);
        // Find the snapshot layer this Gemm came from: weight[o][i] must equal kernel[i][o] (row-major [in][out]).
        const k = remaining.findIndex(
          (l) => l.outSize === out && l.inSize === inn && values.every((v, j) => v === l.kernel[(j % inn) * out + Math.floor(j / inn)]),
        );
        expect(k, `${nd.name} matches a snapshot layer`).toBeGreaterThanOrEqual(0);
        expect(b.dims.map(Number)).toEqual([out]);
        expect(initValues(b)).toEqual(Array.from(remaining[k]!.bias));
        remaining.splice(k, 1);
      }
      expect(remaining).toEqual([]);
    });
  }

  it("opset 13 export uses the input forms of Clip and Slice and still runs", async () => {
    const c = CASES.find((x) => x.name.startsWith("hybrid"))!;
    const bytes = exportActorToOnnx(c.snapshot, c.shapes, { opset: 13 });
    const model = decode(bytes);
    expect(Number(model.irVersion)).toBe(7);
    expect(Number(model.opsetImport[0]!.version)).toBe(13);
    for (const nd of model.graph!.node) checkSignature(nd, OPSET13);
    const clip = model.graph!.node.find((nd) => nd.opType === "Clip")!;
    expect(clip.input.length).toBe(3);
    expect(clip.attribute).toEqual([]);
  });

  it("rejects unsupported opsets and inconsistent snapshots with ExportError", () => {
    const c = CASES[0]!;
    for (const opset of [7, 8, 16, 9.5]) {
      expect(() => exportActorToOnnx(c.snapshot, c.shapes, { opset })).toThrow(ExportError);
    }
    expect(() => exportActorToOnnx(c.snapshot, [[9]])).toThrow(/encoders\[0\]/);
    expect(() => exportActorToOnnx(c.snapshot, [[8], [2]])).toThrow(/observationShapes/);
  });
});
