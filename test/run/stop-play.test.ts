// Editor mode across Unity sessions: one runTraining, ten Play/Stop sessions of the emulator. The run
// keeps its trainer, step count and replay buffer; each Stop writes one checkpoint and one line.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { UnityEmulator, type EmulatorResult } from "../../src/emulator/index.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { BALL, CraftedUnity, grpcError } from "./crafted-unity.js";
import { checkpointSteps, readStatus, removeDir, stackLines, startRun, tempDir, tinyOptions, until } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const STOP_LINE = /^\[INFO\] Unity stopped at step ([\d,]+); checkpoint saved to (.+); press Play to continue, Ctrl\+C to finish\.$/;
const AGENTS_3DBALL = 12;

describe("Stop and Play in one learn process", () => {
  it("keeps step count, replay buffer and one checkpoint per stop over 10 sessions", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const run = await startRun(tinyOptions(dir, { keepCheckpoints: 20 }));
    const stops: { step: number; file: string; buffer: number; trainerSteps: number }[] = [];
    const results: EmulatorResult[] = [];
    for (let i = 0; i < 10; i++) {
      const before = run.lines.length;
      const viaFault = i % 2 === 0;
      const emulator = new UnityEmulator({
        env: "3dball",
        port: run.port,
        host: "127.0.0.1",
        logger: createMemoryLogger(),
        fault: viaFault ? { kind: "stop", afterSteps: 30 + i } : undefined,
      });
      const running = emulator.run();
      if (!viaFault) {
        await until(() => (emulator.academy?.totalStepCount ?? 0) >= 120, 20_000, "the emulator to step");
        await emulator.stop();
      }
      results.push(await running);
      const line = await run.waitForLine(STOP_LINE, 20_000, before);
      const m = STOP_LINE.exec(line)!;
      const trainer = run.trainers.get("3DBall")!;
      stops.push({ step: Number(m[1]!.replace(/,/g, "")), file: m[2]!, buffer: trainer.bufferSize, trainerSteps: trainer.stepCount });
      // Exactly one stop line per session.
      expect(run.lines.slice(before).filter((l) => STOP_LINE.test(l))).toHaveLength(1);
    }
    const result = await run.abort();

    expect(results.map((r) => r.reason)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "fault-stop" : "stopped")));
    // One trainer for the whole run (never recreated), and the count only grows.
    expect(run.trainers.size).toBe(1);
    let previous = 0;
    for (let i = 0; i < stops.length; i++) {
      const s = stops[i]!;
      expect(s.trainerSteps).toBe(s.step);
      const delta = s.step - previous;
      expect(delta).toBeGreaterThan(0);
      // A session adds at most one transition per agent info it sent.
      expect(delta).toBeLessThanOrEqual(AGENTS_3DBALL * results[i]!.requests);
      // The replay buffer is kept in memory across sessions: it holds every step of the run.
      expect(s.buffer).toBe(s.step);
      previous = s.step;
      expect(path.basename(s.file)).toBe(`3DBall-${s.step}.ckpt`);
      expect(existsSync(path.resolve(s.file))).toBe(true);
    }
    expect(result.sessions).toBe(10);
    expect(result.totalSteps).toBe(stops.at(-1)!.step);
    expect(result.exitCode).toBe(0);

    // One checkpoint per stop, plus nothing in between (checkpoint_interval is huge).
    const runDir = path.join(dir, "r");
    expect(checkpointSteps(runDir)).toEqual(stops.map((s) => s.step));
    const st = readStatus(runDir)["3DBall"]!;
    expect(st.checkpoints!.map((c) => c.steps)).toEqual(stops.map((s) => s.step));
    // Ctrl+C: a final checkpoint with every step of every session, and the exported model.
    expect(st.final_checkpoint!.steps).toBe(result.totalSteps);
    expect(existsSync(path.join(runDir, "3DBall.onnx"))).toBe(true);
    expect(stackLines(run.lines)).toEqual([]);
  });

  it("a new handshake replaces the active session: open episodes are dropped, the old client gets an error", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const run = await startRun(tinyOptions(dir));
    const a = new CraftedUnity(run.port);
    await a.open();
    for (let i = 0; i < 4; i++) await a.sendStep();
    const trainer = run.trainers.get("3DBall")!;
    // 4 agents, 4 steps: the first step has no previous action, so 3 x 4 transitions.
    await until(() => trainer.stepCount === 12, 5000, "A's steps");
    const before = run.lines.length;

    const b = new CraftedUnity(run.port);
    await b.open();
    const line = await run.waitForLine(STOP_LINE, 5000, before);
    expect(line).toContain("Unity stopped at step 12;");
    // B's agents reuse ids 0..3: A's open steps must not be completed by B's first infos.
    const first = await b.sendStep();
    expect(first.unityInput!.rlInput!.agentActions[BALL]!.value).toHaveLength(4);
    expect(trainer.stepCount).toBe(12);
    await b.sendStep();
    expect(trainer.stepCount).toBe(16);

    const err = await grpcError(a.sendStep());
    expect(err?.code).toBe(status.FAILED_PRECONDITION);
    expect(err?.details).toBe("this session was replaced by a newer Unity connection");
    a.close();
    b.close();
    const result = await run.abort();
    expect(result.totalSteps).toBe(16);
    expect(result.sessions).toBe(2);
  });
});
