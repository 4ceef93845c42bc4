import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportActorToOnnx } from "../../src/export/export-actor.js";
import { OnnxPolicy } from "../../src/export/onnx-policy.js";
import { OnnxPolicyError } from "../../src/export/errors.js";
import { GraphBuilder } from "../../src/export/graph-builder.js";
import { TensorProto_DataType } from "../../src/export/generated/onnx/onnx.js";
import { CASES, randomObs, randomWireMasks, toAllowed } from "./helpers/cases.js";
import { referenceForward } from "./helpers/reference-forward.js";

const hybrid = CASES.find((c) => c.name.startsWith("hybrid"))!;
const visual = CASES.find((c) => c.name.startsWith("visual"))!;
const dir = mkdtempSync(join(tmpdir(), "mlagents-ts-policy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argmax = (p: number[]): number => p.indexOf(Math.max(...p));

describe("OnnxPolicy", () => {
  it("loads from a file and reads the layout from the model's constant outputs", async () => {
    const path = join(dir, "Hybrid.onnx");
    writeFileSync(path, exportActorToOnnx(hybrid.snapshot, hybrid.shapes));
    const p = await OnnxPolicy.load(path);
    expect(p.version).toBe(3);
    expect(p.memorySize).toBe(0);
    expect(p.continuousSize).toBe(hybrid.continuousSize);
    expect(p.discreteBranches).toEqual(hybrid.branchSizes);
    expect(p.inputs).toEqual([
      { name: "obs_0", shape: [7] },
      { name: "obs_1", shape: [2] },
      { name: "action_masks", shape: [5] },
    ]);
    expect(p.outputs[0]).toBe("version_number");
    await p.dispose();
  });

  it("deterministic actions equal the reference, with wire masks (1 = masked) respected", async () => {
    const p = await OnnxPolicy.load(exportActorToOnnx(visual.snapshot, visual.shapes));
    expect(p.inputs.map((i) => i.shape)).toEqual([[3, 36, 36], [4], [3]]);
    const n = 5;
    const obs = randomObs(visual.shapes, n, 3);
    const free = referenceForward(visual.snapshot, obs, n, null);
    // Mask exactly the unmasked favourite of every agent: the runner must then pick the runner-up.
    const size = visual.branchSizes[0]!;
    const wire = new Uint8Array(n * size);
    for (let a = 0; a < n; a++) wire[a * size + argmax(free.probs[a]![0]!)] = 1;
    const masked = referenceForward(visual.snapshot, obs, n, toAllowed([wire], visual.branchSizes, n));

    const unmaskedOut = await p.act(obs, n, null, true);
    const maskedOut = await p.act(obs, n, [wire], true);
    for (let a = 0; a < n; a++) {
      expect(unmaskedOut.discrete[a]).toBe(argmax(free.probs[a]![0]!));
      expect(maskedOut.discrete[a]).toBe(argmax(masked.probs[a]![0]!));
      expect(maskedOut.discrete[a]).not.toBe(unmaskedOut.discrete[a]);
      for (let j = 0; j < 2; j++) {
        expect(Math.abs(maskedOut.continuous[a * 2 + j]! - Math.tanh(free.mu[a]![j]!))).toBeLessThan(1e-5);
      }
    }
    expect(maskedOut.discrete).toBeInstanceOf(Int32Array);
    await p.dispose();
  });

  it("stochastic act never returns a masked action", async () => {
    const p = await OnnxPolicy.load(exportActorToOnnx(hybrid.snapshot, hybrid.shapes));
    const n = 300;
    const masks = randomWireMasks(hybrid.branchSizes, n, 9);
    const { discrete, continuous } = await p.act(randomObs(hybrid.shapes, n, 8), n, masks, false);
    expect(continuous.length).toBe(n * 2);
    expect(discrete.length).toBe(n * 2);
    hybrid.branchSizes.forEach((size, b) => {
      for (let a = 0; a < n; a++) {
        const k = discrete[a * 2 + b]!;
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThan(size);
        expect(masks[b]![a * size + k]).toBe(0);
      }
    });
    expect((await p.act(randomObs(hybrid.shapes, 0, 1), 0, null, false)).discrete.length).toBe(0);
    // Each call draws fresh noise: the same observations give different continuous samples.
    const obs = randomObs(hybrid.shapes, 4, 2);
    const first = await p.act(obs, 4, null, false);
    const second = await p.act(obs, 4, null, false);
    expect(Array.from(second.continuous)).not.toEqual(Array.from(first.continuous));
    await p.dispose();
  });

  it("rejects wrong input sizes with OnnxPolicyError naming the input", async () => {
    const p = await OnnxPolicy.load(exportActorToOnnx(hybrid.snapshot, hybrid.shapes));
    await expect(p.act([new Float32Array(7 * 2), new Float32Array(3)], 2, null, true)).rejects.toThrow(/obs_1.*2 x 2/);
    await expect(p.act([new Float32Array(7)], 1, null, true)).rejects.toThrow(OnnxPolicyError);
    const obs = randomObs(hybrid.shapes, 2, 1);
    await expect(p.act(obs, 2, [new Uint8Array(4)], true)).rejects.toThrow(/1 branch masks given for 2 branches/);
    await expect(p.act(obs, 2, [new Uint8Array(3), new Uint8Array(6)], true)).rejects.toThrow(/branch 0: expects 2 x 2 values, got 3/);
    await p.dispose();
  });

  /** A hand-built model with chosen constants, to exercise the loader's checks. */
  function constModel(version: number | null, memory: number, extraInput?: string): Uint8Array {
    const F = TensorProto_DataType.FLOAT;
    const g = new GraphBuilder(9);
    g.addInput("obs_0", F, ["batch", 2]);
    if (extraInput) {
      g.addInput(extraInput, F, ["batch", 1, 4]);
      g.reserveOutput("extra_out");
      g.op("Identity", [extraInput], {}, "extra_out");
      g.addOutput("extra_out", F, ["batch", 1, 4]);
    }
    for (const [name, v] of [["version_number", version], ["memory_size", memory], ["continuous_action_output_shape", 2]] as const) {
      if (v === null) continue;
      g.reserveOutput(name);
      g.op("Identity", [g.floatInit(`${name}.1`, [v], [1])], {}, name);
      g.addOutput(name, F, [1]);
    }
    g.reserveOutput("continuous_actions");
    g.op("Tanh", ["obs_0"], {}, "continuous_actions");
    g.addOutput("continuous_actions", F, ["batch", 2]);
    return g.toBytes();
  }

  it("accepts a minimal hand-built model and refuses what Unity would refuse", async () => {
    const ok = await OnnxPolicy.load(constModel(3, 0));
    expect(ok.continuousSize).toBe(2);
    expect(Array.from((await ok.act([Float32Array.from([0, 100])], 1, null, false)).continuous)).toEqual([0, 1]);
    await ok.dispose();
    await expect(OnnxPolicy.load(constModel(null, 0))).rejects.toThrow(/version_number.*missing/);
    await expect(OnnxPolicy.load(constModel(4, 0))).rejects.toThrow(/version_number.*4/);
    await expect(OnnxPolicy.load(constModel(1, 0))).rejects.toThrow(OnnxPolicyError);
    await expect(OnnxPolicy.load(constModel(3, 128))).rejects.toThrow(/memory_size.*128/);
    await expect(OnnxPolicy.load(Uint8Array.from([1, 2, 3, 4]))).rejects.toThrow(OnnxPolicyError);
    await expect(OnnxPolicy.load(constModel(3, 0, "recurrent_in"))).rejects.toThrow(/input "recurrent_in"/);
    await expect(OnnxPolicy.load(join(dir, "missing.onnx"))).rejects.toThrow(/missing\.onnx/);
  });
});
