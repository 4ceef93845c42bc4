import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { applyCliOverrides } from "../../src/config/cli-overrides.js";
import { EnvironmentParameterManager } from "../../src/config/environment-parameter-manager.js";
import { ConfigError } from "../../src/config/errors.js";
import { parseRunOptions } from "../../src/config/run-options.js";
import { runOptionsToYaml } from "../../src/config/serialize.js";

// Keys and values the parser knows, mixed with noise, so random documents reach deep branches.
const vocabulary = [
  "behaviors", "default_settings", "environment_parameters", "env_settings", "engine_settings", "checkpoint_settings",
  "torch_settings", "debug", "trainer_type", "hyperparameters", "network_settings", "reward_signals", "extrinsic", "gail",
  "gamma", "strength", "batch_size", "buffer_size", "tau", "learning_rate", "steps_per_update", "max_steps", "memory",
  "vis_encode_type", "hidden_units", "num_layers", "even_checkpoints", "keep_checkpoints", "self_play", "curriculum",
  "name", "value", "completion_criteria", "measure", "behavior", "threshold", "min_lesson_length", "sampler_type",
  "sampler_parameters", "min_value", "max_value", "intervals", "seed", "mean", "st_dev", "run_id", "initialize_from",
  "resume", "env_args", "num_envs", "base_port", "time_scale", "device", "<<", "__proto__", "constructor", "X",
];
const words = ["sac", "ppo", "uniform", "gaussian", "multirangeuniform", "constant", "progress", "reward", "simple", "resnet", "linear", "../x"];

const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...vocabulary) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const scalar = fc.oneof(
  fc.constantFrom(...words),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -3, max: 300000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
}));
const document = fc.dictionary(key, value, { maxKeys: 5 });

function onlyConfigErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).not.toMatch(/\n\s+at /); // no stack traces in messages
  }
  return true;
}

describe("untrusted YAML", () => {
  it("random documents throw nothing but ConfigError, and what parses survives the pipeline", () => {
    fc.assert(
      fc.property(document, (doc) =>
        onlyConfigErrors(() => {
          const options = parseRunOptions(stringify(doc), "fuzz.yaml");
          const final = applyCliOverrides(options, {});
          expect(parseRunOptions(runOptionsToYaml(final))).toEqual(final);
          const manager = new EnvironmentParameterManager(final.environment_parameters);
          manager.currentValues(1);
          manager.updateLessons([...final.behaviors.keys()].map((behavior) => ({ behavior, stepsRatio: 1, meanReward: 1e9, episodes: 1e9 })));
        }),
      ),
      { numRuns: 400 },
    );
  });

  it("mutated valid configs throw nothing but ConfigError, and what parses round-trips", () => {
    const base = parse(readFileSync("config/3dball_randomize.yaml", "utf8")) as Record<string, unknown>;
    base.default_settings = { trainer_type: "sac", max_steps: 10 };
    base.env_settings = { seed: 1, env_args: ["a"] };
    base.checkpoint_settings = { run_id: "r", resume: true, initialize_from: "x" };
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]): void => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i]));
      else if (v !== null && typeof v === "object") for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
    };
    walk(base, []);
    const mutation = fc.record({ path: fc.integer({ min: 1, max: paths.length - 1 }), kind: fc.constantFrom("set", "delete", "add"), key, value });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) =>
        onlyConfigErrors(() => {
          const doc = structuredClone(base);
          for (const m of mutations) {
            const path = paths[m.path]!;
            let parent: any = doc;
            for (const part of path.slice(0, -1)) parent = parent?.[part];
            if (parent === null || typeof parent !== "object") continue;
            const last = path[path.length - 1]!;
            if (m.kind === "set") parent[last] = m.value;
            else if (m.kind === "delete") Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
            else if (parent[last] !== null && typeof parent[last] === "object" && !Array.isArray(parent[last])) parent[last][m.key] = m.value;
          }
          const options = parseRunOptions(stringify(doc));
          expect(parseRunOptions(runOptionsToYaml(options))).toEqual(options);
        }),
      ),
      { numRuns: 400 },
    );
  });

  it("random text throws nothing but ConfigError", () => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom("behaviors:", "  X:", "    trainer_type: sac", "&a", "*a", "<<: *a", "- ", "{", "[", ":", "\t", "!!binary", "? "), { maxLength: 12 }).map((l) => l.join("\n")));
    fc.assert(fc.property(text, (t) => onlyConfigErrors(() => parseRunOptions(t))), { numRuns: 400 });
  });

  // Without the alias limit this expands to 10^9 nodes: a regression hangs into the test timeout.
  it("alias bombs fail with a ConfigError", () => {
    let yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++) yaml += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    expect(() => parseRunOptions(yaml)).toThrow(ConfigError);
  });
});
