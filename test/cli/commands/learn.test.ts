import { describe, expect, it } from "vitest";
import { defaultRunOptions, parseRunOptions } from "../../../src/config/index.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../../../src/env/index.js";
import { sacTrainerFactory, withResolvedSeed } from "../../../src/cli/commands/learn.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { createMemoryLogger } from "../../../src/util/logger.js";

const spec: BehaviorSpec = {
  observationSpecs: [{ name: "v", shape: [2], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }],
  actionSpec: ActionSpec.continuous(1),
};

describe("learn command wiring", () => {
  it("the trainers it builds log: a group reward prints ML-Agents' one-time warning", async () => {
    await initBackend("js");
    const logger = createMemoryLogger();
    const settings = parseRunOptions("default_settings:\n  trainer_type: sac\n  network_settings: { hidden_units: 8, num_layers: 1 }\n").default_settings!;
    const trainer = sacTrainerFactory(logger, true)("Ball", spec, settings, 1, 0);
    try {
      for (let t = 0; t < 2; t++) {
        const decision = {
          length: 1,
          obs: [Float32Array.of(t, -t)],
          reward: Float32Array.of(0),
          agentId: Int32Array.of(0),
          actionMask: null,
          groupId: Int32Array.of(1),
          groupReward: Float32Array.of(0.5),
        };
        const none = { length: 0, obs: [new Float32Array(0)], reward: new Float32Array(0), interrupted: new Uint8Array(0), agentId: new Int32Array(0), groupId: new Int32Array(0), groupReward: new Float32Array(0) };
        trainer.observe(decision, none);
        trainer.act(decision);
      }
    } finally {
      trainer.dispose();
    }
    expect(logger.lines).toEqual([
      "[WARNING] An agent recieved a Group Reward, but you are not using a multi-agent trainer. Please use the POCA trainer for best results.",
    ]);
  });

  it("--seed -1 is resolved once by the command and printed; an explicit seed is kept", () => {
    const logger = createMemoryLogger();
    const random = defaultRunOptions();
    random.env_settings.seed = -1;
    const resolved = withResolvedSeed(random, logger, () => 0.4321);
    expect(resolved.env_settings.seed).toBe(4321);
    expect(random.env_settings.seed).toBe(-1); // the options passed in are not changed
    expect(logger.lines).toEqual(["[INFO] Seed: 4321 (picked at random for --seed -1; pass --seed 4321 to repeat it)."]);
    const fixed = defaultRunOptions();
    fixed.env_settings.seed = 7;
    expect(withResolvedSeed(fixed, logger, () => 0.9)).toBe(fixed);
    expect(logger.lines).toHaveLength(1);
  });
});
