// Security at the run level: names that come from Unity never become paths outside the run folder,
// and binding anything but loopback says out loud that the protocol has no authentication.
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ballAgent, ballBrain, CraftedUnity } from "./crafted-unity.js";
import { removeDir, startRun, tempDir, tinyOptions } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("nothing named by Unity escapes the run folder", () => {
  it("a behavior named ../../x trains and checkpoints inside results/<run-id>", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const escape = `x-${process.pid}-${Date.now()}`;
    const hostile = `../../${escape}?team=0`;
    const runDir = path.join(dir, "r");
    const outside = path.resolve(runDir, "..", "..", escape);
    expect(existsSync(outside)).toBe(false);
    const run = await startRun(tinyOptions(dir));
    const u = new CraftedUnity(run.port);
    await u.open();
    for (let s = 0; s < 4; s++) {
      await u.sendStep((p) => {
        if (s === 0) p.announce = [ballBrain(), ballBrain(hostile)];
        p.infos[hostile] = [ballAgent(50, s), ballAgent(51, s)];
      });
    }
    await u.goodbye();
    u.close();
    await run.waitForLine(/Unity stopped at step/);
    const result = await run.abort();
    expect(run.trainers.get(`../../${escape}`)?.stepCount).toBe(6);
    expect(result.exitCode).toBe(0);
    // Nothing outside; every file of the run inside its folder; the hostile behavior's files are there.
    expect(existsSync(outside)).toBe(false);
    expect(readdirSync(dir)).toEqual(["r"]);
    const files = filesUnder(runDir);
    for (const f of files) expect(path.relative(runDir, f).startsWith("..")).toBe(false);
    const hostileCkpts = files.filter((f) => f.endsWith(".ckpt") && f.includes(escape));
    expect(hostileCkpts.length).toBeGreaterThan(0);
    for (const f of hostileCkpts) expect(path.dirname(path.dirname(f))).toBe(runDir);
  });
});

describe("--bind", () => {
  it("binding 0.0.0.0 prints the no-authentication warning; loopback by default does not", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const open = tinyOptions(dir, {}, "open");
    open.env_settings.bind = "0.0.0.0";
    const run = await startRun(open);
    expect(run.lines).toContain(
      "[WARNING] The trainer listens on 0.0.0.0: the ML-Agents protocol has no authentication; anyone who can reach this port can connect.",
    );
    expect(run.lines).toContain(`[DEBUG] Listening for Unity on 0.0.0.0:${run.port}`);
    await run.abort();

    const local = await startRun(tinyOptions(dir, {}, "local"));
    expect(local.lines.filter((l) => l.includes("no authentication"))).toEqual([]);
    expect(local.lines.find((l) => l.startsWith("[DEBUG] Listening for Unity on"))).toMatch(/^\[DEBUG\] Listening for Unity on 127\.0\.0\.1:\d+(, \[::1\]:\d+)?$/);
    await local.abort();
  });
});
