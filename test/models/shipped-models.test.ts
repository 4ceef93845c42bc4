// The policies in models/ do what their cards say: each drives its built-in environment (in-process
// emulator, real gRPC protocol, the `run` command's code path) to at least its documented reward,
// and each is a model Unity can import (contract constants, opset 9, PyTorch-style Gemm).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BARRACUDA_OPS, MODEL_API_VERSION, OnnxPolicy } from "../../src/export/index.js";
import { runAgainstEmulator } from "../export/helpers/emulated-run.js";
import { attr, decode } from "../export/helpers/model-inspect.js";

const MODELS = fileURLToPath(new URL("../../models", import.meta.url));

interface Shipped {
  readonly file: string;
  readonly env: string;
  readonly behavior: string;
  readonly obs: number[];
  readonly continuous: number;
  readonly branches: number[];
  /** Finished episodes to evaluate (deterministic), and the reward the card promises. */
  readonly episodes: number;
  readonly minMeanReward: number;
}

const SHIPPED: readonly Shipped[] = [
  // 12 agents: 12 episodes = every agent balances its ball for the full 1000 decisions (100 = the maximum).
  { file: "3dball.onnx", env: "3dball", behavior: "3DBall", obs: [8], continuous: 2, branches: [], episodes: 12, minMeanReward: 90 },
  // Optimum 0.93 (7 steps right to the large goal).
  { file: "basic.onnx", env: "basic", behavior: "Basic", obs: [20], continuous: 0, branches: [3], episodes: 10, minMeanReward: 0.9 },
];

describe("shipped models", () => {
  for (const m of SHIPPED) {
    it(`${m.file} reaches mean episode reward >= ${m.minMeanReward} on builtin:${m.env}`, async () => {
      const r = await runAgainstEmulator(path.join(MODELS, m.file), m.env, { episodes: m.episodes, deterministic: true, emulatorSeed: 11 });
      expect(r.report.exitCode, r.lines.join("\n")).toBe(0);
      expect(r.report.behavior).toBe(m.behavior);
      expect(r.report.episodes).toBeGreaterThanOrEqual(m.episodes);
      expect(r.report.meanEpisodeReward!).toBeGreaterThanOrEqual(m.minMeanReward);
    }, 120_000); // a failure bound only: episodes run slower on a loaded machine

    it(`${m.file} is a Unity-importable model of the ${m.behavior} spec, and its card documents it`, async () => {
      const bytes = readFileSync(path.join(MODELS, m.file));
      const policy = await OnnxPolicy.load(bytes);
      expect(policy.version).toBe(MODEL_API_VERSION);
      expect(policy.memorySize).toBe(0);
      expect(policy.inputs.find((i) => i.name === "obs_0")!.shape).toEqual(m.obs);
      expect(policy.continuousSize).toBe(m.continuous);
      expect(policy.discreteBranches).toEqual(m.branches);
      await policy.dispose();

      const model = decode(bytes);
      expect(model.opsetImport.map((o) => Number(o.version))).toEqual([9]);
      for (const nd of model.graph!.node) {
        expect(BARRACUDA_OPS.has(nd.opType), nd.opType).toBe(true);
        if (nd.opType === "Gemm") expect(Number(attr(nd, "transB")?.i)).toBe(1);
      }
      const card = readFileSync(path.join(MODELS, m.file.replace(/\.onnx$/, ".md")), "utf8");
      expect(card).toContain(`mlagents-ts.js run models/${m.file} --env builtin:${m.env}`);
      expect(card).toMatch(/mlagents-ts.js learn models\/configs\/\S+\.yaml /);
    });
  }

  const probe = spawnSync("/usr/bin/python3", ["-c", "import onnx"], { encoding: "utf8" });
  it.skipIf(probe.status !== 0)("pass the official onnx checker (full check, strict shape inference)", () => {
    const script = [
      "import sys, onnx",
      "from onnx import checker, shape_inference",
      "for p in sys.argv[1:]:",
      "    m = onnx.load(p)",
      "    checker.check_model(m, full_check=True)",
      "    shape_inference.infer_shapes(m, strict_mode=True)",
      "print('ok', len(sys.argv) - 1)",
    ].join("\n");
    const run = spawnSync("/usr/bin/python3", ["-c", script, ...SHIPPED.map((m) => path.join(MODELS, m.file))], { encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(`ok ${SHIPPED.length}`);
  });
});
