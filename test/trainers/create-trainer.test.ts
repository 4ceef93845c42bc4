import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunOptions } from "../../src/config/run-options.js";
import { initBackend } from "../../src/trainers/backend.js";
import { createTrainer } from "../../src/trainers/create-trainer.js";
import { MixAndMatchUnsupportedError } from "../../src/trainers/mm/errors.js";
import { MmTrainer } from "../../src/trainers/mm/mm-trainer.js";
import { defaultSacDeps, SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../../src/trainers/trainer.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { makeSpec } from "./sac/helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});
const made: Trainer[] = [];
afterAll(() => made.forEach((t) => t.dispose()));

const spec = makeSpec([[4]], 2, []);
const settingsOf = (mm: string) =>
  parseRunOptions(`behaviors:\n  B:\n    trainer_type: sac\n    network_settings: {hidden_units: 8, num_layers: 1}\n${mm}`).behaviors.get("B")!;

describe("createTrainer", () => {
  it("gives plain SAC without a mix_and_match section and Mix & Match with one", () => {
    const sac = createTrainer({ behaviorName: "B", spec, settings: settingsOf(""), seed: 1 });
    const mm = createTrainer({ behaviorName: "B", spec, settings: settingsOf("    mix_and_match:\n      components: [{}, {}]\n"), seed: 1 });
    made.push(sac, mm);
    expect(sac).toBeInstanceOf(SacTrainer);
    expect(mm).toBeInstanceOf(MmTrainer);
  });

  it("threaded: true with Mix & Match (tape engine) says in one line that it is not used, and trains in this thread", () => {
    const logger = createMemoryLogger("info");
    const mm = createTrainer({ behaviorName: "B", spec, settings: settingsOf("    threaded: true\n    mix_and_match:\n      components: [{}, {}]\n"), seed: 1, logger });
    made.push(mm);
    expect(mm).toBeInstanceOf(MmTrainer);
    expect(logger.lines.filter((l) => l.includes("threaded"))).toEqual([
      "[INFO] Behavior B: threaded: true is not used (Mix & Match trains on the tape engine, whose TensorFlow.js backend belongs to the trainer's thread); its updates run between environment steps.",
    ]);
  });

  it("refuses Mix & Match with another model factory (the WebGPU workers)", () => {
    const settings = settingsOf("    mix_and_match:\n      components: [{}, {}]\n");
    expect(() => createTrainer({ behaviorName: "B", spec, settings, seed: 1, deps: defaultSacDeps })).toThrow(MixAndMatchUnsupportedError);
  });
});
