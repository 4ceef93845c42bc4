import { existsSync, mkdtempSync, promises as fs, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerExport } from "../../../src/cli/commands/export.js";
import { CheckpointSourceError } from "../../../src/cli/run/errors.js";
import { exportCheckpoint } from "../../../src/cli/run/export-checkpoint.js";
import { ActionSpec, type BehaviorSpec, DimensionProperty, ObservationType } from "../../../src/env/index.js";
import { OnnxPolicy } from "../../../src/export/index.js";
import { initBackend } from "../../../src/trainers/backend.js";
import type { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { decode } from "../../export/helpers/model-inspect.js";
import { behaviorDir, randomDecision, writeTrainedRun } from "../../export/helpers/trained-run.js";

function vectorSpec(sizes: number[], actions: ActionSpec): BehaviorSpec {
  return {
    observationSpecs: sizes.map((s, i) => ({
      name: `VectorSensor_${i}`,
      shape: [s],
      dimensionProperties: [DimensionProperty.NONE],
      observationType: ObservationType.DEFAULT,
    })),
    actionSpec: actions,
  };
}

const HYBRID: BehaviorSpec = vectorSpec([6, 3], new ActionSpec(2, [3, 2]));
const CONT: BehaviorSpec = vectorSpec([5], ActionSpec.continuous(3));

let root: string;
let single: string; // one hybrid behavior
let multi: string; // two behaviors
let trainers: Map<string, SacTrainer>;
const others: SacTrainer[] = [];

beforeAll(async () => {
  await initBackend("js");
  root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-export-"));
  single = path.join(root, "single");
  multi = path.join(root, "multi");
  trainers = await writeTrainedRun(single, [{ name: "Hybrid", spec: HYBRID }]);
  const m = await writeTrainedRun(multi, [{ name: "Walker Dynamic", spec: CONT }, { name: "Hybrid", spec: HYBRID }], 3);
  others.push(...m.values());
}, 120_000); // a failure bound only

afterAll(() => {
  for (const t of [...trainers.values(), ...others]) t.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** Deterministic actions of onnxruntime vs the tfjs trainer on the same random batch. */
async function expectMatchesTrainer(onnxPath: string, trainer: SacTrainer, spec: BehaviorSpec): Promise<void> {
  const policy = await OnnxPolicy.load(onnxPath);
  try {
    for (const seed of [1, 2]) {
      const d = randomDecision(spec, 9, 9000 + seed);
      const want = trainer.act(d, true);
      const got = await policy.act(d.obs, d.length, d.actionMask, true);
      expect(got.continuous.length).toBe(want.continuous.length);
      for (let i = 0; i < want.continuous.length; i++) expect(Math.abs(got.continuous[i]! - want.continuous[i]!)).toBeLessThan(1e-5);
      expect(Array.from(got.discrete)).toEqual(Array.from(want.discrete));
    }
  } finally {
    await policy.dispose();
  }
}

describe("exportCheckpoint", () => {
  it("exports a run folder's latest checkpoint to <run>/<behavior>.onnx, matching the trained actor", async () => {
    const r = await exportCheckpoint({ source: single });
    expect(r.behaviorName).toBe("Hybrid");
    expect(r.outPath).toBe(path.join(single, "Hybrid.onnx"));
    expect(r.step).toBe(trainers.get("Hybrid")!.stepCount);
    expect(r.step).toBeGreaterThan(0);
    expect(r.checkpointPath).toBe(path.join(single, "Hybrid", `Hybrid-${r.step}.ckpt`));
    expect((await fs.stat(r.outPath)).size).toBe(r.bytes);
    await expectMatchesTrainer(r.outPath, trainers.get("Hybrid")!, HYBRID);
  });

  it("exports one .ckpt file next to itself, or to --out with the chosen opset", async () => {
    const ckpt = path.join(single, "Hybrid", "checkpoint.ckpt");
    const r = await exportCheckpoint({ source: ckpt });
    expect(r.outPath).toBe(path.join(single, "Hybrid", `Hybrid-${r.step}.onnx`));
    const out = path.join(root, "nested", "dir", "h13.onnx");
    const r13 = await exportCheckpoint({ source: ckpt, out, opset: 13 });
    expect(r13.outPath).toBe(out);
    expect(Number(decode(await fs.readFile(out)).opsetImport[0]!.version)).toBe(13);
    await expectMatchesTrainer(out, trainers.get("Hybrid")!, HYBRID);
  });

  it("accepts a behavior folder, and picks a behavior by name (or folder name) in a multi-behavior run", async () => {
    const viaDir = await exportCheckpoint({ source: behaviorDir(single, "Hybrid"), out: path.join(root, "d.onnx") });
    expect(viaDir.behaviorName).toBe("Hybrid");
    const walker = await exportCheckpoint({ source: multi, behavior: "Walker Dynamic" });
    expect(walker.outPath).toBe(path.join(multi, "Walker Dynamic.onnx"));
    await expectMatchesTrainer(walker.outPath, others.find((t) => t.behaviorName === "Walker Dynamic")!, CONT);
    const p = await OnnxPolicy.load(walker.outPath);
    expect(p.continuousSize).toBe(3);
    expect(p.discreteBranches).toEqual([]);
    await p.dispose();
  });

  it("refuses clearly: missing path, several behaviors, unknown behavior", async () => {
    const missing = path.join(root, "nope");
    await expect(exportCheckpoint({ source: missing })).rejects.toThrow(new CheckpointSourceError(missing, "no such file or folder"));
    await expect(exportCheckpoint({ source: multi })).rejects.toThrow(/several behaviors \(Hybrid, Walker Dynamic\); choose one with --behavior/);
    await expect(exportCheckpoint({ source: multi, behavior: "Crawler" })).rejects.toThrow(/no behavior Crawler/);
    await expect(exportCheckpoint({ source: root })).rejects.toThrow(/no behavior folder with behavior-spec\.json/);
  });

  it("refuses a corrupt checkpoint file, a folder without a valid one, and a missing configuration", async () => {
    const bad = path.join(root, "bad");
    await fs.cp(single, bad, { recursive: true });
    const ckpt = path.join(bad, "Hybrid", "checkpoint.ckpt");
    const bytes = await fs.readFile(ckpt);
    bytes[bytes.length - 40] ^= 0xff;
    await fs.rm(ckpt);
    await fs.writeFile(ckpt, bytes);
    await expect(exportCheckpoint({ source: ckpt })).rejects.toThrow(/not a usable checkpoint \(checksum mismatch/);
    // The step file is the same checkpoint (hard link before the rewrite): damage it too.
    for (const f of await fs.readdir(path.join(bad, "Hybrid"))) {
      if (/^Hybrid-\d+\.ckpt$/.test(f)) await fs.writeFile(path.join(bad, "Hybrid", f), bytes);
    }
    await expect(exportCheckpoint({ source: bad })).rejects.toThrow(/no valid checkpoint of behavior Hybrid/);

    const noConfig = path.join(root, "noconfig");
    await fs.cp(single, noConfig, { recursive: true });
    await fs.rm(path.join(noConfig, "configuration.yaml"));
    await expect(exportCheckpoint({ source: noConfig })).rejects.toThrow(/configuration\.yaml: the run's configuration is missing/);

    const noSpec = path.join(root, "nospec");
    await fs.cp(single, noSpec, { recursive: true });
    await fs.writeFile(path.join(noSpec, "Hybrid", "behavior-spec.json"), "{ not json");
    await expect(exportCheckpoint({ source: path.join(noSpec, "Hybrid", "checkpoint.ckpt") })).rejects.toThrow(/not a valid behavior spec/);
  });

  it("refuses a checkpoint whose network does not fit the configuration", async () => {
    const changed = path.join(root, "changed");
    await fs.cp(single, changed, { recursive: true });
    const cfg = path.join(changed, "configuration.yaml");
    await fs.writeFile(cfg, (await fs.readFile(cfg, "utf8")).replace(/hidden_units: 12/, "hidden_units: 40"));
    await expect(exportCheckpoint({ source: changed })).rejects.toThrow(/does not fit behavior Hybrid with the run's configuration/);
  });
});

describe("mlagents-ts export (command)", () => {
  function program(): { p: Command; code: () => number | undefined } {
    let exitCode: number | undefined;
    const p = new Command("mlagents-ts").exitOverride();
    registerExport(p, (c) => (exitCode = c));
    for (const c of p.commands) c.exitOverride();
    return { p, code: () => exitCode };
  }

  it("writes the file and exits 0; exits 1 on a bad source; rejects a bad opset", async () => {
    const out = path.join(root, "cli.onnx");
    const ok = program();
    await ok.p.parseAsync(["node", "mlagents-ts", "export", single, "--out", out, "--opset", "11"]);
    expect(ok.code()).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(Number(decode(await fs.readFile(out)).opsetImport[0]!.version)).toBe(11);
    const bad = program();
    await bad.p.parseAsync(["node", "mlagents-ts", "export", path.join(root, "nope")]);
    expect(bad.code()).toBe(1);
    await expect(program().p.parseAsync(["node", "mlagents-ts", "export", single, "--opset", "8"])).rejects.toThrow(/9 to 15/);
  });
});
