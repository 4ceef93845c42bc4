import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { applyCliOverrides } from "../../src/config/cli-overrides.js";
import { loadRunOptions, parseRunOptions } from "../../src/config/run-options.js";
import { runOptionsToYaml } from "../../src/config/serialize.js";

function expectRoundTrip(yamlText: string): void {
  const first = parseRunOptions(yamlText);
  const written = runOptionsToYaml(first);
  const second = parseRunOptions(written);
  expect(second).toEqual(first);
  expect(runOptionsToYaml(second)).toBe(written);
}

describe("runOptionsToYaml", () => {
  it.each(["config/3dball.yaml", "config/basic.yaml", "config/gridworld.yaml", "config/hybrid.yaml", "config/3dball_randomize.yaml", "config/3dball-pbt.yaml"])(
    "round-trips %s",
    (file) => {
      const options = loadRunOptions(file);
      expect(parseRunOptions(runOptionsToYaml(options))).toEqual(options);
    },
  );

  it("round-trips default_settings, CLI overrides, seeds and curricula", () => {
    const base = parseRunOptions(`default_settings:
  trainer_type: sac
  max_steps: 1000
behaviors:
  "2":
    hyperparameters: {steps_per_update: 3}
  "true":
    trainer_type: sac
environment_parameters:
  c: {sampler_type: constant, sampler_parameters: {value: 2, seed: 5}}
  g: {sampler_type: gaussian, sampler_parameters: {mean: 0.1, st_dev: 0.2}}
  m: {sampler_type: multirangeuniform, sampler_parameters: {intervals: [[0, 1], [2, 3]], seed: 1}}
  solo:
    curriculum:
      - name: solo
        value: 3
  w:
    curriculum:
      - name: A
        completion_criteria: {measure: progress, behavior: "2", threshold: 0.5}
        value: 1
      - name: B
        value: {sampler_type: uniform, sampler_parameters: {min_value: -1, max_value: 1}}
`);
    const options = applyCliOverrides(base, { env: "x", envArgs: ["--a", "1"], seed: 12, runId: "007", deterministic: true, torchDevice: "cpu" });
    const written = runOptionsToYaml(options);
    const back = parseRunOptions(written);
    expect(back).toEqual(options);
    expect([...back.behaviors.keys()]).toEqual(["2", "true"]);
    expect([...back.environment_parameters.keys()]).toEqual(["c", "g", "m", "solo", "w"]);
    expect(back.checkpoint_settings.run_id).toBe("007");
  });

  it("round-trips random valid configurations", () => {
    const positiveInt = fc.integer({ min: 1, max: 10_000_000 });
    const unit = fc.double({ min: 0.001, max: 0.999, noNaN: true });
    const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Object.is(x, -0));
    const sampler = fc.oneof(
      finite,
      fc.record({ sampler_type: fc.constant("gaussian"), sampler_parameters: fc.record({ mean: finite, st_dev: unit }, { requiredKeys: [] }) }),
      fc
        .tuple(finite, finite, fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }))
        .map(([a, b, seed]) => ({
          sampler_type: "uniform",
          sampler_parameters: { min_value: Math.min(a, b), max_value: Math.max(a, b), ...(seed === undefined ? {} : { seed }) },
        })),
    );
    const behavior = fc.record(
      {
        trainer_type: fc.constant("sac"),
        hyperparameters: fc.record(
          {
            learning_rate: unit,
            batch_size: fc.integer({ min: 1, max: 256 }),
            buffer_size: fc.integer({ min: 256, max: 1_000_000 }),
            tau: unit,
            steps_per_update: unit,
            learning_rate_schedule: fc.constantFrom("constant", "linear"),
          },
          { requiredKeys: [] },
        ),
        network_settings: fc.record({ normalize: fc.boolean(), hidden_units: positiveInt, goal_conditioning_type: fc.constantFrom("hyper", "none") }, { requiredKeys: [] }),
        reward_signals: fc.record({ extrinsic: fc.record({ gamma: unit, strength: finite }, { requiredKeys: [] }) }),
        max_steps: positiveInt,
        even_checkpoints: fc.boolean(),
        keep_checkpoints: fc.integer({ min: 1, max: 20 }),
        init_path: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null }),
      },
      { requiredKeys: ["trainer_type"] },
    );
    const name = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
    const config = fc.record(
      {
        behaviors: fc.dictionary(name, behavior, { maxKeys: 3 }),
        environment_parameters: fc.dictionary(name, sampler, { maxKeys: 3 }),
        env_settings: fc.record({ seed: fc.integer({ min: -1, max: 9999 }), num_areas: fc.integer({ min: 1, max: 8 }), env_args: fc.option(fc.array(fc.string()), { nil: null }) }, { requiredKeys: [] }),
        engine_settings: fc.record({ time_scale: unit, width: positiveInt }, { requiredKeys: [] }),
        checkpoint_settings: fc.record({ run_id: name, force: fc.boolean() }, { requiredKeys: [] }),
        debug: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(config, (c) => expectRoundTrip(stringify(c))), { numRuns: 100 });
  });
});
