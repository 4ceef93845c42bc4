// Editor mode across Unity sessions for a population: one pbt run, three Play/Stop sessions of the
// emulator. The population (trainers, readiness clocks, lineage log) carries on from one session
// to the next instead of starting over.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRunOptions } from "../../../src/config/index.js";
import { UnityEmulator } from "../../../src/emulator/index.js";
import type { PopulationFile } from "../../../src/run/population/population-file.js";
import { createPbtRun } from "../../../src/run/population/run-population.js";
import { readLineageLog } from "../../../src/trainers/pbt/index.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { ensureBackend, removeDir, tempDir, waitForLine } from "../helpers.js";
import { shortPbtYaml } from "./cli-child.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const STOP_LINE = /Unity stopped at step ([\d,]+); checkpoint saved/;

describe("pbt listening for the Editor: Stop and Play", () => {
  it("continues the population across sessions: same trainers, clocks only grow, init events once", async () => {
    await ensureBackend();
    const dir = tempDir("mlagents-ts-pbt-stop-");
    dirs.push(dir);
    const options = parseRunOptions(shortPbtYaml({ maxSteps: 200000 }));
    options.checkpoint_settings.results_dir = dir;
    options.checkpoint_settings.run_id = "s";
    options.env_settings.seed = 2;
    const logger = createMemoryLogger();
    const ac = new AbortController();
    const created: SacTrainer[] = [];
    const run = await createPbtRun(options, {
      logger,
      version: "0.1.0",
      editorPort: 0,
      signal: ac.signal,
      createTrainer: (behaviorName, spec, settings, seed) => {
        const t = new SacTrainer({ behaviorName, spec, settings, seed, logger });
        created.push(t);
        return t;
      },
    });
    const done = run.run();
    const runDir = path.join(dir, "s");
    const steps: number[][] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const before = logger.lines.length;
        const emulator = new UnityEmulator({ env: "3dball", port: run.ports[0]!, host: "127.0.0.1", logger: createMemoryLogger(), fault: { kind: "stop", afterSteps: 250 } });
        await emulator.run();
        await waitForLine(logger.lines, STOP_LINE, 60_000, before);
        expect(logger.lines.slice(before).some((l) => l.includes("12 agents of environment 0 in 4 members: 3, 3, 3, 3"))).toBe(true);
        const file = JSON.parse(readFileSync(path.join(runDir, "pbt", "population.json"), "utf8")) as PopulationFile;
        steps.push(file.behaviors["3DBall"]!.coordinator.members.map((m) => m.steps));
      }
    } finally {
      ac.abort();
      await done;
    }
    expect(created).toHaveLength(4); // built once, kept across sessions
    for (let i = 1; i < steps.length; i++) steps[i]!.forEach((s, k) => expect(s, `session ${i}, member ${k}`).toBeGreaterThan(steps[i - 1]![k]!));
    const { events } = await readLineageLog(path.join(runDir, "lineage.jsonl"));
    expect(events.filter((e) => e.kind === "init")).toHaveLength(4);
    expect(events.some((e) => e.kind === "exploit")).toBe(true);
  }, 300_000);
});
