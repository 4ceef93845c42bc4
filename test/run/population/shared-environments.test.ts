// pbt.members_per_environment: groups of members share an environment of --num-areas x K areas
// and split its agents by agent id, so a population needs N / K emulator processes instead of N.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyCliOverrides, parseRunOptions } from "../../../src/config/index.js";
import { memberOfAgent } from "../../../src/run/agent-split.js";
import { createPbtRun } from "../../../src/run/population/run-population.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { ensureBackend, readStatus, RecordingTrainer, removeDir, stackLines, tempDir } from "../helpers.js";
import { shortPbtYaml } from "./cli-child.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const MAX_STEPS = 600;

describe("pbt with members_per_environment: 2 (population of 4, --env builtin:3dball)", () => {
  it("runs 2 emulators of 2 areas, each shared by 2 members that learn from their own agents only", async () => {
    await ensureBackend();
    const dir = tempDir("mlagents-ts-pbt-shared-");
    dirs.push(dir);
    const logger = createMemoryLogger();
    const yaml = shortPbtYaml({ maxSteps: MAX_STEPS, ready: 1_000_000 }).replace("pbt:\n", "pbt:\n  members_per_environment: 2\n");
    let options = parseRunOptions(yaml);
    expect(options.pbt!.members_per_environment).toBe(2);
    options = applyCliOverrides(options, { env: "builtin:3dball", numEnvs: 1, basePort: 0, runId: "s", resultsDir: dir, seed: 5 }, logger);
    const members: RecordingTrainer[] = [];
    const run = await createPbtRun(options, {
      logger,
      version: "0.1.0",
      createTrainer: (behaviorName, spec, settings, seed, member) => {
        const t = new RecordingTrainer({ behaviorName, spec, settings, seed, logger });
        members[member] = t;
        return t;
      },
    });
    expect(run.ports).toHaveLength(2); // 4 members / 2 per environment, --num-envs 1
    const result = await run.run();
    expect(result.exitCode).toBe(0);
    expect(members).toHaveLength(4);

    // 3DBall has 12 agents per area: 2 areas, 24 agents, 12 per member.
    expect(logger.lines).toContain(
      "[INFO] 3DBall?team=0: 24 agents of environment 0 in members 0-1: 12, 12 (member = 0 + (agent id + environment index) mod 2; results in member-<i>/)",
    );
    expect(logger.lines).toContain(
      "[INFO] 3DBall?team=0: 24 agents of environment 1 in members 2-3: 12, 12 (member = 2 + (agent id + environment index) mod 2; results in member-<i>/)",
    );
    members.forEach((m, i) => {
      expect(m.stepCount, `member ${i}`).toBeGreaterThanOrEqual(MAX_STEPS);
      expect(m.seen.length).toBeGreaterThan(0);
      // Only its group's environment, and only its own agents there (ids grow as episodes restart).
      expect(m.seen.filter(([env]) => env !== Math.floor(i / 2))).toEqual([]);
      expect(m.seen.filter(([env, id]) => memberOfAgent(env, id, 2) !== i % 2)).toEqual([]);
    });
    const runDir = path.join(dir, "s");
    const status = readStatus(runDir);
    members.forEach((m, i) => {
      expect(status[`3DBall-member-${i}`]!.final_checkpoint!.steps).toBe(m.stepCount);
      expect(existsSync(path.join(runDir, "3DBall", `member-${i}`, `3DBall-member-${i}.onnx`))).toBe(true);
    });
    expect(stackLines(logger.lines)).toEqual([]);
  }, 300_000);
});
