// Ctrl+C is acted on within a second at any moment (issue 14 item 1): with far more gradient
// updates due than fit in a second, the run's stop still ends the loop and starts saving at once,
// because updates run in slices of UPDATE_SLICE_MS with a yield between them.
import { afterAll, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/index.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { removeDir, startRun, tempDir, tinyOptions, until } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("stopping a run while updates are due", () => {
  it("prints the saving line within 1 s of stop(), with thousands of updates still due", async () => {
    const dir = tempDir();
    dirs.push(dir);
    // 12 agents and 100 updates per agent step: every environment step makes 1,200 updates due.
    const options = tinyOptions(dir, { stepsPerUpdate: 0.01 });
    const run = await startRun(options);
    const emulator = new UnityEmulator({ env: "3dball", port: run.port, host: "127.0.0.1", logger: createMemoryLogger() });
    const running = emulator.run();
    await until(() => (run.trainers.get("3DBall")?.updateStepCount ?? 0) > 200, 60_000, "updates to run");
    const trainer = run.trainers.get("3DBall")!;
    const due = trainer.stepCount / trainer.updateStepCount / 0.01; // ML-Agents' schedule: due while this is > 1
    expect(due).toBeGreaterThan(2); // more than twice the updates done so far are still due
    const before = run.lines.length;
    const stoppedAt = performance.now();
    const result = run.abort();
    await run.waitForLine(/^\[INFO\] Saving the trainers at step/, 10_000, before);
    const latencyMs = performance.now() - stoppedAt;
    console.info(`stop() to the saving line: ${latencyMs.toFixed(0)} ms (due/done ratio of the schedule: ${due.toFixed(1)})`);
    expect(latencyMs).toBeLessThan(1000);
    await result;
    await running;
  });
});
