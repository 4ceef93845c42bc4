// The hyperparameters a trainer may change while it trains, under ML-Agents' YAML key names.
// One door: Trainer.setHyperparameters(h) validates them and makes the next update use them
// (the run's schedule, --resume with an edited configuration, PBT explore); Trainer.hyperparameters()
// reads them back. Everything else in TrainerSettings is fixed for the trainer's life.

import type { LearningRateSchedule, TrainerSettings } from "../config/trainer-settings.js";

export interface MutableHyperparameters {
  /** Adam learning rate of policy, critics and entropy coefficients (the start value of a linear schedule). */
  learning_rate: number;
  /** constant, or linear decay to 1e-10 at max_steps. */
  learning_rate_schedule: LearningRateSchedule;
  /** Discount of the extrinsic reward signal (reward_signals.extrinsic.gamma). */
  gamma: number;
  /** Polyak coefficient of the target critics. */
  tau: number;
  /** Minibatch size of each update. */
  batch_size: number;
  /** Agent steps per gradient update (average); a change re-derives the update counter from the step count. */
  steps_per_update: number;
  /** No updates before this many trainer steps. */
  buffer_init_steps: number;
  /**
   * Initial entropy coefficient alpha. Only meaningful before the first update: set later it is
   * recorded (and saved) but changes nothing, because alpha is then a learned value.
   */
  init_entcoef: number;
  /**
   * Multiplier of ML-Agents' target entropies (continuous -1.0 * |A|, discrete 0.2 * ln(branch size));
   * 1 = ML-Agents. Not an ML-Agents YAML key (ML-Agents hard-codes the scales): the default is 1,
   * so a resume restores 1 unless it is set again.
   */
  target_entropy_scale: number;
}

export type HyperparameterKey = keyof MutableHyperparameters;

interface Range {
  readonly min: number;
  readonly minOpen?: boolean;
  /** No upper bound when absent (values must still be finite). */
  readonly max?: number;
  readonly maxOpen?: boolean;
  readonly integer?: boolean;
}

/** Accepted values of the numeric hyperparameters (the same bounds as the configuration parser's). */
export const HYPERPARAMETER_RANGES: Readonly<Record<Exclude<HyperparameterKey, "learning_rate_schedule">, Range>> = {
  learning_rate: { min: 0, minOpen: true },
  gamma: { min: 0, max: 1, maxOpen: true },
  tau: { min: 0, minOpen: true, max: 1 },
  batch_size: { min: 1, integer: true },
  steps_per_update: { min: 0, minOpen: true },
  buffer_init_steps: { min: 0, integer: true },
  init_entcoef: { min: 0, minOpen: true },
  target_entropy_scale: { min: 0 },
};

function inRange(v: number, r: Range): boolean {
  return (r.minOpen ? v > r.min : v >= r.min) && (r.max === undefined || (r.maxOpen ? v < r.max : v <= r.max)) && (!r.integer || Number.isInteger(v));
}

function describeRange(r: Range): string {
  const what = r.integer ? "an integer" : "a number";
  if (r.max === undefined) return `${what} ${r.minOpen ? ">" : ">="} ${r.min}`;
  return `${what} in ${r.minOpen ? "(" : "["}${r.min}, ${r.max}${r.maxOpen ? ")" : "]"}`;
}

const SCHEDULES: readonly LearningRateSchedule[] = ["constant", "linear"];

/** Which hyperparameters PBT may search, and why (docs for the `pbt:` section's errors). */
export const PBT_SEARCHABLE: Readonly<Record<HyperparameterKey, { readonly searchable: boolean; readonly why: string }>> = {
  learning_rate: { searchable: true, why: "read at every update" },
  learning_rate_schedule: { searchable: false, why: "a schedule is a plan for the whole run, not a value to perturb" },
  gamma: { searchable: true, why: "read by the next Bellman target" },
  tau: { searchable: true, why: "read by the next Polyak step" },
  batch_size: { searchable: true, why: "read by the next minibatch draw (at most the replay capacity)" },
  steps_per_update: { searchable: true, why: "the update counter is re-derived from the step count" },
  buffer_init_steps: { searchable: false, why: "it only matters before the first update, and a member is ready only after updates" },
  init_entcoef: { searchable: false, why: "alpha is learned after the first update; search target_entropy_scale instead" },
  target_entropy_scale: { searchable: true, why: "read by the next entropy-coefficient step" },
};

/** Settings that cannot change during training, with the reason given when something tries. */
export const FIXED_SETTINGS: Readonly<Record<string, string>> = {
  hidden_units: "network size is fixed: weights and optimizer state cannot be copied between networks of different sizes",
  num_layers: "network size is fixed: weights and optimizer state cannot be copied between networks of different sizes",
  normalize: "the observation normalizer is part of the network's inputs and cannot be switched on or off during training",
  buffer_size: "the replay capacity is fixed for the trainer's life (its memory is preallocated)",
  save_replay_buffer: "a checkpoint setting, not a training hyperparameter",
  reward_signal_steps_per_update: "reward-signal models other than extrinsic are not implemented",
};

export class HyperparameterError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`hyperparameters.${key}: ${detail}`);
    this.name = "HyperparameterError";
  }
}

/** Throws HyperparameterError for an unknown key, a fixed setting or a value out of range. */
export function validateHyperparameters(h: object): asserts h is Partial<MutableHyperparameters> {
  for (const [key, value] of Object.entries(h)) {
    if (value === undefined) continue;
    if (key in FIXED_SETTINGS) throw new HyperparameterError(key, `cannot change during training: ${FIXED_SETTINGS[key]}`);
    if (key === "learning_rate_schedule") {
      if (!SCHEDULES.includes(value as LearningRateSchedule)) throw new HyperparameterError(key, `expected one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(value)}`);
      continue;
    }
    const range = HYPERPARAMETER_RANGES[key as keyof typeof HYPERPARAMETER_RANGES];
    if (!range) throw new HyperparameterError(key, `unknown (expected one of ${Object.keys(PBT_SEARCHABLE).join(", ")})`);
    const ok = typeof value === "number" && Number.isFinite(value) && inRange(value, range);
    if (!ok) throw new HyperparameterError(key, `expected ${describeRange(range)}, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}`);
  }
}

/** Throws HyperparameterError unless PBT may search `key` (the reason is in the message). */
export function checkSearchable(key: string): void {
  if (key in FIXED_SETTINGS) throw new HyperparameterError(key, `cannot be searched: ${FIXED_SETTINGS[key]}`);
  const entry = PBT_SEARCHABLE[key as HyperparameterKey];
  if (!entry) throw new HyperparameterError(key, `unknown (expected one of ${Object.keys(PBT_SEARCHABLE).join(", ")})`);
  if (!entry.searchable) throw new HyperparameterError(key, `cannot be searched: ${entry.why}`);
}

/** The mutable hyperparameters among `h`'s keys (others, such as buffer_size, are left out). */
export function pickMutable(h: object): Partial<MutableHyperparameters> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => k in PBT_SEARCHABLE)) as Partial<MutableHyperparameters>;
}

/** The mutable hyperparameters a configuration gives (target_entropy_scale: its default 1). */
export function hyperparametersFromSettings(settings: TrainerSettings): MutableHyperparameters {
  const h = settings.hyperparameters;
  return {
    learning_rate: h.learning_rate,
    learning_rate_schedule: h.learning_rate_schedule,
    gamma: settings.reward_signals.extrinsic?.gamma ?? 0.99,
    tau: h.tau,
    batch_size: h.batch_size,
    steps_per_update: h.steps_per_update,
    buffer_init_steps: h.buffer_init_steps,
    init_entcoef: h.init_entcoef,
    target_entropy_scale: 1,
  };
}
