// Shared builders for the SacTrainer tests: trainer settings and a small deterministic environment.
import type { DecisionSteps, TerminalSteps } from "../../../src/env/steps.js";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";

/** Trainer settings with a tiny network; `h` and `rest` override. */
export function settings(h: Partial<TrainerSettings["hyperparameters"]> = {}, rest: Partial<TrainerSettings> = {}): TrainerSettings {
  return {
    trainer_type: "sac",
    hyperparameters: {
      learning_rate: 3e-4,
      learning_rate_schedule: "constant",
      batch_size: 16,
      buffer_size: 5000,
      buffer_init_steps: 0,
      tau: 0.005,
      steps_per_update: 1,
      save_replay_buffer: false,
      init_entcoef: 1,
      reward_signal_steps_per_update: 1,
      ...h,
    },
    network_settings: { normalize: false, hidden_units: 8, num_layers: 1, vis_encode_type: "simple", memory: null, goal_conditioning_type: "hyper", deterministic: false },
    reward_signals: { extrinsic: { gamma: 0.99, strength: 1 } },
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
    ...rest,
  };
}

/** A deterministic little environment (3 observations, one 3-way branch mask): N agents, episodes of `len` steps, reward 1 at the end. */
export class Env {
  t = 0;
  constructor(readonly n: number, readonly len: number) {}
  next(): { decision: DecisionSteps; terminal: TerminalSteps } {
    const t = this.t++;
    const ids = Array.from({ length: this.n }, (_, i) => i);
    const ending = t > 0 && t % this.len === 0 ? ids : [];
    const obs = (id: number) => [Math.sin(t + id), Math.cos(t * 0.5 + id), (t % this.len) / this.len];
    const decision: DecisionSteps = {
      length: ids.length,
      obs: [Float32Array.from(ids.flatMap(obs))],
      reward: Float32Array.from(ids.map((id) => 0.1 * id)),
      agentId: Int32Array.from(ids),
      actionMask: [new Uint8Array(ids.length * 3)],
      groupId: new Int32Array(ids.length),
      groupReward: new Float32Array(ids.length),
    };
    const terminal: TerminalSteps = {
      length: ending.length,
      obs: [Float32Array.from(ending.flatMap(obs))],
      reward: Float32Array.from(ending.map(() => 1)),
      interrupted: Uint8Array.from(ending.map((id) => id % 2)),
      agentId: Int32Array.from(ending),
      groupId: new Int32Array(ending.length),
      groupReward: new Float32Array(ending.length),
    };
    return { decision, terminal };
  }
}
