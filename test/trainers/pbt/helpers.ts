import type { PbtSettings } from "../../../src/config/pbt-settings-types.js";

/** Settings for coordinator tests: 4 members, ready every 100 steps, learning rate and batch size searched. */
export function testSettings(over: Partial<PbtSettings> = {}): PbtSettings {
  return {
    population_size: 4,
    ready: 100,
    burn_in: 0,
    synchronous: false,
    quantile_fraction: 0.25,
    metric: "mean_reward",
    episodes: 5,
    keep_reference: false,
    relative_margin: 0.05,
    significance: 0.05,
    members_per_environment: 1,
    explore: [
      { kind: "continuous", key: "learning_rate", integer: false, min: 1e-4, max: 1e-2, distribution: "log_uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [1e-5, 1e-1] },
      { kind: "categorical", key: "batch_size", values: [32, 64, 128], resample_probability: 0.25 },
    ],
    ...over,
  };
}

export const base = { learning_rate: 3e-4, batch_size: 64, tau: 0.005 };

/** Five episode returns with mean exactly `level` (offsets are binary fractions) and a small spread. */
export function episodes(level: number): number[] {
  return [-0.5, -0.25, 0, 0.25, 0.5].map((offset) => level + offset);
}
