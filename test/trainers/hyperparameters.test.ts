import { describe, expect, it } from "vitest";
import {
  FIXED_SETTINGS,
  HYPERPARAMETER_RANGES,
  HyperparameterError,
  PBT_SEARCHABLE,
  checkSearchable,
  hyperparametersFromSettings,
  pickMutable,
  validateHyperparameters,
} from "../../src/trainers/hyperparameters.js";
import { settings } from "./sac/trainer-helpers.js";

describe("MutableHyperparameters", () => {
  it("come from a configuration under ML-Agents' names, gamma from the extrinsic reward signal", () => {
    const s = settings({ learning_rate: 1e-3, tau: 0.01, batch_size: 32, init_entcoef: 0.5 });
    const h = hyperparametersFromSettings({ ...s, reward_signals: { extrinsic: { gamma: 0.9, strength: 2 } } });
    expect(h).toEqual({
      learning_rate: 1e-3,
      learning_rate_schedule: "constant",
      gamma: 0.9,
      tau: 0.01,
      batch_size: 32,
      steps_per_update: 1,
      buffer_init_steps: 0,
      init_entcoef: 0.5,
      target_entropy_scale: 1,
    });
    expect(() => validateHyperparameters(h)).not.toThrow();
    expect(Object.keys(PBT_SEARCHABLE).sort()).toEqual(Object.keys(h).sort()); // every key has a PBT verdict
  });

  it("out-of-range values are refused with the key, the range and the value", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ learning_rate: 0 }, "hyperparameters.learning_rate: expected a number > 0, got 0"],
      [{ gamma: 1 }, "hyperparameters.gamma: expected a number in [0, 1), got 1"],
      [{ steps_per_update: -1 }, "hyperparameters.steps_per_update: expected a number > 0, got -1"],
      [{ buffer_init_steps: 1.5 }, "hyperparameters.buffer_init_steps: expected an integer >= 0, got 1.5"],
      [{ init_entcoef: Number.NaN }, "hyperparameters.init_entcoef: expected a number > 0, got NaN"],
      [{ target_entropy_scale: "2" }, 'hyperparameters.target_entropy_scale: expected a number >= 0, got "2"'],
      [{ batch_sise: 64 }, "hyperparameters.batch_sise: unknown (expected one of learning_rate, learning_rate_schedule, gamma, tau, batch_size, steps_per_update, buffer_init_steps, init_entcoef, target_entropy_scale)"],
      [{ buffer_size: 10 }, "hyperparameters.buffer_size: cannot change during training: the replay capacity is fixed for the trainer's life (its memory is preallocated)"],
    ];
    for (const [h, message] of cases) {
      let error: unknown;
      try {
        validateHyperparameters(h);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HyperparameterError);
      expect((error as Error).message).toBe(message);
    }
    for (const [key, r] of Object.entries(HYPERPARAMETER_RANGES)) expect(() => validateHyperparameters({ [key]: r.minOpen ? r.min + 1 : r.min })).not.toThrow();
    expect(() => validateHyperparameters({ tau: 1, gamma: 0, learning_rate: 5, batch_size: 1e7 })).not.toThrow(); // the configuration parser's bounds
  });

  it("PBT may search what the next update reads; network size is refused with the reason", () => {
    for (const key of ["learning_rate", "gamma", "tau", "batch_size", "steps_per_update", "target_entropy_scale"]) expect(() => checkSearchable(key)).not.toThrow();
    expect(() => checkSearchable("hidden_units")).toThrow("hyperparameters.hidden_units: cannot be searched: network size is fixed: weights and optimizer state cannot be copied between networks of different sizes");
    expect(() => checkSearchable("num_layers")).toThrow(/network size is fixed/);
    expect(() => checkSearchable("init_entcoef")).toThrow(/alpha is learned after the first update/);
    expect(() => checkSearchable("beta")).toThrow(/unknown/);
    expect(Object.keys(FIXED_SETTINGS)).toContain("buffer_size");
  });

  it("pickMutable keeps only the mutable keys (older checkpoints also hold fixed settings)", () => {
    expect(pickMutable({ learning_rate: 1e-3, buffer_size: 10, save_replay_buffer: true, tau: 0.1 })).toEqual({ learning_rate: 1e-3, tau: 0.1 });
  });
});
