// One segment on a real built-in environment: it trains the member from the input snapshot for its
// steps (counted from the snapshot's step counter), with the job's hyperparameters, and puts an
// output state into the store that another trainer loads to the same step; a player that cannot
// start fails the segment with the reason.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSegment, SegmentError, type SegmentEnvironment, type SegmentInput, type SegmentStore } from "../../../src/run/distributed/segment-runner.js";
import { behaviorSpecFromJson } from "../../../src/run/behavior-spec-json.js";
import { sacTrainerFactory } from "../../../src/cli/commands/learn.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { ensureBackend, removeDir, tempDir, tinyYaml } from "../helpers.js";
import { parseRunOptions } from "../../../src/config/index.js";

class MemoryStore implements SegmentStore {
  readonly blobs = new Map<string, Uint8Array>();
  put(bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    this.blobs.set(hash, bytes);
    return Promise.resolve(hash);
  }
  get(hash: string): Promise<Uint8Array> {
    const b = this.blobs.get(hash);
    return b ? Promise.resolve(b) : Promise.reject(new Error(`no snapshot ${hash}`));
  }
}

const yaml = tinyYaml({ behavior: "3DBall", stepsPerUpdate: 10 }) + "\nbehaviors:\n  3DBall: {}\n";
const scratch = tempDir("mlagents-ts-segment-test-");
beforeAll(() => ensureBackend());
afterAll(() => removeDir(scratch));

function where(store: SegmentStore, env = "builtin:3dball"): SegmentEnvironment {
  const logger = createMemoryLogger("info");
  return { env, store, logger, version: "test", scratchDir: scratch, createTrainer: sacTrainerFactory(logger, true), timeoutWait: 30 };
}

describe("runSegment", () => {
  it("trains N steps from the input snapshot's counter and stores the output state", async () => {
    const store = new MemoryStore();
    const first: SegmentInput = { behavior: "3DBall", member: 0, inputSnapshot: null, hyperparameters: { learning_rate: 0.002 }, environmentParameters: {}, steps: 300, seed: 5 };
    const a = await runSegment(yaml, first, where(store));
    expect(a.fromSteps).toBe(0);
    // 3DBall steps 12 agents at a time: the segment ends at the first env step past its budget.
    expect(a.steps).toBeGreaterThanOrEqual(300);
    expect(a.steps).toBeLessThan(300 + 12);
    expect(store.blobs.has(a.outputSnapshot)).toBe(true);
    expect(a.episodeReturns.length).toBe(a.episodeLengths.length);
    expect(a.episodeReturns.length).toBeGreaterThan(0);
    expect(a.episodeLengths.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
    expect(behaviorSpecFromJson(a.behaviorSpec).observationSpecs[0]!.shape).toEqual([8]);

    const b = await runSegment(yaml, { ...first, inputSnapshot: a.outputSnapshot, hyperparameters: { learning_rate: 0.0005 } }, where(store));
    expect(b.fromSteps).toBe(a.steps);
    expect(b.steps).toBeGreaterThanOrEqual(a.steps + 300);
    expect(b.steps).toBeLessThan(a.steps + 300 + 12);

    // The stored state is the member: a trainer loading it has its step counter and the job's hyperparameters.
    const options = parseRunOptions(yaml);
    const trainer = sacTrainerFactory(createMemoryLogger(), true)("3DBall", behaviorSpecFromJson(b.behaviorSpec), options.behaviors.get("3DBall")!, 1, 0);
    try {
      trainer.loadSerializedState(await store.get(b.outputSnapshot), "state");
      expect(trainer.stepCount).toBe(b.steps);
      expect(trainer.hyperparameters().learning_rate).toBeCloseTo(0.0005, 12);
    } finally {
      trainer.dispose();
    }
  }, 120_000);

  it("fails with the reason when the environment cannot start", async () => {
    const input: SegmentInput = { behavior: "3DBall", member: 1, inputSnapshot: null, hyperparameters: {}, environmentParameters: {}, steps: 100, seed: 1 };
    const run = runSegment(yaml, input, where(new MemoryStore(), "/no/such/player"));
    await expect(run).rejects.toBeInstanceOf(SegmentError);
    await expect(run).rejects.toThrow(/before its 100 steps: .*(\/no\/such\/player|not found|ENOENT)/i);
  }, 60_000);
});
