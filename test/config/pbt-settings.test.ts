import { describe, expect, it } from "vitest";
import { exploreRulesForBehavior, pbtNeedsOwnEnvironments, searchedEnvironmentParameters } from "../../src/config/pbt-settings.js";
import { parseRunOptions } from "../../src/config/run-options.js";
import { runOptionsToYaml } from "../../src/config/serialize.js";
import { configError, sacBehavior } from "./helpers.js";

const file = "pbt.yaml";
const withPbt = (pbt: string): string => `${sacBehavior()}pbt:\n${pbt}`;
const parse = (pbt: string) => parseRunOptions(withPbt(pbt), file).pbt!;
/** The ConfigError message for a `pbt:` body. */
const errorOf = (pbt: string) => configError(() => parseRunOptions(withPbt(pbt), file));

describe("pbt: section", () => {
  it("is absent (null) unless written", () => {
    expect(parseRunOptions(sacBehavior()).pbt).toBeNull();
  });

  it("fills defaults around the required keys", () => {
    const s = parse("  population_size: 4\n  ready: 5000\n");
    expect(s).toEqual({
      population_size: 4,
      ready: 5000,
      burn_in: 0,
      synchronous: false,
      quantile_fraction: 0.25,
      metric: "mean_reward",
      episodes: 30,
      keep_reference: false,
      relative_margin: 0.05,
      significance: 0.05,
      members_per_environment: 1,
      explore: [],
    });
    const evaluation = parse("  population_size: 4\n  ready: 5000\n  metric: evaluation\n");
    expect([evaluation.episodes, evaluation.evaluation_max_steps]).toEqual([10, 10000]);
    expect(parse("  population_size: 4\n  ready: 5000\n  metric: evaluation\n  evaluation_max_steps: 300\n").evaluation_max_steps).toBe(300);
    expect(parse("  population_size: 8\n  ready: 5000\n  members_per_environment: 4\n").members_per_environment).toBe(4);
  });

  it("reads continuous, log-uniform, categorical and environment-parameter rules", () => {
    const s = parse(`  population_size: 8
  ready: 1000
  burn_in: 3000
  synchronous: true
  quantile_fraction: 0.2
  keep_reference: true
  relative_margin: 0.1
  significance: 0.01
  explore:
    learning_rate: {distribution: log_uniform, min: 1.0e-5, max: 1.0e-2, clip: [1.0e-6, 0.1]}
    tau: {min: 0.001, max: 0.02, perturb: [0.5, 2], resample_probability: 0}
    batch_size: {values: [32, 64, 128]}
    steps_per_update: {min: 1, max: 20}
    environment_parameters:
      gravity: {min: 4, max: 12}
    environment_parameters.mass: {values: [1, 2]}
`);
    expect(s.explore).toEqual([
      { kind: "continuous", key: "learning_rate", integer: false, min: 1e-5, max: 1e-2, distribution: "log_uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [1e-6, 0.1] },
      { kind: "continuous", key: "tau", integer: false, min: 0.001, max: 0.02, distribution: "uniform", perturb: [0.5, 2], resample_probability: 0, clip: [0.001, 0.02] },
      { kind: "categorical", key: "batch_size", values: [32, 64, 128], resample_probability: 0.25 },
      { kind: "continuous", key: "steps_per_update", integer: true, min: 1, max: 20, distribution: "uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [1, 20] },
      { kind: "continuous", key: "environment_parameters.gravity", integer: false, min: 4, max: 12, distribution: "uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [4, 12] },
      { kind: "categorical", key: "environment_parameters.mass", values: [1, 2], resample_probability: 0.25 },
    ]);
    expect([s.burn_in, s.synchronous, s.quantile_fraction, s.keep_reference, s.relative_margin, s.significance]).toEqual([3000, true, 0.2, true, 0.1, 0.01]);
    expect(searchedEnvironmentParameters(s)).toEqual(["gravity", "mass"]);
    expect(pbtNeedsOwnEnvironments(s)).toBe(true);
    expect(pbtNeedsOwnEnvironments(parse("  population_size: 2\n  ready: 10\n  explore: {gamma: {min: 0.9, max: 0.99}}\n"))).toBe(false);
  });

  it("round-trips through runOptionsToYaml", () => {
    const options = parseRunOptions(
      withPbt("  population_size: 3\n  ready: 10\n  explore:\n    gamma: {min: 0.9, max: 0.995}\n    init_entcoef: {values: [0.1, 0.5, 1]}\n    environment_parameters: {g: {min: -1, max: 1}}\n"),
    );
    const back = parseRunOptions(runOptionsToYaml(options));
    expect(back).toEqual(options);
    const evaluation = parseRunOptions(withPbt("  population_size: 3\n  ready: 10\n  metric: evaluation\n  evaluation_max_steps: 50\n"));
    expect(parseRunOptions(runOptionsToYaml(evaluation))).toEqual(evaluation);
  });
});

describe("pbt: errors name file:line and key path", () => {
  it.each([
    ["population below 2", "  population_size: 1\n  ready: 10\n", 5, "pbt.population_size", "expected an integer >= 2, got 1"],
    ["missing ready", "  population_size: 4\n", 5, "pbt.ready", 'missing required key "ready"'],
    ["unknown key", "  population_size: 4\n  ready: 10\n  quantile_fractin: 0.2\n", 7, "pbt.quantile_fractin", '(did you mean "quantile_fraction"?)'],
    ["quantile above 0.5", "  population_size: 4\n  ready: 10\n  quantile_fraction: 0.6\n", 7, "pbt.quantile_fraction", "a number in (0, 0.5]"],
    ["quantile of 0", "  population_size: 4\n  ready: 10\n  quantile_fraction: 0\n", 7, "pbt.quantile_fraction", "a number in (0, 0.5]"],
    ["unknown metric", "  population_size: 4\n  ready: 10\n  metric: reward\n", 7, "pbt.metric", "one of mean_reward, evaluation"],
    ["one episode", "  population_size: 4\n  ready: 10\n  episodes: 1\n", 7, "pbt.episodes", "an integer >= 2"],
    ["one evaluation episode", "  population_size: 4\n  ready: 10\n  metric: evaluation\n  episodes: 1\n", 8, "pbt.episodes", "an integer >= 2"],
    ["evaluation step limit of 0", "  population_size: 4\n  ready: 10\n  metric: evaluation\n  evaluation_max_steps: 0\n", 8, "pbt.evaluation_max_steps", "expected a positive integer"],
    ["fractional evaluation step limit", "  population_size: 4\n  ready: 10\n  metric: evaluation\n  evaluation_max_steps: 2.5\n", 8, "pbt.evaluation_max_steps", "expected a positive integer"],
    ["evaluation step limit without evaluation", "  population_size: 4\n  ready: 10\n  evaluation_max_steps: 100\n", 7, "pbt.evaluation_max_steps", "applies to metric: evaluation only (the metric is mean_reward)"],
    ["evaluation_max_step misspelt", "  population_size: 4\n  ready: 10\n  metric: evaluation\n  evaluation_max_step: 100\n", 8, "pbt.evaluation_max_step", 'did you mean "evaluation_max_steps"?'],
    ["significance of 0", "  population_size: 4\n  ready: 10\n  significance: 0\n", 7, "pbt.significance", "a number in (0, 1]"],
    ["members_per_environment of 0", "  population_size: 4\n  ready: 10\n  members_per_environment: 0\n", 7, "pbt.members_per_environment", "expected a positive integer, got 0"],
    ["members_per_environment not dividing", "  population_size: 6\n  ready: 10\n  members_per_environment: 4\n", 7, "pbt.members_per_environment", "4 does not divide population_size 6"],
    [
      "shared environments with searched environment parameters",
      "  population_size: 4\n  ready: 10\n  members_per_environment: 2\n  explore:\n    environment_parameters: {g: {min: 1, max: 2}}\n",
      7,
      "pbt.members_per_environment",
      "2 members share each environment, whose parameters are global, so environment_parameters.g cannot be searched",
    ],
    ["keep_reference with 2", "  population_size: 2\n  ready: 10\n  keep_reference: true\n", 5, "pbt.population_size", "keep_reference needs a population of at least 3"],
  ])("%s", (_name, body, line, keyPath, text) => {
    const e = errorOf(body);
    expect(e.keyPath).toBe(keyPath);
    expect(e.line).toBe(line);
    expect(e.fileName).toBe(file);
    expect(e.message).toContain(text);
    expect(e.message.startsWith(`${file}:${line}: `)).toBe(true);
  });

  const rule = (body: string): string => `  population_size: 4\n  ready: 10\n  explore:\n${body}`;

  it.each([
    ["min above max", "    tau: {min: 0.5, max: 0.1}\n", 8, "pbt.explore.tau.min", "min (0.5) is greater than max (0.1)"],
    ["log range including 0", "    init_entcoef:\n      distribution: log_uniform\n      min: 0\n      max: 1\n", 10, "pbt.explore.init_entcoef.min", "expected a number > 0"],
    ["log range of environment parameter at 0", "    environment_parameters:\n      g: {distribution: log_uniform, min: 0, max: 3}\n", 9, "pbt.explore.environment_parameters.g.min", "log_uniform range needs min > 0"],
    ["gamma of 1", "    gamma: {min: 0.9, max: 1}\n", 8, "pbt.explore.gamma.max", "a number > 0 and < 1"],
    ["fractional batch size", "    batch_size: {values: [32, 48.5]}\n", 8, "pbt.explore.batch_size.values[1]", "an integer >= 1"],
    ["clip not containing the range", "    tau: {min: 0.01, max: 0.1, clip: [0.02, 0.2]}\n", 8, "pbt.explore.tau.clip", "must contain [min, max]"],
    ["missing max", "    tau:\n      min: 0.01\n", 9, "pbt.explore.tau.max", 'missing required key "max"'],
    ["unknown rule key", "    tau: {min: 0.01, max: 0.1, perturbation: [0.9]}\n", 8, "pbt.explore.tau.perturbation", "(allowed: min, max, distribution, perturb, resample_probability, clip)"],
    ["min with values", "    batch_size: {values: [32], min: 1}\n", 8, "pbt.explore.batch_size.min", "unknown key"],
    ["non-positive perturb factor", "    tau: {min: 0.01, max: 0.1, perturb: [0, 1.2]}\n", 8, "pbt.explore.tau.perturb[0]", "a positive number"],
    ["resample probability above 1", "    tau: {min: 0.01, max: 0.1, resample_probability: 2}\n", 8, "pbt.explore.tau.resample_probability", "a number in [0, 1]"],
    ["unknown hyperparameter", "    learning_rat: {min: 0.1, max: 0.2}\n", 8, "pbt.explore.learning_rat", 'did you mean "learning_rate"?'],
    ["buffer_size is not searchable", "    buffer_size: {min: 1000, max: 2000}\n", 8, "pbt.explore.buffer_size", "searchable: learning_rate, gamma"],
    ["hidden_units", "    hidden_units: {values: [64, 128]}\n", 8, "pbt.explore.hidden_units", "state (weights, optimizer moments) cannot be copied between networks of different sizes"],
    ["num_layers", "    num_layers: {min: 1, max: 3}\n", 8, "pbt.explore.num_layers", "network size cannot be searched"],
    ["searched twice", "    environment_parameters: {g: {min: 1, max: 2}}\n    environment_parameters.g: {min: 1, max: 2}\n", 9, "pbt.explore.environment_parameters.g", "searched twice"],
    ["duplicate values", "    batch_size: {values: [32, 32]}\n", 8, "pbt.explore.batch_size.values", "listed twice"],
  ])("%s", (_name, body, line, keyPath, text) => {
    const e = errorOf(rule(body));
    expect(e.keyPath).toBe(keyPath);
    expect(e.message).toContain(text);
    expect(e.message.startsWith(`${file}:${line}: `)).toBe(true);
  });
});

describe("pbt.explore.mix_and_match_alpha", () => {
  const mmBehavior = `behaviors:
  Basic:
    trainer_type: sac
    mix_and_match:
      alpha_step: 0.2
      initial_alpha: [1, 0]
      components:
        - macro_actions: [{discrete: [1]}, {discrete: [2]}]
        - {}
`;
  const alphaPbt = (rule: string): string => `pbt:\n  population_size: 2\n  ready: 10\n  explore:\n    mix_and_match_alpha: ${rule}\n`;

  it("reads an empty rule (the behavior's step and initial α) and one with step, range and resampling", () => {
    const empty = parseRunOptions(mmBehavior + alphaPbt("{}"), file).pbt!.explore;
    expect(empty).toEqual([{ kind: "alpha_step", key: "mix_and_match_alpha", step: null, range: null, resample_probability: 0, location: { fileName: file, line: 14 } }]);
    const full = parseRunOptions(mmBehavior + alphaPbt("{step: 0.05, min: 0, max: 0.3, resample_probability: 0.1}"), file).pbt!.explore[0];
    expect(full).toMatchObject({ step: 0.05, range: [0, 0.3], resample_probability: 0.1 });
  });

  it("round-trips through runOptionsToYaml", () => {
    const options = parseRunOptions(mmBehavior + alphaPbt("{step: 0.05, min: 0, max: 0.3}"));
    const back = parseRunOptions(runOptionsToYaml(options));
    // Where a rule was written is not part of the settings' value (configuration.yaml has its own lines).
    const withoutLocation = (o: typeof options) => ({ ...o.pbt!, explore: o.pbt!.explore.map((r) => ({ ...r, location: {} })) });
    expect(withoutLocation(back)).toEqual(withoutLocation(options));
  });

  it("fills each behavior's own alpha_step", () => {
    const rules = parseRunOptions(mmBehavior + alphaPbt("{}"), file).pbt!.explore;
    expect(exploreRulesForBehavior(rules, "Basic", 0.2)[0]).toMatchObject({ step: 0.2 });
    expect(exploreRulesForBehavior(rules.map((r) => ({ ...r, step: 0.05 })), "Basic", 0.2)[0]).toMatchObject({ step: 0.05 });
  });

  it("is refused for a behavior without mix_and_match, naming the rule's file:line", () => {
    const e = errorOf("  population_size: 2\n  ready: 10\n  explore:\n    learning_rate: {min: 1.0e-4, max: 1.0e-3}\n    mix_and_match_alpha: {}\n");
    expect(e.keyPath).toBe("pbt.explore.mix_and_match_alpha");
    expect(e.message).toBe(`${file}:9: pbt.explore.mix_and_match_alpha: behavior 3DBall has no mix_and_match section, so it has no α to search (add one under behaviors.3DBall, or remove this key)`);
    // A behavior Unity announces later (default_settings) is checked when its trainer is created, with the same line.
    const rules = parseRunOptions(mmBehavior + alphaPbt("{}"), file).pbt!.explore;
    expect(configError(() => exploreRulesForBehavior(rules, "Other", undefined)).message).toMatch(/^pbt\.yaml:14: pbt\.explore\.mix_and_match_alpha: behavior Other has no mix_and_match/);
  });

  it.each([
    ["a step of 0", "{step: 0}", 14, "pbt.explore.mix_and_match_alpha.step", "a number in (0, 1]"],
    ["max above 1", "{min: 0, max: 1.5}", 14, "pbt.explore.mix_and_match_alpha.max", "a number in [0, 1]"],
    ["min without max", "{min: 0.1}", 14, "pbt.explore.mix_and_match_alpha.max", "give both min and max"],
    ["min above max", "{min: 0.5, max: 0.2}", 14, "pbt.explore.mix_and_match_alpha.min", "min (0.5) is greater than max (0.2)"],
    ["resampling without a range", "{resample_probability: 0.5}", 14, "pbt.explore.mix_and_match_alpha.resample_probability", "resampling needs a range"],
    ["an unknown key", "{perturb: [0.8, 1.2]}", 14, "pbt.explore.mix_and_match_alpha.perturb", "(allowed: step, min, max, resample_probability)"],
  ])("%s", (_name, rule, line, keyPath, text) => {
    const e = configError(() => parseRunOptions(mmBehavior + alphaPbt(rule), file));
    expect(e.keyPath).toBe(keyPath);
    expect(e.message).toContain(text);
    expect(e.message.startsWith(`${file}:${line}: `)).toBe(true);
  });
});
