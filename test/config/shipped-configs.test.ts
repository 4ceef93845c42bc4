import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTIN_ENVIRONMENTS } from "../../src/emulator/environments/registry.js";
import { forageAction } from "../../src/emulator/environments/forage.js";
import { EnvironmentParameterManager } from "../../src/config/environment-parameter-manager.js";
import { behaviorSettings, loadRunOptions } from "../../src/config/run-options.js";
import { createMemoryLogger } from "../../src/util/logger.js";

describe("shipped configs", () => {
  it("config/3dball.yaml has ML-Agents' sac/3DBall.yaml values", () => {
    const o = loadRunOptions("config/3dball.yaml");
    expect([...o.behaviors.keys()]).toEqual(["3DBall"]);
    const s = behaviorSettings(o, "3DBall?team=0");
    expect(s.trainer_type).toBe("sac");
    expect(s.hyperparameters).toEqual({
      learning_rate: 0.0003,
      learning_rate_schedule: "constant",
      batch_size: 64,
      buffer_size: 200000,
      buffer_init_steps: 0,
      tau: 0.005,
      steps_per_update: 10,
      save_replay_buffer: false,
      init_entcoef: 0.5,
      reward_signal_steps_per_update: 10,
    });
    expect(s.network_settings).toMatchObject({ normalize: true, hidden_units: 64, num_layers: 2, vis_encode_type: "simple", memory: null });
    expect(s.reward_signals.extrinsic).toMatchObject({ gamma: 0.99, strength: 1.0 });
    expect([s.keep_checkpoints, s.max_steps, s.time_horizon, s.summary_freq, s.checkpoint_interval]).toEqual([5, 200000, 1000, 12000, 500000]);
  });

  it("config/3dball-pbt.yaml is config/3dball.yaml's behavior with a population of 4", () => {
    const o = loadRunOptions("config/3dball-pbt.yaml");
    expect(o.behaviors).toEqual(loadRunOptions("config/3dball.yaml").behaviors);
    const pbt = o.pbt!;
    expect([pbt.population_size, pbt.ready, pbt.burn_in, pbt.quantile_fraction, pbt.metric, pbt.keep_reference]).toEqual([4, 4000, 8000, 0.25, "mean_reward", false]);
    expect(pbt.explore.map((r) => r.key)).toEqual(["learning_rate", "init_entcoef", "tau", "batch_size"]);
    expect(pbt.explore[0]).toMatchObject({ kind: "continuous", distribution: "log_uniform", min: 1e-5, max: 1e-2 });
    // A short run (~20-40k agent steps per member) reaches several checks.
    expect(Math.floor((20_000 - pbt.burn_in) / pbt.ready) + 1).toBeGreaterThanOrEqual(3);
  });

  it("config/basic.yaml has ML-Agents' sac/Basic.yaml values", () => {
    const s = behaviorSettings(loadRunOptions("config/basic.yaml"), "Basic");
    expect(s.hyperparameters).toMatchObject({ batch_size: 64, buffer_size: 50000, init_entcoef: 0.01, steps_per_update: 10 });
    expect(s.network_settings).toMatchObject({ normalize: false, hidden_units: 20, num_layers: 2 });
    expect([s.max_steps, s.time_horizon, s.summary_freq]).toEqual([500000, 10, 2000]);
  });

  it("config/gridworld.yaml follows sac/GridWorld.yaml with goal conditioning off", () => {
    const s = behaviorSettings(loadRunOptions("config/gridworld.yaml"), "GridWorld");
    expect(s.hyperparameters).toMatchObject({ batch_size: 128, buffer_init_steps: 1000, init_entcoef: 0.5 });
    expect(s.network_settings).toMatchObject({ hidden_units: 128, num_layers: 1, goal_conditioning_type: "none" });
    expect(s.reward_signals.extrinsic?.gamma).toBe(0.9);
    expect(s.time_horizon).toBe(5);
  });

  it("config/hybrid.yaml is a SAC config for builtin:hybrid's behavior PointClaim", () => {
    const o = loadRunOptions("config/hybrid.yaml");
    expect([...o.behaviors.keys()]).toEqual(["PointClaim"]);
    expect(o.behaviors.get("PointClaim")!.trainer_type).toBe("sac");
  });

  it("config/forage-mm.yaml grows 4 running macro-actions into config/forage.yaml's Forager, with a population searching α", () => {
    const o = loadRunOptions("config/forage-mm.yaml");
    const s = behaviorSettings(o, "Forager");
    const { mix_and_match: mm, ...plain } = s;
    const { mix_and_match: none, ...target } = behaviorSettings(loadRunOptions("config/forage.yaml"), "Forager");
    expect(none).toBeUndefined();
    expect(plain).toEqual(target); // the target arm of the experiment is exactly config/forage.yaml
    // The comments name the moves; the indices must be them in forage.ts's numbering.
    const run = (move: 0 | 1 | 2, strafe: 0 | 1 | 2) => ({ continuous: [], discrete: [forageAction({ move, rotate: 0, strafe, gait: 1 })] });
    expect(mm!.components[0]!.macro_actions).toEqual([run(1, 0), run(2, 0), run(0, 1), run(0, 2)]);
    expect(mm!.initial_alpha).toEqual([1, 0]);
    expect(o.pbt!.explore.map((r) => r.key)).toEqual(["mix_and_match_alpha", "learning_rate"]);
  });

  // A config named after a built-in environment must name that environment's behaviors: otherwise
  // `learn config/X.yaml --env builtin:X` stops at once ("behavior ... has not been specified").
  it.each(readdirSync("config").filter((f) => f.endsWith(".yaml")))("config/%s names behaviors of its built-in environment", (file) => {
    const env = Object.keys(BUILTIN_ENVIRONMENTS).find((name) => file.startsWith(name));
    expect(env, `no built-in environment for ${file}`).toBeDefined();
    const known = BUILTIN_ENVIRONMENTS[env!]!.behaviors.map((b) => b.name);
    for (const name of loadRunOptions(`config/${file}`).behaviors.keys()) expect(known).toContain(name);
  });

  it("config/3dball_randomize.yaml has mass/scale samplers and a gravity curriculum", () => {
    const log = createMemoryLogger();
    const o = loadRunOptions("config/3dball_randomize.yaml", log);
    expect([...o.environment_parameters.keys()]).toEqual(["mass", "scale", "gravity"]);
    expect(o.environment_parameters.get("mass")!.curriculum[0]!.value).toEqual({ sampler_type: "uniform", min_value: 0.5, max_value: 10, seed: null });
    expect(o.environment_parameters.get("scale")!.curriculum[0]!.value).toEqual({ sampler_type: "uniform", min_value: 0.75, max_value: 3, seed: null });
    const gravity = o.environment_parameters.get("gravity")!.curriculum;
    expect(gravity.map((l) => l.name)).toEqual(["LowGravity", "EarthGravity"]);
    expect(gravity[0]!.completion_criteria).toEqual({
      measure: "reward",
      behavior: "3DBall",
      signal_smoothing: true,
      min_lesson_length: 100,
      threshold: 30,
      require_reset: false,
    });
    const manager = new EnvironmentParameterManager(o.environment_parameters);
    expect(manager.describe("mass")).toBe("Parameter 'mass' is in lesson 'mass' and has value 'Uniform sampler: min=0.5, max=10.0'.");
    expect(log.lines).toEqual([]);
  });
});
