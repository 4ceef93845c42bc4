// A behavior served by a team of several trainers (a population): one Unity session's agents are
// split between the members stably by agent id, each member learns only from its own agents and
// writes its own results under results/<run-id>/<Behavior>/member-<i>/; --resume restores each.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/index.js";
import { memberOfAgent } from "../../src/run/agent-split.js";
import type { TrainerFactory } from "../../src/run/trainer-controller.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { readStatus, RecordingTrainer, removeDir, stackLines, startRun, tempDir, tinyOptions, until } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function recordingFactory(members: RecordingTrainer[]): TrainerFactory {
  return (behaviorName, spec, settings, seed, member) => {
    const t = new RecordingTrainer({ behaviorName, spec, settings, seed });
    members[member] = t;
    return t;
  };
}

describe("a behavior served by a team of 4", () => {
  it("splits 3DBall's 12 agents 3/3/3/3, each member learns from its own, results per member, resume restores each", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const members: RecordingTrainer[] = [];
    const run = await startRun(tinyOptions(dir, { summaryFreq: 300 }), { teamSize: () => 4, createTrainer: recordingFactory(members) });
    const emulator = new UnityEmulator({ env: "3dball", port: run.port, host: "127.0.0.1", logger: createMemoryLogger() });
    const running = emulator.run();
    await until(() => members.length === 4 && members.every((m) => m.stepCount > 400), 60_000, "every member to step");
    const result = await run.abort();
    expect((await running).reason).toBe("trainer-closed");

    expect(run.lines).toContain(
      "[INFO] 3DBall?team=0: 12 agents of environment 0 in 4 members: 3, 3, 3, 3 (member = (agent id + environment index) mod 4; results in member-<i>/)",
    );
    // Each member saw only its own agents (ids grow as episodes restart; the rule holds for all).
    members.forEach((m, i) => {
      expect(m.seen.length).toBeGreaterThan(0);
      expect(m.seen.filter(([env, id]) => memberOfAgent(env, id, 4) !== i)).toEqual([]);
    });
    expect(result.totalSteps).toBe(members.reduce((a, m) => a + m.stepCount, 0));

    const runDir = path.join(dir, "r");
    const status = readStatus(runDir);
    members.forEach((m, i) => {
      const memberDir = path.join(runDir, "3DBall", `member-${i}`);
      const label = `3DBall-member-${i}`;
      expect(status[label]!.final_checkpoint!.steps).toBe(m.stepCount);
      expect(existsSync(path.join(memberDir, "checkpoint.ckpt"))).toBe(true);
      expect(existsSync(path.join(memberDir, `${label}.onnx`))).toBe(true);
      const stats = readFileSync(path.join(memberDir, "stats.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: number });
      expect(stats.at(-1)!.step).toBe(m.stepCount);
      expect(run.lines.some((l) => l.startsWith(`[INFO] ${label}. Step: 300. `))).toBe(true);
    });
    // A team of several never writes the single-trainer layout.
    expect(existsSync(path.join(runDir, "3DBall.onnx"))).toBe(false);
    expect(status["3DBall"]).toBeUndefined();
    expect(stackLines(run.lines)).toEqual([]);

    // --resume: every member continues from its own checkpoint.
    const options = tinyOptions(dir, { summaryFreq: 300 });
    options.checkpoint_settings.resume = true;
    const resumed: RecordingTrainer[] = [];
    const again = await startRun(options, { teamSize: () => 4, createTrainer: recordingFactory(resumed) });
    const second = new UnityEmulator({ env: "3dball", port: again.port, host: "127.0.0.1", logger: createMemoryLogger() });
    const secondRunning = second.run();
    await again.waitForLine(/Resuming training of 3DBall-member-3/);
    await again.abort();
    await secondRunning;
    members.forEach((m, i) => {
      expect(again.lines).toContain(`[INFO] Resuming training of 3DBall-member-${i} from step ${m.stepCount}.`);
      expect(resumed[i]!.stepCount).toBeGreaterThanOrEqual(m.stepCount);
    });
  });
});
