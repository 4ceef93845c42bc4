import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyCliOverrides } from "../../src/config/index.js";
import type { DecisionSteps, TerminalSteps } from "../../src/env/index.js";
import { runTraining, SeedNotResolvedError, TrainingRun } from "../../src/run/run-training.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { ensureBackend, removeDir, tempDir, tinyOptions } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("TrainingRun", () => {
  it("refuses an unresolved seed (-1) before touching the results folder", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const options = tinyOptions(dir);
    options.env_settings.seed = -1;
    const create = TrainingRun.create(options, {
      logger: createMemoryLogger(),
      version: "0.1.0",
      editorPort: 0,
      createTrainer: (behaviorName, spec, settings, seed) => new SacTrainer({ behaviorName, spec, settings, seed }),
    });
    await expect(create).rejects.toThrow(SeedNotResolvedError);
    expect(existsSync(path.join(dir, "r"))).toBe(false);
  });

  it("stop() before any Unity session ends the run cleanly; two runs live side by side in one process", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const make = (runId: string) =>
      TrainingRun.create(tinyOptions(dir, {}, runId), {
        logger: createMemoryLogger(),
        version: "0.1.0",
        editorPort: 0,
        createTrainer: (behaviorName, spec, settings, seed) => new SacTrainer({ behaviorName, spec, settings, seed }),
      });
    const [a, b] = await Promise.all([make("a"), make("b")]);
    expect(a.ports[0]).not.toBe(b.ports[0]);
    const results = [a.run(), b.run()];
    a.stop();
    b.stop();
    const [ra, rb] = await Promise.all(results);
    expect(ra).toEqual({ exitCode: 0, runDir: path.join(dir, "a"), totalSteps: 0, sessions: 0 });
    expect(rb.runDir).toBe(path.join(dir, "b"));
  });

  it("serves its environments in turn: when every reply is in before the loop waits, none is starved", async () => {
    await ensureBackend();
    const dir = tempDir();
    dirs.push(dir);
    const logger = createMemoryLogger();
    const options = applyCliOverrides(tinyOptions(dir, { maxSteps: 1200, stepsPerUpdate: 4 }), { env: "builtin:3dball", numEnvs: 4, basePort: 0, runId: "turns", resultsDir: dir, seed: 1 }, logger);
    const envSteps = [0, 0, 0, 0];
    /** Updates that take 10 ms, as on a busy machine: the 4 emulators reply while they run. */
    class SlowUpdates extends SacTrainer {
      override observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
        if (decision.length > 0) envSteps[envIndex]!++;
        super.observe(decision, terminal, envIndex);
      }
      override maybeUpdate(deadline?: number): number {
        const n = super.maybeUpdate(deadline);
        const until = performance.now() + 10;
        while (performance.now() < until) {
          // busy: the event loop cannot take a reply before the wait
        }
        return n;
      }
    }
    const result = await runTraining(options, {
      logger,
      version: "0.1.0",
      createTrainer: (behaviorName, spec, settings, seed) => new SlowUpdates({ behaviorName, spec, settings, seed, logger }),
    });
    expect(result.exitCode).toBe(0);
    // 1200 agent steps = 100 steps of 12 agents, about 25 per environment; with a fixed preference
    // environment 0 took nearly all of them (its reply is always among those already in).
    expect(envSteps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
    expect(Math.min(...envSteps)).toBeGreaterThanOrEqual(Math.max(...envSteps) / 2);
  }, 300_000);
});
