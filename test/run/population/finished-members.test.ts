// A member that reached max_steps stops stepping its own environment: its agents neither act nor
// train any more, so it leaves the cores to the members still training, and the population's
// decisions stay close to its budget. The run still ends when the last member is done, and every
// member's checkpoint and model are written at the end.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyCliOverrides, parseRunOptions } from "../../../src/config/index.js";
import type { ActionTuple, DecisionSteps, TerminalSteps } from "../../../src/env/index.js";
import { createPbtRun } from "../../../src/run/population/run-population.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { ensureBackend, readStatus, removeDir, stackLines, tempDir } from "../helpers.js";
import { shortPbtYaml } from "./cli-child.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A SAC trainer that counts the steps it observed and the decisions it took, before and after it was done. */
class CountingTrainer extends SacTrainer {
  decisions = 0;
  observedAfterDone = 0;
  actedAfterDone = 0;
  /** The member was done before this step's observation (the step that takes it to max_steps is still answered). */
  private doneBeforeStep = false;
  override observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
    this.doneBeforeStep = this.isDone;
    if (this.doneBeforeStep) this.observedAfterDone++;
    super.observe(decision, terminal, envIndex);
  }
  override act(decision: DecisionSteps, deterministic?: boolean, envIndex = 0): ActionTuple {
    if (this.doneBeforeStep) this.actedAfterDone++;
    this.decisions += decision.length;
    return super.act(decision, deterministic, envIndex);
  }
}

const SHORT = 300;
const LONG = 3000;

describe("pbt with own environments: a finished member", () => {
  it("stops stepping its environment while the others train; decisions stay close to the budget", async () => {
    await ensureBackend();
    const dir = tempDir("mlagents-ts-pbt-finished-");
    dirs.push(dir);
    const logger = createMemoryLogger();
    let options = parseRunOptions(shortPbtYaml({ maxSteps: LONG, ready: 1_000_000 }));
    options = applyCliOverrides(options, { env: "builtin:3dball", numEnvs: 1, basePort: 0, runId: "f", resultsDir: dir, seed: 3 }, logger);
    options = { ...options, pbt: { ...options.pbt!, population_size: 2 } };
    const members: CountingTrainer[] = [];
    const run = await createPbtRun(options, {
      logger,
      version: "0.1.0",
      // Member 0 gets a tenth of the budget: it is done long before member 1.
      createTrainer: (behaviorName, spec, settings, seed, member) => {
        const t = new CountingTrainer({ behaviorName, spec, settings: member === 0 ? { ...settings, max_steps: SHORT } : settings, seed, logger });
        members[member] = t;
        return t;
      },
    });
    const result = await run.run();
    expect(result.exitCode).toBe(0);
    const [short, long] = members;
    expect(long!.stepCount).toBeGreaterThanOrEqual(LONG);
    // 3DBall has 12 agents: the step that crosses the budget may overshoot by at most 11 of them.
    expect(short!.stepCount).toBeGreaterThanOrEqual(SHORT);
    expect(short!.stepCount).toBeLessThan(SHORT + 12);
    // Member 0's environment got no step after the one that finished it.
    expect(short!.observedAfterDone).toBe(0);
    expect(short!.actedAfterDone).toBe(0);
    // Decisions: the steps counted plus the first decision of each agent (no experience yet) and
    // the last one answered; a member that kept acting after its budget would be far above.
    for (const m of members) expect(m.decisions).toBeLessThanOrEqual(m.stepCount + 12);
    expect(short!.decisions + long!.decisions).toBeLessThan(SHORT + LONG + 4 * 12);
    // The end of the run is unchanged: every member's final checkpoint and model, the best copied.
    const runDir = path.join(dir, "f");
    const status = readStatus(runDir);
    members.forEach((m, i) => {
      expect(status[`3DBall-member-${i}`]!.final_checkpoint!.steps).toBe(m.stepCount);
      expect(existsSync(path.join(runDir, "3DBall", `member-${i}`, `3DBall-member-${i}.onnx`))).toBe(true);
    });
    expect(existsSync(path.join(runDir, "3DBall.onnx"))).toBe(true);
    expect(stackLines(logger.lines)).toEqual([]);
  }, 300_000);
});
