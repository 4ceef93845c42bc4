// Typed ML-Agents trainer settings. Keys use ML-Agents' YAML names (snake_case) so a config
// file, this type and ML-Agents' documentation read the same. Defaults live in defaults.ts.

import type { MixAndMatchSettings } from "./mix-and-match-types.js";

export type LearningRateSchedule = "constant" | "linear";
export type VisEncodeType = "simple" | "nature_cnn" | "resnet" | "match3" | "fully_connected";

/** SAC hyperparameters (ML-Agents trainer_type: sac). */
export interface SacHyperparameters {
  /** Adam learning rate for policy, critics and entropy coefficients. Default 3e-4. */
  learning_rate: number;
  /** constant, or linear decay to 1e-10 at max_steps. Default constant. */
  learning_rate_schedule: LearningRateSchedule;
  /** Minibatch size. Default 128. */
  batch_size: number;
  /** Replay capacity in experiences. Default 50000. */
  buffer_size: number;
  /** No updates before this many trainer steps. Default 0. */
  buffer_init_steps: number;
  /** Polyak coefficient of the target networks. Default 0.005. */
  tau: number;
  /** Average agent steps per gradient update. Default 1. */
  steps_per_update: number;
  /** Save the replay buffer with checkpoints. Default false. */
  save_replay_buffer: boolean;
  /** Initial entropy coefficient alpha. Default 1.0. */
  init_entcoef: number;
  /** Steps per reward-signal model update (GAIL etc.). Default = steps_per_update. */
  reward_signal_steps_per_update: number;
}

export interface MemorySettings {
  sequence_length: number;
  memory_size: number;
}

export interface NetworkSettings {
  /** Running mean/variance normalization of vector observations. Default false. */
  normalize: boolean;
  /** Units per hidden layer. Default 128. */
  hidden_units: number;
  /** Hidden layers after the observation encoders. Default 2. */
  num_layers: number;
  /** Visual encoder. Default simple. */
  vis_encode_type: VisEncodeType;
  /** Recurrent memory (not supported by mlagents-ts SAC yet). Default null. */
  memory: MemorySettings | null;
  /** Goal conditioning. Default hyper. */
  goal_conditioning_type: "hyper" | "none";
  /** Act deterministically (mean / argmax). Default false. */
  deterministic: boolean;
}

export interface RewardSignalSettings {
  /** Discount factor of this reward stream. Default 0.99. */
  gamma: number;
  /** Multiplier of this reward stream. Default 1.0. */
  strength: number;
  network_settings?: NetworkSettings;
  [key: string]: unknown;
}

export interface TrainerSettings {
  trainer_type: "sac";
  hyperparameters: SacHyperparameters;
  network_settings: NetworkSettings;
  /** Reward streams; mlagents-ts implements extrinsic. */
  reward_signals: { extrinsic?: RewardSignalSettings; [name: string]: RewardSignalSettings | undefined };
  init_path: string | null;
  keep_checkpoints: number;
  even_checkpoints: boolean;
  checkpoint_interval: number;
  max_steps: number;
  time_horizon: number;
  summary_freq: number;
  threaded: boolean;
  self_play: Record<string, unknown> | null;
  behavioral_cloning: Record<string, unknown> | null;
  /** mlagents-ts addition: train this behavior as a Mix & Match agent (docs/mix-and-match.md). Absent: plain SAC. */
  mix_and_match?: MixAndMatchSettings;
}
