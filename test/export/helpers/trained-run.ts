// A small results/<run-id> folder made the way `learn` makes it: configuration.yaml from the parsed
// YAML, <behavior>/behavior-spec.json, and a checkpoint of a SacTrainer that has seen some
// experience and done a few updates (so the normalizer and weights are not at their initial values).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { behaviorSettings, parseRunOptions, runOptionsToYaml } from "../../../src/config/index.js";
import { behaviorSpecToJson } from "../../../src/run/behavior-spec-json.js";
import type { BehaviorSpec, DecisionSteps, TerminalSteps } from "../../../src/env/index.js";
import { CheckpointStore } from "../../../src/trainers/checkpoint/checkpoint-store.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { safeFileName } from "../../../src/util/safe-name.js";

export function tinyYaml(behaviors: readonly string[]): string {
  return [
    "behaviors:",
    ...behaviors.flatMap((b) => [
      `  ${JSON.stringify(b)}:`,
      "    trainer_type: sac",
      "    hyperparameters: { batch_size: 8, buffer_size: 2000, steps_per_update: 1, buffer_init_steps: 0 }",
      "    network_settings: { hidden_units: 12, num_layers: 2, normalize: true }",
    ]),
  ].join("\n");
}

/** Seeded uniform numbers in [lo, hi). */
export function lcg(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  };
}

/** n agents' random observations, scaled so the normalizer moves away from mean 0 / std 1; masks keep >= 1 action. */
export function randomDecision(spec: BehaviorSpec, n: number, seed: number): DecisionSteps {
  const r = lcg(seed);
  const obs = spec.observationSpecs.map((o) => {
    const size = o.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n * size);
    for (let i = 0; i < a.length; i++) a[i] = 3 + 4 * r(-1, 1) * ((i % size) + 1);
    return a;
  });
  const branches = spec.actionSpec.discreteBranches;
  const actionMask =
    branches.length === 0
      ? null
      : branches.map((size) => {
          const m = new Uint8Array(n * size);
          for (let a = 0; a < n; a++) {
            const keep = Math.floor(r(0, size));
            for (let j = 0; j < size; j++) m[a * size + j] = j !== keep && r(0, 1) < 0.4 ? 1 : 0;
          }
          return m;
        });
  return {
    length: n,
    obs,
    reward: Float32Array.from({ length: n }, () => r(-1, 1)),
    agentId: Int32Array.from({ length: n }, (_, i) => i),
    actionMask,
    groupId: new Int32Array(n),
    groupReward: new Float32Array(n),
  };
}

export function emptyTerminal(spec: BehaviorSpec): TerminalSteps {
  return {
    length: 0,
    obs: spec.observationSpecs.map(() => new Float32Array(0)),
    reward: new Float32Array(0),
    interrupted: new Uint8Array(0),
    agentId: new Int32Array(0),
    groupId: new Int32Array(0),
    groupReward: new Float32Array(0),
  };
}

export interface TrainedBehavior {
  readonly name: string;
  readonly spec: BehaviorSpec;
}

/**
 * Writes runDir as learn would and returns the live trainers (caller disposes them). Each trainer
 * takes `rounds` act/observe rounds of 6 agents and updates after each.
 */
export async function writeTrainedRun(runDir: string, behaviors: readonly TrainedBehavior[], rounds = 12): Promise<Map<string, SacTrainer>> {
  const options = parseRunOptions(tinyYaml(behaviors.map((b) => b.name)));
  await fs.mkdir(runDir, { recursive: true });
  await fs.writeFile(path.join(runDir, "configuration.yaml"), runOptionsToYaml(options));
  const trainers = new Map<string, SacTrainer>();
  for (const [k, b] of behaviors.entries()) {
    const trainer = new SacTrainer({ behaviorName: b.name, spec: b.spec, settings: behaviorSettings(options, b.name), seed: 7 + k });
    for (let i = 0; i < rounds; i++) {
      trainer.observe(randomDecision(b.spec, 6, 100 * k + i), emptyTerminal(b.spec));
      trainer.act(randomDecision(b.spec, 6, 100 * k + i), false);
      trainer.maybeUpdate();
    }
    const store = new CheckpointStore({ runDir, behaviorName: b.name });
    await fs.mkdir(store.dir, { recursive: true });
    await fs.writeFile(path.join(store.dir, "behavior-spec.json"), behaviorSpecToJson(b.spec));
    await store.save(trainer.stepCount, trainer.serializeState());
    trainers.set(b.name, trainer);
  }
  return trainers;
}

export function behaviorDir(runDir: string, name: string): string {
  return path.join(runDir, safeFileName(name));
}
