import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { parseRunOptions } from "../../../src/config/run-options.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { HyperparameterError } from "../../../src/trainers/hyperparameters.js";
import { MmTrainer } from "../../../src/trainers/mm/mm-trainer.js";
import { makeSpec } from "../sac/helpers.js";
import { Env } from "../sac/trainer-helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const trainers: MmTrainer[] = [];
afterAll(() => trainers.forEach((t) => t.dispose()));

/** A behavior "B" with 3 observations and one branch of 3, small networks, updates from the first batch. */
const yaml = (components: string, extra = "") => `behaviors:
  B:
    trainer_type: sac
    hyperparameters: {batch_size: 16, buffer_size: 2000, steps_per_update: 2, save_replay_buffer: true}
    network_settings: {hidden_units: 16, num_layers: 1}
    summary_freq: 40
    mix_and_match:
      initial_alpha: [0.6, 0.4]
${extra}      components:
${components}`;
const macroComponents = "        - network_settings: {hidden_units: 8}\n          observations: [2, 0]\n          macro_actions: [{discrete: [0]}, {discrete: [2]}]\n        - {}\n";
const spec = makeSpec([[3]], 0, [3]);
function trainer(seed = 1, components = macroComponents): MmTrainer {
  const settings = parseRunOptions(yaml(components), "mm.yaml").behaviors.get("B")!;
  const t = new MmTrainer({ behaviorName: "B", spec, settings, seed });
  trainers.push(t);
  return t;
}
function drive(t: MmTrainer, env: Env, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const { decision, terminal } = env.next();
    t.observe(decision, terminal);
    t.act(decision);
    t.maybeUpdate();
  }
}

describe("MmTrainer", () => {
  it("checks the section against the behavior spec at creation, with file:line", () => {
    const settings = parseRunOptions(yaml("        - macro_actions: [{discrete: [0]}, {discrete: [3]}]\n        - {}\n"), "mm.yaml").behaviors.get("B")!;
    expect(() => new MmTrainer({ behaviorName: "B", spec, settings, seed: 1 })).toThrow(ConfigError);
    expect(() => new MmTrainer({ behaviorName: "B", spec, settings, seed: 1 })).toThrow(
      "mm.yaml:10: behaviors.B.mix_and_match.components[0].macro_actions[1].discrete[0]: 3 is outside branch 0 of the target, which has 3 action(s) (0..2)",
    );
  });

  it("takes α_K as a hyperparameter through setHyperparameters, validated, and reports it", () => {
    const t = trainer();
    expect(t.hyperparameters().mix_and_match_alpha).toBe(0.4);
    t.setHyperparameters({ mix_and_match_alpha: 0.9, learning_rate: 1e-3 });
    expect(t.hyperparameters()).toMatchObject({ mix_and_match_alpha: 0.9, learning_rate: 1e-3 });
    expect(t.mixingWeights()[0]).toBeCloseTo(0.1, 12);
    expect(() => t.setHyperparameters({ mix_and_match_alpha: 1.2 })).toThrow(HyperparameterError);
    expect(t.hyperparameters().mix_and_match_alpha).toBe(0.9);
  });

  it("trains and names each component in the summaries", () => {
    const t = trainer();
    drive(t, new Env(4, 5), 60);
    const s = t.summary();
    for (const key of ["Losses/Policy Loss [component 1]", "Losses/Policy Loss [component 2]", "Policy/Entropy [component 1]", "Policy/Entropy Coeff [component 2]", "Losses/Distillation [component 1]", "Losses/Q1 Loss"]) {
      expect(Number.isFinite(s.values[key]), key).toBe(true);
    }
    expect(s.values["Mix&Match/Alpha"]).toBe(0.4);
    // One replay of the mixture's experience, each transition tagged with the component that acted.
    const buffer = t.getState().buffer!;
    const tags = Array.from(buffer.tags!.subarray(0, t.bufferSize));
    expect(tags.length).toBeGreaterThan(100);
    expect(new Set(tags)).toEqual(new Set([0, 1]));
    const share = tags.filter((c) => c === 0).length / tags.length;
    expect(share).toBeGreaterThan(0.45); // α_1 = 0.6
    expect(share).toBeLessThan(0.75);
    expect(s.values["Mix&Match/Decisions [component 1]"]! + s.values["Mix&Match/Decisions [component 2]"]!).toBeCloseTo(1, 12);
  });

  it("checkpoint bytes hold every component, the critics, α and the buffer; an in-memory copy trains as the original", () => {
    const a = trainer(1);
    const env = new Env(4, 5);
    drive(a, env, 40);
    a.setHyperparameters({ mix_and_match_alpha: 0.25 });
    const b = trainer(2);
    b.loadSerializedState(a.serializeState());
    expect(b.hyperparameters().mix_and_match_alpha).toBe(0.25);
    expect(b.stepCount).toBe(a.stepCount);
    expect(b.getState().model).toEqual(a.getState().model);
    expect(b.getState().buffer).toEqual(a.getState().buffer);
    // Exact copy (PBT exploit): same actions and the same updates from then on.
    const c = trainer(3);
    c.setState(a.getState());
    a.discardPending(); // agents' open steps are not state; both start the next step alike
    const twin = new Env(4, 5);
    twin.t = env.t;
    let updates = 0;
    for (let i = 0; i < 10; i++) {
      const x = env.next();
      const y = twin.next();
      a.observe(x.decision, x.terminal);
      c.observe(y.decision, y.terminal);
      expect(c.act(y.decision)).toEqual(a.act(x.decision));
      const done = a.maybeUpdate();
      expect(c.maybeUpdate()).toBe(done);
      updates += done;
    }
    expect(updates).toBeGreaterThan(5);
    expect(c.getState().model).toEqual(a.getState().model);
  });

  it("snapshot() is the target: the behavior's observations and its three actions", () => {
    const snap = trainer().snapshot();
    expect(snap.encoders.map((e) => e.kind === "vector" && e.size)).toEqual([3]);
    expect(snap.discrete!.branchSizes).toEqual([3]);
    expect(snap.body[0]!.outSize).toBe(16);
  });
});
