import { describe, expect, it } from "vitest";
import { behaviorSettings, loadRunOptions } from "../../../src/config/run-options.js";
import { baseHyperparameters, environmentParameterValues, withHyperparameters } from "../../../src/trainers/pbt/trainer-hyperparameters.js";
import { testSettings } from "./helpers.js";

const options = loadRunOptions("config/3dball-pbt.yaml");
const settings = behaviorSettings(options, "3DBall");

describe("trainer hyperparameters", () => {
  it("reads the behavior's values of the searched keys", () => {
    expect(baseHyperparameters(settings, options.pbt!)).toEqual({ learning_rate: 0.0003, init_entcoef: 0.5, tau: 0.005, batch_size: 64 });
  });

  it("reads gamma from the extrinsic reward signal, environment parameters from the given map, and skips absent settings", () => {
    const pbt = testSettings({
      explore: [
        { kind: "continuous", key: "gamma", integer: false, min: 0.9, max: 0.999, distribution: "uniform", perturb: [1.2], resample_probability: 0, clip: [0.9, 0.999] },
        { kind: "continuous", key: "target_entropy_scale", integer: false, min: 0.5, max: 2, distribution: "uniform", perturb: [1.2], resample_probability: 0, clip: [0.5, 2] },
        { kind: "categorical", key: "environment_parameters.gravity", values: [5, 9.81], resample_probability: 0 },
        { kind: "categorical", key: "environment_parameters.mass", values: [1, 2], resample_probability: 0 },
      ],
    });
    expect(baseHyperparameters(settings, pbt, { gravity: 9.81 })).toEqual({ gamma: 0.99, "environment_parameters.gravity": 9.81 });
  });

  it("writes a member's values into a copy of the settings", () => {
    const hp = { learning_rate: 1e-3, batch_size: 128, gamma: 0.95, steps_per_update: 4, "environment_parameters.gravity": 5 };
    const out = withHyperparameters(settings, hp);
    expect(out.hyperparameters).toMatchObject({ learning_rate: 1e-3, batch_size: 128, steps_per_update: 4, tau: 0.005 });
    expect(out.reward_signals.extrinsic?.gamma).toBe(0.95);
    expect(settings.hyperparameters.learning_rate).toBe(0.0003); // the behavior's settings are untouched
    expect(environmentParameterValues(hp)).toEqual({ gravity: 5 });
    expect(() => withHyperparameters(settings, { hidden_units: 32 })).toThrow(/"hidden_units" is not a searchable hyperparameter/);
  });
});

describe("mix_and_match_alpha", () => {
  const mm = behaviorSettings(loadRunOptions("config/3dball-mm.yaml"), "3DBall");
  const alphaRule = { kind: "alpha_step", key: "mix_and_match_alpha", step: 0.1, range: null, resample_probability: 0, location: {} } as const;

  it("reads α_K, the last initial mixing weight", () => {
    expect(baseHyperparameters(mm, testSettings({ explore: [alphaRule] }))).toEqual({ mix_and_match_alpha: 0.2 });
    expect(baseHyperparameters(settings, testSettings({ explore: [alphaRule] }))).toEqual({});
  });

  it("writes α_K and rescales the simpler components' weights in their proportions", () => {
    const three = structuredClone(mm);
    three.mix_and_match!.initial_alpha = [0.6, 0.2, 0.2];
    const out = withHyperparameters(three, { mix_and_match_alpha: 0.6 });
    // 1 − 0.6 = 0.4 split 3:1 (as 0.6:0.2).
    expect(out.mix_and_match!.initial_alpha.map((a) => Number(a.toFixed(12)))).toEqual([0.3, 0.1, 0.6]);
    expect(three.mix_and_match!.initial_alpha).toEqual([0.6, 0.2, 0.2]);
    expect(() => withHyperparameters(settings, { mix_and_match_alpha: 0.5 })).toThrow(/no mix_and_match section/);
  });
});
