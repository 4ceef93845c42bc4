// ML-Agents defaults as data (docs/protocol.md §7.2-§7.6). Factories return fresh objects so callers may mutate.

import type { CheckpointSettings, EngineSettings, EnvSettings, TorchSettings } from "./run-options-types.js";
import type { NetworkSettings, RewardSignalSettings, SacHyperparameters, TrainerSettings } from "./trainer-settings.js";

/** SAC hyperparameters (docs/protocol.md §7.3). reward_signal_steps_per_update follows steps_per_update unless set. */
export function defaultSacHyperparameters(): SacHyperparameters {
  return {
    learning_rate: 3.0e-4,
    learning_rate_schedule: "constant",
    batch_size: 128,
    buffer_size: 50000,
    buffer_init_steps: 0,
    tau: 0.005,
    steps_per_update: 1,
    save_replay_buffer: false,
    init_entcoef: 1.0,
    reward_signal_steps_per_update: 1,
  };
}

export function defaultNetworkSettings(): NetworkSettings {
  return {
    normalize: false,
    hidden_units: 128,
    num_layers: 2,
    vis_encode_type: "simple",
    memory: null,
    goal_conditioning_type: "hyper",
    deterministic: false,
  };
}

export function defaultRewardSignal(): RewardSignalSettings {
  return { gamma: 0.99, strength: 1.0, network_settings: defaultNetworkSettings() };
}

/** A SAC TrainerSettings with every ML-Agents default (ML-Agents' own default trainer_type is ppo). */
export function defaultTrainerSettings(): TrainerSettings {
  return {
    trainer_type: "sac",
    hyperparameters: defaultSacHyperparameters(),
    network_settings: defaultNetworkSettings(),
    reward_signals: { extrinsic: defaultRewardSignal() },
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
  };
}

/** ML-Agents' trainer_type when a behavior entry names none. */
export const mlagentsDefaultTrainerType = "ppo";

export function defaultEnvSettings(): EnvSettings {
  return {
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
    // mlagents-ts additions
    bind: "127.0.0.1",
    max_message_mb: 64,
    exit_on_stop: false,
  };
}

/** mlagents-learn's CLI engine defaults (not the LLAPI EngineConfig.default_config()). */
export function defaultEngineSettings(): EngineSettings {
  return {
    width: 84,
    height: 84,
    quality_level: 5,
    time_scale: 20,
    target_frame_rate: -1,
    capture_frame_rate: 60,
    no_graphics: false,
    no_graphics_monitor: false,
  };
}

/** ML-Agents' default run id is "ppo" (kept so results/<run-id> paths match ML-Agents tutorials). */
export const defaultRunId = "ppo";

export function defaultCheckpointSettings(): CheckpointSettings {
  return {
    run_id: defaultRunId,
    initialize_from: null,
    load_model: false,
    resume: false,
    force: false,
    train_model: false,
    inference: false,
    results_dir: "results",
  };
}

export function defaultTorchSettings(): TorchSettings {
  return { device: null };
}

/** Defaults of the sampler parameters (docs/protocol.md §7.5). */
export const samplerDefaults = {
  uniform: { min_value: 0.0, max_value: 1.0 },
  gaussian: { mean: 1.0, st_dev: 1.0 },
  multirangeuniform: { intervals: [[0.0, 1.0]] as [number, number][] },
  constant: { value: 0.0 },
} as const;

/** Defaults of a lesson's completion_criteria (docs/protocol.md §7.5); behavior has none (required). */
export const completionCriteriaDefaults = {
  measure: "reward",
  signal_smoothing: true,
  min_lesson_length: 0,
  threshold: 0.0,
  require_reset: false,
} as const;
