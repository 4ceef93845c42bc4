// onnxruntime-node's WebGPU execution provider (device "gpu") against its CPU provider: the same
// deterministic actions for every export case, masks included. Runs on lavapipe in CI.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BASIC_SIZE } from "../../src/emulator/environments/basic.js";
import { exportActorToOnnx } from "../../src/export/export-actor.js";
import { OnnxPolicy } from "../../src/export/onnx-policy.js";
import { webGpuForTests } from "../trainers/gpu/webgpu-for-tests.js";
import { CASES, randomObs, randomWireMasks } from "./helpers/cases.js";
import { runAgainstEmulator } from "./helpers/emulated-run.js";
import { randomActorSnapshot } from "./helpers/random-snapshot.js";

const adapter = await webGpuForTests();

// Hybrid (normalizer, masks) and visual cover every operator the exporter emits; lavapipe compiles
// each shader on first use, so the other cases would only add minutes.
const cases = CASES.filter((c) => c.name.startsWith("hybrid") || c.name.startsWith("visual"));

describe.skipIf(adapter === null)("OnnxPolicy on the WebGPU execution provider", () => {
  for (const c of cases) {
    it(`gives the CPU provider's deterministic actions: ${c.name}`, async () => {
      const bytes = exportActorToOnnx(c.snapshot, c.shapes);
      const cpu = await OnnxPolicy.load(bytes, { device: "cpu" });
      const gpu = await OnnxPolicy.load(bytes, { device: "gpu" });
      const n = 16;
      const obs = randomObs(c.shapes, n, 7);
      const masks = c.branchSizes.length > 0 ? randomWireMasks(c.branchSizes, n, 8) : null;
      const a = await cpu.act(obs, n, masks, true);
      const b = await gpu.act(obs, n, masks, true);
      expect(b.continuous.length).toBe(n * c.continuousSize);
      // float32 on both; the GPU's matmul sums in another order: 1e-4 is ~100 ulp of a tanh output.
      for (let i = 0; i < a.continuous.length; i++) expect(Math.abs(b.continuous[i]! - a.continuous[i]!)).toBeLessThan(1e-4);
      expect(Array.from(b.discrete)).toEqual(Array.from(a.discrete));
      await cpu.dispose();
      await gpu.dispose();
    });
  }
});

describe.skipIf(adapter === null)("run --device gpu", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-run-gpu-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("drives builtin:basic exactly as the CPU provider does (deterministic policy, same seed)", { timeout: 180_000 }, async () => {
    const model = path.join(dir, "Basic.onnx");
    writeFileSync(model, exportActorToOnnx(randomActorSnapshot({ seed: 5, observationShapes: [[BASIC_SIZE]], hiddenUnits: 16, branchSizes: [3] }), [[BASIC_SIZE]]));
    const cpu = await runAgainstEmulator(model, "basic", { steps: 150, emulatorSeed: 4, device: "cpu" });
    const gpu = await runAgainstEmulator(model, "basic", { steps: 150, emulatorSeed: 4, device: "gpu" });
    expect(gpu.report.exitCode).toBe(0);
    expect(gpu.report.decisions).toBe(cpu.report.decisions);
    expect(gpu.report.episodes).toBe(cpu.report.episodes);
    expect(gpu.report.meanRewardPerDecision).toBe(cpu.report.meanRewardPerDecision);
  });
});
