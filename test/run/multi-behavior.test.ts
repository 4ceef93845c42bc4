// Several behaviors at once in one Unity session: one trainer each (from default_settings), each
// with its own checkpoints and exported model; actions go back per behavior in the right order.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/index.js";
import type { EmulatedEnvironment } from "../../src/emulator/environments/environment.js";
import { getBuiltinEnvironment } from "../../src/emulator/environments/registry.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { readStatus, removeDir, stackLines, startRun, tempDir, tinyOptions, until } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A scene holding both the 3DBall platforms and the Basic agent, like a Unity scene with two behaviors. */
function ballAndBasic(): EmulatedEnvironment {
  const ball = getBuiltinEnvironment("3dball");
  const basic = getBuiltinEnvironment("basic");
  return {
    name: "ball-and-basic",
    behaviors: [...ball.behaviors, ...basic.behaviors],
    createAgent: (behavior, agent, scene, area) =>
      (ball.behaviors.includes(behavior) ? ball : basic).createAgent(behavior, agent, scene, area),
  };
}

describe("several behaviors in one session", () => {
  it("trains 3DBall and Basic side by side with separate trainers, checkpoints and models", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const run = await startRun(tinyOptions(dir));
    const emulator = new UnityEmulator({ env: ballAndBasic(), port: run.port, host: "127.0.0.1", logger: createMemoryLogger() });
    const running = emulator.run();
    await until(() => (run.trainers.get("3DBall")?.stepCount ?? 0) > 600 && (run.trainers.get("Basic")?.stepCount ?? 0) > 300, 30_000, "both trainers to step");
    const result = await run.abort();
    const emulated = await running;

    expect(emulated.reason).toBe("trainer-closed");
    expect(run.lines.filter((l) => l.startsWith("[INFO] Connected new brain"))).toEqual([
      "[INFO] Connected new brain: 3DBall?team=0",
      "[INFO] Connected new brain: Basic?team=0",
    ]);
    const ball = run.trainers.get("3DBall")!;
    const basic = run.trainers.get("Basic")!;
    expect(result.totalSteps).toBe(ball.stepCount + basic.stepCount);
    const status = readStatus(path.join(dir, "r"));
    expect(status["3DBall"]!.final_checkpoint!.steps).toBe(ball.stepCount);
    expect(status["Basic"]!.final_checkpoint!.steps).toBe(basic.stepCount);
    expect(existsSync(path.join(dir, "r", "3DBall.onnx"))).toBe(true);
    expect(existsSync(path.join(dir, "r", "Basic.onnx"))).toBe(true);
    // The emulator checks action counts and values per behavior; it would have stopped with a
    // protocol error on a wrong count, branch index or continuous size.
    expect(stackLines(run.lines)).toEqual([]);
  });
});
