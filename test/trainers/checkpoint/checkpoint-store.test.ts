import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { tempNameFor } from "../../../src/util/atomic-file.js";
import { CheckpointPathError, CheckpointStore, LATEST_CHECKPOINT } from "../../../src/trainers/checkpoint/checkpoint-store.js";
import { TrainingStatusFile } from "../../../src/trainers/checkpoint/training-status.js";

let runDir: string;
beforeEach(async () => {
  runDir = await fs.mkdtemp(path.join(os.tmpdir(), "ckpt-"));
});
afterEach(async () => {
  await fs.rm(runDir, { recursive: true, force: true });
});

const bytesOf = (step: number): Uint8Array => Uint8Array.from({ length: 64 + (step % 7) }, (_, i) => (i * 31 + step) & 0xff);

function store(extra: Partial<ConstructorParameters<typeof CheckpointStore>[0]> = {}) {
  const logger = createMemoryLogger();
  let t = 1000;
  const s = new CheckpointStore({ runDir, behaviorName: "3DBall", keepCheckpoints: 3, logger, version: "0.1.0", now: () => t++, ...extra });
  return { s, logger };
}

describe("CheckpointStore", () => {
  it("saves, loads the latest and keeps only keep_checkpoints step files with their extra files", async () => {
    const { s } = store();
    for (const step of [100, 200, 300, 400, 500]) {
      await s.save(step, bytesOf(step), [{ name: `3DBall-${step}.onnx`, bytes: Uint8Array.from([step & 0xff]) }], { reward: step / 100 });
    }
    const names = (await fs.readdir(s.dir)).sort();
    expect(names).toEqual(
      ["3DBall-300.ckpt", "3DBall-300.onnx", "3DBall-400.ckpt", "3DBall-400.onnx", "3DBall-500.ckpt", "3DBall-500.onnx", LATEST_CHECKPOINT].sort(),
    );
    const latest = await s.loadLatest();
    expect(latest?.step).toBe(500);
    expect([...latest!.bytes]).toEqual([...bytesOf(500)]);
    expect((await s.listValid()).map((c) => c.step)).toEqual([300, 400, 500]);
  });

  it("keep_checkpoints <= 0 keeps everything", async () => {
    const { s } = store({ keepCheckpoints: 0 });
    for (const step of [1, 2, 3, 4, 5, 6]) await s.save(step, bytesOf(step));
    expect((await s.listValid()).length).toBe(6);
  });

  it("writes training_status.json in ML-Agents' layout", async () => {
    const { s } = store();
    await s.save(100, bytesOf(100), [{ name: "3DBall-100.onnx", bytes: new Uint8Array(1) }], { reward: 1.5 });
    await s.save(200, bytesOf(200), [{ name: "3DBall-200.onnx", bytes: new Uint8Array(1) }], { reward: 2.5, final: true });
    const doc = JSON.parse(await fs.readFile(path.join(runDir, "run_logs", "training_status.json"), "utf8"));
    expect(doc.metadata).toEqual({ stats_format_version: "0.3.0", mlagents_version: "0.1.0" });
    const b = doc["3DBall"];
    expect(b.checkpoints).toHaveLength(2);
    expect(b.checkpoints[0]).toEqual({
      steps: 100,
      file_path: path.join(runDir, "3DBall", "3DBall-100.onnx"),
      reward: 1.5,
      creation_time: expect.any(Number),
      auxillary_file_paths: [path.join(runDir, "3DBall", "3DBall-100.ckpt")],
    });
    expect(b.final_checkpoint.steps).toBe(200);
    expect(b.final_checkpoint.reward).toBe(2.5);
  });

  it("pruned checkpoints leave training_status.json too; other behaviors' entries are kept", async () => {
    const status = new TrainingStatusFile(runDir, "0.1.0");
    const a = new CheckpointStore({ runDir, behaviorName: "A", keepCheckpoints: 2, status });
    const b = new CheckpointStore({ runDir, behaviorName: "B", keepCheckpoints: 2, status });
    await Promise.all([a.save(1, bytesOf(1)), b.save(1, bytesOf(1))]);
    await a.save(2, bytesOf(2));
    await a.save(3, bytesOf(3));
    const doc = JSON.parse(await fs.readFile(status.file, "utf8"));
    expect(doc.A.checkpoints.map((c: { steps: number }) => c.steps)).toEqual([2, 3]);
    expect(doc.B.checkpoints.map((c: { steps: number }) => c.steps)).toEqual([1]);
  });

  it("a truncated checkpoint.ckpt is rejected by its checksum; loadLatest falls back, logs one line and repairs", async () => {
    const { s, logger } = store();
    await s.save(100, bytesOf(100));
    await s.save(200, bytesOf(200));
    const latest = path.join(s.dir, LATEST_CHECKPOINT);
    // Break the link first so truncating checkpoint.ckpt does not truncate the step file too.
    const full = await fs.readFile(latest);
    await fs.rm(latest);
    await fs.writeFile(latest, full.subarray(0, full.length - 10));
    await fs.rm(path.join(s.dir, "3DBall-200.ckpt"));
    const before = logger.lines.length;
    const r = await s.loadLatest();
    expect(r?.step).toBe(100);
    expect([...r!.bytes]).toEqual([...bytesOf(100)]);
    expect(logger.lines.length - before).toBe(1);
    expect(logger.lines.at(-1)).toMatch(/^\[WARNING\] Checkpoint .*checkpoint\.ckpt is not usable: checksum mismatch.*Resuming 3DBall from .*3DBall-100\.ckpt instead\.$/);
    // repaired: no warning the second time
    expect((await s.loadLatest())?.step).toBe(100);
    expect(logger.lines.length - before).toBe(1);
  });

  it("a corrupted newest step file is skipped in favour of the previous one", async () => {
    const { s } = store();
    await s.save(100, bytesOf(100));
    await s.save(200, bytesOf(200));
    await fs.rm(path.join(s.dir, LATEST_CHECKPOINT));
    const f = path.join(s.dir, "3DBall-200.ckpt");
    const b = await fs.readFile(f);
    b[b.length - 40] ^= 0xff; // one flipped payload bit
    await fs.writeFile(f, b);
    expect((await s.loadLatest())?.step).toBe(100);
    expect((await s.listValid()).map((c) => c.step)).toEqual([100]);
  });

  it("a crash between the step file and checkpoint.ckpt resumes from the newer step file", async () => {
    const { s } = store();
    await s.save(100, bytesOf(100));
    // the step file of 200 landed, checkpoint.ckpt still points at 100
    const { encodeCheckpoint } = await import("../../../src/trainers/checkpoint/checkpoint-file.js");
    await fs.writeFile(s.pathFor(200), encodeCheckpoint({ behaviorName: "3DBall", step: 200, creationTime: 1 }, bytesOf(200)));
    expect((await s.loadLatest())?.step).toBe(200);
  });

  it("a crash mid-write (temp file never renamed) leaves the previous checkpoint loadable and the temp file is cleaned", async () => {
    const { s } = store();
    await s.save(100, bytesOf(100));
    await fs.writeFile(tempNameFor(path.join(s.dir, LATEST_CHECKPOINT)), "partial");
    await fs.writeFile(tempNameFor(s.pathFor(200)), "partial");
    expect((await s.loadLatest())?.step).toBe(100);
    expect((await fs.readdir(s.dir)).sort()).toEqual(["3DBall-100.ckpt", LATEST_CHECKPOINT]);
  });

  it("returns null without checkpoints, and with only invalid ones (logged)", async () => {
    const { s, logger } = store();
    expect(await s.loadLatest()).toBeNull();
    await fs.mkdir(s.dir, { recursive: true });
    await fs.writeFile(s.pathFor(5), "garbage");
    expect(await s.loadLatest()).toBeNull();
    expect(logger.lines.some((l) => l.includes("No valid checkpoint for 3DBall"))).toBe(true);
  });

  it("a checkpoint of another behavior is not accepted", async () => {
    const { s } = store();
    const other = new CheckpointStore({ runDir, behaviorName: "Other" });
    await other.save(7, bytesOf(7));
    await fs.mkdir(s.dir, { recursive: true });
    await fs.copyFile(other.pathFor(7), s.pathFor(7));
    expect(await s.loadLatest()).toBeNull();
  });

  it("hostile behavior names stay inside the run folder; extra file names must be plain", async () => {
    const s = new CheckpointStore({ runDir, behaviorName: "../../evil" });
    expect(path.dirname(s.dir)).toBe(runDir);
    await s.save(1, bytesOf(1));
    expect((await s.loadLatest())?.step).toBe(1);
    await expect(s.save(2, bytesOf(2), [{ name: "../x.onnx", bytes: new Uint8Array(1) }])).rejects.toThrow(CheckpointPathError);
  });
});
