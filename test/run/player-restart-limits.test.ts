// Launched players: when --max-lifetime-restarts or --restarts-rate-limit-n is hit, the run
// checkpoints and ends with one clear line and exit code 1.
import { afterAll, describe, expect, it } from "vitest";
import { readStatus, removeDir, stackLines } from "./helpers.js";
import { launchRun } from "./launched-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("restart limits", () => {
  it("when the restart limit is hit the run checkpoints and ends with one clear line", async () => {
    const r = await launchRun(["--fault", "crash", "--fault-after", "20"], { numEnvs: 1, maxRestarts: 1 });
    dirs.push(r.dir);
    expect(r.result.exitCode).toBe(1);
    expect(r.lines.filter((l) => l.includes("Restarting worker"))).toHaveLength(1);
    const end = r.lines.filter((l) => l.includes("will not be restarted"));
    expect(end).toEqual([
      expect.stringMatching(
        /^\[ERROR\] Worker 0 failed \(Environment shut down with return code 3\.\) and will not be restarted: it already restarted 1 times \(--max-lifetime-restarts 1\)\. Checkpoint saved to .+3DBall-\d+\.ckpt\. Ending the run\.$/,
      ),
    ]);
    const st = readStatus(r.runDir)["3DBall"]!;
    expect(st.final_checkpoint!.steps).toBe(r.result.totalSteps);
    expect(r.result.totalSteps).toBeGreaterThan(0);
    expect(stackLines(r.lines)).toEqual([]);
  });

  it("the rate limit (--restarts-rate-limit-n) stops restarts too", async () => {
    const r = await launchRun(["--fault", "crash", "--fault-after", "5"], { numEnvs: 1, maxRestarts: -1, rateN: 1 });
    dirs.push(r.dir);
    expect(r.result.exitCode).toBe(1);
    expect(r.lines.filter((l) => l.includes("will not be restarted"))).toEqual([
      expect.stringMatching(/will not be restarted: it restarted 1 times in the last 60 s \(--restarts-rate-limit-n 1\)\. Checkpoint saved/),
    ]);
  });
});
