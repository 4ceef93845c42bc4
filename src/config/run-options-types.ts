// The shape of a parsed run configuration (ML-Agents' RunOptions). YAML key names are kept exactly
// as ML-Agents spells them; the few mlagents-ts additions are listed in MlagentsTsEnvSettings.

import type { EnvironmentParameterConfig } from "./environment-parameter-types.js";
import type { PbtSettings } from "./pbt-settings-types.js";
import type { TrainerSettings } from "./trainer-settings.js";

/** ML-Agents env_settings (docs/protocol.md §7.6). */
export interface MlagentsEnvSettings {
  /** Player executable to launch; null = wait for the Unity Editor. CLI --env. */
  env_path: string | null;
  /** Extra arguments for the executable. CLI --env-args. */
  env_args: string[] | null;
  /** First port (worker i listens on base_port + i). CLI --base-port. */
  base_port: number;
  /** Parallel executables; must be 1 without env_path. CLI --num-envs. */
  num_envs: number;
  /** Training areas per environment, sent in the handshake. CLI --num-areas. */
  num_areas: number;
  /** Seconds to wait for Unity to connect. CLI --timeout-wait. */
  timeout_wait: number;
  /** Run seed; -1 = random in [0, 10000). CLI --seed. */
  seed: number;
  /** Restarts of a crashed executable over the run; -1 = unlimited. */
  max_lifetime_restarts: number;
  /** At most this many restarts per period; -1 = no rate limit. */
  restarts_rate_limit_n: number;
  restarts_rate_limit_period_s: number;
}

/**
 * mlagents-ts additions to env_settings. ML-Agents would reject these keys; they exist because our
 * trainer is the gRPC server and its limits are ours to choose.
 */
export interface MlagentsTsEnvSettings {
  /** Host the trainer's gRPC server binds. Default loopback "127.0.0.1". CLI --bind. */
  bind: string;
  /** Largest gRPC message accepted, in MiB. Default 64. CLI --max-message-mb. */
  max_message_mb: number;
  /** Stop training when Unity leaves play mode instead of waiting for a new connection. Default false. CLI --exit-on-stop. */
  exit_on_stop: boolean;
}

export type EnvSettings = MlagentsEnvSettings & MlagentsTsEnvSettings;

/** ML-Agents engine_settings, sent through the EngineConfigurationChannel (docs/protocol.md §5.4). */
export interface EngineSettings {
  width: number;
  height: number;
  quality_level: number;
  time_scale: number;
  target_frame_rate: number;
  capture_frame_rate: number;
  no_graphics: boolean;
  /** Release 22+: graphics only for worker 0. */
  no_graphics_monitor: boolean;
}

/** ML-Agents checkpoint_settings. */
export interface CheckpointSettings {
  run_id: string;
  initialize_from: string | null;
  /** Deprecated alias of resume (CLI --load); kept so ML-Agents configuration files parse. */
  load_model: boolean;
  resume: boolean;
  force: boolean;
  /** Deprecated, no effect (CLI --train). */
  train_model: boolean;
  inference: boolean;
  results_dir: string;
}

export interface TorchSettings {
  /** null = choose automatically. */
  device: string | null;
}

export interface RunOptions {
  /** Listed behaviors, each fully defaulted with default_settings merged under it. Keys are plain behavior names. */
  behaviors: Map<string, TrainerSettings>;
  /** Base settings for behaviors not listed; null when the YAML has no default_settings. */
  default_settings: TrainerSettings | null;
  environment_parameters: Map<string, EnvironmentParameterConfig>;
  env_settings: EnvSettings;
  engine_settings: EngineSettings;
  checkpoint_settings: CheckpointSettings;
  torch_settings: TorchSettings;
  debug: boolean;
  /** mlagents-ts addition: population-based training (docs/pbt.md); null = a single trainer per behavior. */
  pbt: PbtSettings | null;
  /**
   * Not a YAML key: true when the options came from a configuration file. Without one, unlisted
   * behaviors get defaults with a warning instead of an error (ML-Agents' rule).
   */
  configSpecified: boolean;
}
