// `mlagents-ts inspect` against the emulator: in-process (as the Editor would connect) and launched.
import { describe, expect, it } from "vitest";
import { inspect } from "../../../src/cli/commands/inspect.js";
import { UnityEmulator } from "../../../src/emulator/index.js";
import { createMemoryLogger } from "../../../src/util/logger.js";

describe("inspect", () => {
  it("waits for Unity, prints versions and specs, drives N steps and reports rewards", async () => {
    const lines: string[] = [];
    let emulator: UnityEmulator | null = null;
    let ran: Promise<unknown> = Promise.resolve();
    const report = await inspect({
      basePort: 0,
      steps: 60,
      timeoutWait: 20,
      seed: 3,
      write: (l) => lines.push(l),
      onListening: (port) => {
        emulator = new UnityEmulator({ env: "3dball", port, logger: createMemoryLogger() });
        ran = emulator.run();
      },
    });
    const result = (await ran) as { reason: string };
    expect(report.exitCode).toBe(0);
    expect(report.steps).toBe(60);
    expect(report.decisions).toBeGreaterThan(60 * 12 * 0.5);
    expect(lines).toContain("Unity package 3.0.0-exp.1, communication version 1.5.0");
    expect(lines).toContain("Behavior 3DBall?team=0:");
    expect(lines).toContain("  obs_0: VectorSensor_size8 shape [8] DEFAULT dims [NONE]");
    expect(lines).toContain("  actions: 2 continuous");
    expect(lines.at(-1)).toMatch(/^60 steps, \d+ decisions in .* decisions\/s\), \d+ episodes finished, mean episode reward/);
    // inspect ends the session the way the Python trainer does: status 400 to Unity.
    expect(result.reason).toBe("trainer-closed");
  });

  it("launches a built-in environment and prints masks-respecting random play for a discrete behavior", async () => {
    const lines: string[] = [];
    const report = await inspect({ basePort: 0, env: "builtin:basic", steps: 150, timeoutWait: 30, seed: 1, write: (l) => lines.push(l) });
    expect(report.exitCode).toBe(0);
    expect(lines).toContain("  actions: discrete branches [3]");
    expect(report.episodes).toBeGreaterThan(0);
    // Basic rewards lie between -1 (never reaching a goal within MaxStep) and the large goal's +1.
    expect(report.meanEpisodeReward!).toBeGreaterThan(-1.01);
    expect(report.meanEpisodeReward!).toBeLessThan(1.01);
  });

  it("exits non-zero with a clear reason when nothing connects in time", async () => {
    const lines: string[] = [];
    const report = await inspect({ basePort: 0, steps: 5, timeoutWait: 1, seed: 0, write: (l) => lines.push(l) });
    expect(report.exitCode).toBe(2);
    expect(lines.at(-1)).toMatch(/^Nothing usable connected: The Unity environment took too long to respond \(nothing received within 1 s\)/);
  });
});
