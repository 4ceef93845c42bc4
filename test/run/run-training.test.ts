import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SeedNotResolvedError, TrainingRun } from "../../src/run/run-training.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { removeDir, tempDir, tinyOptions } from "./helpers.js";

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
});
