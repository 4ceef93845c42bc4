// Launched players (--env builtin:3dball): a player that crashes or hangs is killed and restarted
// while the other worker keeps stepping.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readStatus, removeDir, stackLines, tempDir } from "./helpers.js";
import { launchRun } from "./launched-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("launched players are restarted", () => {
  // The crash is seen by its dropped connection and exit code, never by a clock: a wait far beyond
  // any start-up time on a loaded machine keeps --timeout-wait out of this test.
  it("a player that crashes once is restarted; the other worker keeps stepping", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const once = path.join(dir, "fault-once");
    const r = await launchRun(["--fault", "crash", "--fault-after", "40", "--fault-once-file", once], { numEnvs: 2, maxRestarts: 2, stopAfterSessions: 3, timeoutWait: 300 });
    dirs.push(r.dir);
    expect(existsSync(once)).toBe(true);
    const restarts = r.lines.filter((l) => l.includes("Restarting worker"));
    expect(restarts).toEqual([expect.stringMatching(/^\[WARNING\] Restarting worker\[[01]\] after 'Environment shut down with return code 3\.'$/)]);
    // Both initial launches plus the restart connected; Ctrl+C ended the run normally.
    expect(r.result.sessions).toBe(3);
    expect(r.result.exitCode).toBe(0);
    // The other worker kept stepping while the crashed one was relaunched.
    const restartLine = /Restarting worker/;
    expect(r.stepsWhen(/Connected new brain/, 2)).toBeGreaterThan(r.stepsWhen(restartLine));
    // ... and the restarted one steps too once back.
    expect(r.result.totalSteps).toBeGreaterThan(r.stepsWhen(/Connected new brain/, 2));
    expect(readStatus(r.runDir)["3DBall"]!.final_checkpoint!.steps).toBe(r.result.totalSteps);
    expect(stackLines(r.lines)).toEqual([]);
  });

  it("a player that hangs is killed after --timeout-wait and restarted", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const once = path.join(dir, "fault-once");
    const r = await launchRun(["--fault", "hang", "--fault-after", "300", "--fault-once-file", once], { numEnvs: 2, maxRestarts: 1, timeoutWait: 8, stopAfterSessions: 3 });
    dirs.push(r.dir);
    const restarts = r.lines.filter((l) => l.includes("Restarting worker"));
    expect(restarts).toEqual([expect.stringMatching(/^\[WARNING\] Restarting worker\[[01]\] after 'The Unity environment took too long to respond \(nothing received within 8 s\)\. Check that Unity is in Play mode \(or the player is running\) and not paused, or raise --timeout-wait'$/)]);
    expect(r.result.sessions).toBe(3);
    expect(r.result.exitCode).toBe(0);
    // Environments step independently: while the hung worker was waited for, the healthy one kept
    // training. Looked at over the last 3 s of the 8 s wait, when both had long been connected.
    const restartAt = r.timeWhen(/Restarting worker/);
    expect(r.timeWhen(/Connected new brain/, 1)).toBeLessThan(restartAt - 3000);
    expect(r.stepsWhen(/Restarting worker/) - r.stepsAtTime(restartAt - 3000)).toBeGreaterThan(100);
    expect(stackLines(r.lines)).toEqual([]);
  });
});
