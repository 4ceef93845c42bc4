import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BARRACUDA_OPS, MODEL_API_VERSION, contractInputs, contractOutputs, obsInputName } from "../../src/export/contract.js";

describe("ONNX contract table", () => {
  it("matches the examples of docs/protocol.md §6.4 (3DBall, Basic)", () => {
    // 3DBall: obs_0 [batch, 8], two continuous actions.
    const ball = { observationShapes: [[8]], continuousSize: 2, branchSizes: [] };
    expect(contractInputs(ball)).toEqual([{ name: "obs_0", dtype: "float32", dims: ["batch", 8], constant: null }]);
    expect(contractOutputs(ball).map((t) => [t.name, t.dtype, t.dims, t.constant])).toEqual([
      ["version_number", "float32", [1], [3]],
      ["memory_size", "float32", [1], [0]],
      ["continuous_actions", "float32", ["batch", 2], null],
      ["continuous_action_output_shape", "float32", [1], [2]],
      ["deterministic_continuous_actions", "float32", ["batch", 2], null],
    ]);
    // Basic: obs_0 [batch, 20], one branch of 3.
    const basic = { observationShapes: [[20]], continuousSize: 0, branchSizes: [3] };
    expect(contractInputs(basic).map((t) => [t.name, t.dims])).toEqual([["obs_0", ["batch", 20]], ["action_masks", ["batch", 3]]]);
    expect(contractOutputs(basic).slice(2).map((t) => [t.name, t.dtype, t.dims, t.constant])).toEqual([
      ["discrete_actions", "int64", ["batch", 1], null],
      ["discrete_action_output_shape", "float32", [1, 1], [3]],
      ["deterministic_discrete_actions", "int64", ["batch", 1], null],
    ]);
    expect(MODEL_API_VERSION).toBe(3);
  });

  it("for any policy: inputs obs_i (+ action_masks iff branches), constant sizes fit their dims", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 4 }),
        (observationShapes, continuousSize, branchSizes) => {
          const p = { observationShapes, continuousSize, branchSizes };
          const ins = contractInputs(p);
          expect(ins.map((t) => t.name)).toEqual([
            ...observationShapes.map((_, i) => obsInputName(i)),
            ...(branchSizes.length ? ["action_masks"] : []),
          ]);
          for (const t of ins) expect(t.dims[0]).toBe("batch");
          const outs = contractOutputs(p);
          expect(outs.length).toBe(2 + (continuousSize ? 3 : 0) + (branchSizes.length ? 3 : 0));
          for (const t of outs) {
            if (t.constant) expect(t.constant.length).toBe((t.dims as number[]).reduce((a, b) => a * b, 1));
            else expect(t.dims[0]).toBe("batch");
          }
        },
      ),
    );
  });

  it("the op allow-list has no Cast, no LSTM and the ops every exported policy needs", () => {
    expect(BARRACUDA_OPS.has("Cast")).toBe(false);
    expect(BARRACUDA_OPS.has("LSTM")).toBe(false);
    for (const op of ["Gemm", "Clip", "Multinomial", "RandomNormalLike", "Slice", "Conv", "LeakyRelu", "Reshape"]) {
      expect(BARRACUDA_OPS.has(op)).toBe(true);
    }
  });
});
