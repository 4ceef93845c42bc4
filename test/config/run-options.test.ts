import { describe, expect, it } from "vitest";
import { defaultTrainerSettings } from "../../src/config/defaults.js";
import { behaviorSettings, defaultRunOptions, parseRunOptions } from "../../src/config/run-options.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { configError, sacBehavior } from "./helpers.js";

describe("defaults", () => {
  it("fills every ML-Agents default for a minimal SAC behavior", () => {
    const o = parseRunOptions(sacBehavior());
    const s = o.behaviors.get("3DBall")!;
    expect(s.hyperparameters).toEqual({
      learning_rate: 3e-4,
      learning_rate_schedule: "constant",
      batch_size: 128,
      buffer_size: 50000,
      buffer_init_steps: 0,
      tau: 0.005,
      steps_per_update: 1,
      save_replay_buffer: false,
      init_entcoef: 1.0,
      reward_signal_steps_per_update: 1,
    });
    expect(s.network_settings).toEqual({
      normalize: false,
      hidden_units: 128,
      num_layers: 2,
      vis_encode_type: "simple",
      memory: null,
      goal_conditioning_type: "hyper",
      deterministic: false,
    });
    expect(s.reward_signals.extrinsic).toMatchObject({ gamma: 0.99, strength: 1.0 });
    expect(s).toMatchObject({
      init_path: null,
      keep_checkpoints: 5,
      even_checkpoints: false,
      checkpoint_interval: 500000,
      max_steps: 500000,
      time_horizon: 64,
      summary_freq: 50000,
      threaded: false,
      self_play: null,
      behavioral_cloning: null,
    });
    expect(o.env_settings).toEqual({
      env_path: null,
      env_args: null,
      base_port: 5005,
      num_envs: 1,
      num_areas: 1,
      timeout_wait: 60,
      seed: -1,
      max_lifetime_restarts: 10,
      restarts_rate_limit_n: 1,
      restarts_rate_limit_period_s: 60,
      bind: "127.0.0.1",
      max_message_mb: 64,
      exit_on_stop: false,
    });
    expect(o.engine_settings).toEqual({
      width: 84,
      height: 84,
      quality_level: 5,
      time_scale: 20,
      target_frame_rate: -1,
      capture_frame_rate: 60,
      no_graphics: false,
      no_graphics_monitor: false,
    });
    expect(o.checkpoint_settings).toMatchObject({ run_id: "ppo", initialize_from: null, resume: false, force: false, inference: false, results_dir: "results" });
    expect(o.torch_settings).toEqual({ device: null });
    expect(o.debug).toBe(false);
    expect(o.default_settings).toBeNull();
    expect(o.environment_parameters.size).toBe(0);
  });

  it("reward_signal_steps_per_update follows steps_per_update unless given", () => {
    const follow = parseRunOptions(sacBehavior() + "    hyperparameters:\n      steps_per_update: 7.5\n");
    expect(follow.behaviors.get("3DBall")!.hyperparameters.reward_signal_steps_per_update).toBe(7.5);
    const own = parseRunOptions(sacBehavior() + "    hyperparameters:\n      steps_per_update: 7.5\n      reward_signal_steps_per_update: 2\n");
    expect(own.behaviors.get("3DBall")!.hyperparameters.reward_signal_steps_per_update).toBe(2);
  });

  it("an empty file is an empty configuration", () => {
    const o = parseRunOptions("", "empty.yaml");
    expect(o.behaviors.size).toBe(0);
    expect(o.configSpecified).toBe(true);
  });

  it("even_checkpoints sets checkpoint_interval = max_steps / keep_checkpoints", () => {
    const o = parseRunOptions(sacBehavior() + "    even_checkpoints: true\n    max_steps: 1000\n    keep_checkpoints: 3\n    checkpoint_interval: 7\n");
    expect(o.behaviors.get("3DBall")!.checkpoint_interval).toBe(333);
  });
});

describe("unknown keys", () => {
  const cases: [string, string, string, number, string?][] = [
    // [yaml, parent path, key, line, suggestion]
    ["behavior:\n  X: {}\n", "top level", "behavior", 1, "behaviors"],
    [sacBehavior() + "    max_step: 10\n", "behaviors.3DBall", "max_step", 4, "max_steps"],
    [sacBehavior() + "    hyperparameters:\n      batch_size: 64\n      batch_sise: 64\n", "behaviors.3DBall.hyperparameters", "batch_sise", 6, "batch_size"],
    [sacBehavior() + "    network_settings:\n      hiden_units: 3\n", "behaviors.3DBall.network_settings", "hiden_units", 5, "hidden_units"],
    [sacBehavior() + "    reward_signals:\n      extrinsic:\n        gama: 0.9\n", "behaviors.3DBall.reward_signals.extrinsic", "gama", 6, "gamma"],
    ["env_settings:\n  base_prot: 1\n", "env_settings", "base_prot", 2, "base_port"],
    ["engine_settings:\n  timescale: 1\n", "engine_settings", "timescale", 2, "time_scale"],
    ["checkpoint_settings:\n\n  run_di: x\n", "checkpoint_settings", "run_di", 3, "run_id"],
    ["torch_settings:\n  devise: cpu\n", "torch_settings", "devise", 2, "device"],
    [
      "environment_parameters:\n  mass:\n    sampler_type: uniform\n    sampler_parameters:\n      min_valu: 1\n",
      "environment_parameters.mass.sampler_parameters",
      "min_valu",
      5,
      "min_value",
    ],
    [
      "environment_parameters:\n  g:\n    curriculum:\n      - name: A\n        valeu: 1\n",
      "environment_parameters.g.curriculum[0]",
      "valeu",
      5,
      "value",
    ],
    [
      "environment_parameters:\n  g:\n    curriculum:\n      - name: A\n        value: 1\n        completion_criteria: {behavior: B, treshold: 0.5}\n      - name: B\n        value: 2\n",
      "environment_parameters.g.curriculum[0].completion_criteria",
      "treshold",
      6,
      "threshold",
    ],
  ];
  it.each(cases)("is an error naming key, parent and line (%#)", (yaml, parent, key, line, suggestion) => {
    const e = configError(() => parseRunOptions(yaml, "cfg.yaml"));
    expect(e.message).toBe(`cfg.yaml:${line}: unknown key "${key}" at ${parent} (did you mean "${suggestion}"?)`);
    expect(e.fileName).toBe("cfg.yaml");
    expect(e.line).toBe(line);
    expect(e.keyPath).toBe(parent === "top level" ? key : `${parent}.${key}`);
  });

  it("lists the allowed keys when nothing is close", () => {
    const e = configError(() => parseRunOptions("torch_settings:\n  zzzzzzzzzz: 1\n"));
    expect(e.message).toBe('line 2: unknown key "zzzzzzzzzz" at torch_settings (allowed: device)');
  });

  it("PPO-only hyperparameters are unknown for SAC", () => {
    const e = configError(() => parseRunOptions(sacBehavior() + "    hyperparameters:\n      beta: 0.005\n"));
    expect(e.keyPath).toBe("behaviors.3DBall.hyperparameters.beta");
  });
});

describe("types and ranges", () => {
  it("names the path, expectation and value", () => {
    const e = configError(() => parseRunOptions(sacBehavior() + "    hyperparameters:\n      batch_size: 64x\n", "config/3dball.yaml"));
    expect(e.message).toBe('config/3dball.yaml:5: behaviors.3DBall.hyperparameters.batch_size: expected a positive integer, got "64x"');
  });

  it.each([
    ["hyperparameters:\n      batch_size: 0", "hyperparameters.batch_size"],
    ["hyperparameters:\n      batch_size: 64.5", "hyperparameters.batch_size"],
    ["hyperparameters:\n      batch_size: 256\n      buffer_size: 100", "hyperparameters.buffer_size"],
    ["hyperparameters:\n      tau: 0", "hyperparameters.tau"],
    ["hyperparameters:\n      tau: 1.5", "hyperparameters.tau"],
    ["hyperparameters:\n      learning_rate: -1", "hyperparameters.learning_rate"],
    ["hyperparameters:\n      learning_rate_schedule: cosine", "hyperparameters.learning_rate_schedule"],
    ["hyperparameters:\n      save_replay_buffer: yes", "hyperparameters.save_replay_buffer"],
    ["reward_signals:\n      extrinsic:\n        gamma: 1.0", "reward_signals.extrinsic.gamma"],
    ["reward_signals:\n      extrinsic:\n        gamma: -0.1", "reward_signals.extrinsic.gamma"],
    ["network_settings:\n      hidden_units: 0", "network_settings.hidden_units"],
    ["network_settings:\n      num_layers: 0", "network_settings.num_layers"],
    ["network_settings:\n      normalize: 1", "network_settings.normalize"],
    ["keep_checkpoints: 0", "keep_checkpoints"],
    ["time_horizon: 0", "time_horizon"],
    ["summary_freq: 0", "summary_freq"],
    ["checkpoint_interval: 0", "checkpoint_interval"],
    ["max_steps: .inf", "max_steps"],
    ["hyperparameters: [1, 2]", "hyperparameters"],
  ])("rejects %j", (lines, key) => {
    const e = configError(() => parseRunOptions(sacBehavior() + "    " + lines + "\n"));
    expect(e.keyPath).toBe(`behaviors.3DBall.${key}`);
    expect(e.line).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ["env_settings:\n  base_port: 70000", "env_settings.base_port"],
    ["env_settings:\n  num_envs: 0", "env_settings.num_envs"],
    ["env_settings:\n  num_areas: 0", "env_settings.num_areas"],
    ["env_settings:\n  seed: -2", "env_settings.seed"],
    ["env_settings:\n  env_args: ab", "env_settings.env_args"],
    ["engine_settings:\n  time_scale: 0", "engine_settings.time_scale"],
    ["engine_settings:\n  width: 8.5", "engine_settings.width"],
    ["checkpoint_settings:\n  run_id: ../x", "checkpoint_settings.run_id"],
    ["debug: maybe", "debug"],
    ["behaviors: [a]", "behaviors"],
  ])("rejects %j", (yaml, key) => {
    expect(configError(() => parseRunOptions(yaml + "\n")).keyPath).toBe(key);
  });

  it("accepts float-written integers (ML-Agents max_steps: 5.0e5)", () => {
    const o = parseRunOptions(sacBehavior() + "    max_steps: 5.0e5\n    time_horizon: 64.0\n    hyperparameters:\n      buffer_size: 1.0e6\n");
    const s = o.behaviors.get("3DBall")!;
    expect([s.max_steps, s.time_horizon, s.hyperparameters.buffer_size]).toEqual([500000, 64, 1000000]);
  });

  it("reports YAML syntax errors with a line", () => {
    const e = configError(() => parseRunOptions("behaviors:\n  a: [1, 2\nb: 3\n", "bad.yaml"));
    expect(e.message).toMatch(/^bad\.yaml:\d+: invalid YAML: /);
    expect(e.line).toBeGreaterThanOrEqual(2);
  });

  it("reports duplicate keys", () => {
    expect(configError(() => parseRunOptions("debug: true\ndebug: false\n")).line).toBe(2);
  });

  it("resolves anchors and merge keys", () => {
    const o = parseRunOptions(
      "behaviors:\n  A: &base\n    trainer_type: sac\n    max_steps: 1000\n  B:\n    <<: *base\n    max_steps: 2000\n",
    );
    expect(o.behaviors.get("A")!.max_steps).toBe(1000);
    expect(o.behaviors.get("B")!.max_steps).toBe(2000);
    expect(o.behaviors.get("B")!.trainer_type).toBe("sac");
  });
});

describe("unsupported features are refused by name", () => {
  it.each(["ppo", "poca", "sacc"])("trainer_type %s", (type) => {
    const e = configError(() => parseRunOptions(`behaviors:\n  X:\n    trainer_type: ${type}\n`, "c.yaml"));
    expect(e.message).toBe(`c.yaml:3: trainer_type '${type}' is not implemented by mlagents-ts (behaviors.X.trainer_type); use trainer_type: sac`);
  });

  it("a missing trainer_type (ML-Agents default ppo)", () => {
    const e = configError(() => parseRunOptions("behaviors:\n  X:\n    max_steps: 10\n"));
    expect(e.keyPath).toBe("behaviors.X.trainer_type");
    expect(e.message).toContain("'ppo'");
    expect(e.message).toContain("trainer_type: sac");
  });

  it("hyperparameters without trainer_type in the entry", () => {
    const e = configError(() => parseRunOptions("behaviors:\n  X:\n    hyperparameters:\n      batch_size: 64\n"));
    expect(e.keyPath).toBe("behaviors.X.hyperparameters");
    expect(e.message).toContain("no trainer_type was given");
  });

  it.each(["gail", "curiosity", "rnd"])("reward signal %s", (signal) => {
    const e = configError(() => parseRunOptions(sacBehavior() + `    reward_signals:\n      extrinsic: {}\n      ${signal}:\n        strength: 0.1\n`));
    expect(e.keyPath).toBe(`behaviors.3DBall.reward_signals.${signal}`);
    expect(e.message).toContain("not implemented");
  });

  it("memory, vis_encode_type other than simple, self_play, behavioral_cloning", () => {
    const memory = configError(() => parseRunOptions(sacBehavior() + "    network_settings:\n      memory: {sequence_length: 64, memory_size: 128}\n"));
    expect(memory.keyPath).toBe("behaviors.3DBall.network_settings.memory");
    expect(memory.message).toContain("not implemented");
    const vis = configError(() => parseRunOptions(sacBehavior() + "    network_settings:\n      vis_encode_type: resnet\n"));
    expect(vis.message).toContain("supported value is simple");
    for (const key of ["self_play", "behavioral_cloning"]) {
      const e = configError(() => parseRunOptions(sacBehavior() + `    ${key}:\n      steps: 1\n`));
      expect(e.keyPath).toBe(`behaviors.3DBall.${key}`);
      expect(e.message).toContain("not implemented");
    }
    // explicit nulls are fine
    expect(parseRunOptions(sacBehavior() + "    self_play: null\n    network_settings:\n      memory: null\n").behaviors.size).toBe(1);
  });

  it("behavior names with a team suffix", () => {
    expect(configError(() => parseRunOptions("behaviors:\n  X?team=0:\n    trainer_type: sac\n")).keyPath).toBe("behaviors.X?team=0");
  });
});

describe("default_settings", () => {
  const yaml = `default_settings:
  trainer_type: sac
  hyperparameters:
    batch_size: 32
    steps_per_update: 4
  network_settings:
    hidden_units: 16
  max_steps: 1000
behaviors:
  A:
    hyperparameters:
      learning_rate: 0.001
  B:
    trainer_type: sac
    network_settings:
      num_layers: 3
  C:
`;
  it("is deep-merged under every behavior", () => {
    const o = parseRunOptions(yaml);
    const a = o.behaviors.get("A")!;
    expect(a.hyperparameters).toMatchObject({ batch_size: 32, steps_per_update: 4, learning_rate: 0.001, reward_signal_steps_per_update: 4 });
    expect(a.network_settings.hidden_units).toBe(16);
    expect(a.max_steps).toBe(1000);
    const b = o.behaviors.get("B")!;
    expect(b.network_settings).toMatchObject({ hidden_units: 16, num_layers: 3 });
    expect(b.hyperparameters.batch_size).toBe(32);
    expect(o.behaviors.get("C")).toEqual(o.default_settings);
  });

  it("serves behaviors that are not listed", () => {
    const o = parseRunOptions(yaml);
    expect(behaviorSettings(o, "Other")).toEqual(o.default_settings);
    expect(behaviorSettings(o, "Other")).not.toBe(o.default_settings);
  });

  it("needs trainer_type: sac itself", () => {
    expect(configError(() => parseRunOptions("default_settings:\n  max_steps: 10\n")).keyPath).toBe("default_settings.trainer_type");
  });
});

describe("behaviorSettings", () => {
  it("with a YAML, an unlisted behavior is ML-Agents' error", () => {
    const o = parseRunOptions(sacBehavior("Basic"));
    const e = configError(() => behaviorSettings(o, "3DBall?team=0"));
    expect(e.message).toBe(
      "The behavior name 3DBall has not been specified in the trainer configuration. Please add an entry in the configuration file for 3DBall, or set default_settings.",
    );
  });

  it("without a YAML, defaults with a warning", () => {
    const log = createMemoryLogger();
    expect(behaviorSettings(defaultRunOptions(), "3DBall", log)).toEqual(defaultTrainerSettings());
    expect(log.lines).toEqual([
      "[WARNING] Behavior name 3DBall does not match any behaviors specified in the trainer configuration file. A default configuration will be used.",
    ]);
  });
});

describe("checkpoint_settings", () => {
  it("resume wins over initialize_from when both are in the YAML", () => {
    const log = createMemoryLogger();
    const o = parseRunOptions("checkpoint_settings:\n  resume: true\n  initialize_from: old\n", undefined, log);
    expect(o.checkpoint_settings.resume).toBe(true);
    expect(o.checkpoint_settings.initialize_from).toBeNull();
    expect(log.lines[0]).toContain("Current run will be resumed ignoring initialization");
  });
});
