// The `pbt:` section of the YAML (population-based training, Jaderberg et al. 2017) as typed data,
// and the table of searchable hyperparameters. Keys use ML-Agents' hyperparameter names; the
// explanation of each setting and of the selection rule is docs/pbt.md.

import type { ConfigLocation } from "./errors.js";

/** Hyperparameter values of one member, keyed like PbtSettings.explore (e.g. "learning_rate", "environment_parameters.gravity"). */
export type PbtHyperparameters = Record<string, number>;

export type PbtDistribution = "uniform" | "log_uniform";

/** A numeric hyperparameter searched over a range: sampled, perturbed by factors, clipped. */
export interface ContinuousExploreRule {
  kind: "continuous";
  /** Hyperparameter key ("learning_rate", "environment_parameters.gravity"). */
  key: string;
  /** Round to an integer after every change (batch_size, steps_per_update). */
  integer: boolean;
  /** Range for the initial population and for resampling. */
  min: number;
  max: number;
  distribution: PbtDistribution;
  /** Multipliers, one picked at random on each perturbation. Default [0.8, 1.2]. */
  perturb: number[];
  /** Chance of resampling from [min, max] instead of perturbing. Default 0.25. */
  resample_probability: number;
  /** Every value is clipped into [clip[0], clip[1]]. Default [min, max]. */
  clip: [number, number];
}

/** A hyperparameter that takes one of listed values; perturbation moves to a neighbour in the list. */
export interface CategoricalExploreRule {
  kind: "categorical";
  key: string;
  values: number[];
  /** Chance of picking any listed value instead of a neighbour. Default 0.25. */
  resample_probability: number;
}

/**
 * α_K of a Mix & Match behavior (mix_and_match_alpha, docs/mix-and-match.md §1): explored by ± a
 * fixed step with equal chance, clipped to [0, 1], as Czarnecki et al. 2018 tune α with PBT.
 */
export interface AlphaExploreRule {
  kind: "alpha_step";
  key: typeof mixAndMatchAlphaKey;
  /** The ± step; null: the behavior's mix_and_match.alpha_step (filled in per behavior by the run). */
  step: number | null;
  /** Range a fresh member's α_K is sampled from (uniform); null: every member starts at the behavior's initial α_K. */
  range: [number, number] | null;
  /** Chance of resampling from `range` instead of stepping (only with a range). Default 0. */
  resample_probability: number;
  /** Where the rule was written (file:line), for the check against the behaviors when a trainer is created. */
  location: ConfigLocation;
}

export type ExploreRule = ContinuousExploreRule | CategoricalExploreRule | AlphaExploreRule;

/** The explore key of α_K, the target's mixing weight of a Mix & Match behavior. */
export const mixAndMatchAlphaKey = "mix_and_match_alpha";

/** What ranks members: their recent training episodes, or separate deterministic evaluation episodes. */
export type PbtMetric = "mean_reward" | "evaluation";

export interface PbtSettings {
  /** Members trained side by side. At least 2. */
  population_size: number;
  /** A member is checked every `ready` of its own agent steps. */
  ready: number;
  /** No check before a member has this many agent steps (the first check is at max(ready, burn_in)). Default 0. */
  burn_in: number;
  /**
   * false (default): a member is checked as soon as it is ready, against the others' latest scores.
   * true: members that are ready wait until every live member is, then one selection covers them all.
   */
  synchronous: boolean;
  /** Bottom and top fraction used by truncation selection, in (0, 0.5]. Default 0.25. */
  quantile_fraction: number;
  /** mean_reward (last `episodes` finished training episodes) or evaluation (`episodes` deterministic episodes). */
  metric: PbtMetric;
  /** Episodes in the score. Default 30 for mean_reward, 10 for evaluation. */
  episodes: number;
  /**
   * metric evaluation: an evaluation episode is cut after this many decisions (its return so far
   * counts; the agent trains on), so a policy that never ends an episode cannot stall its member.
   * Set (default 10000) with metric evaluation only.
   */
  evaluation_max_steps?: number;
  /** Member 0 is never replaced or mutated (a reference run, as Sample Factory's policy 0). Default false. */
  keep_reference: boolean;
  /** The source's mean must exceed the member's by this fraction of |member mean|. Default 0.05. */
  relative_margin: number;
  /** One-sided Welch t-test level the gap must pass (p < significance); 1 turns the test off. Default 0.05. */
  significance: number;
  /**
   * Members that share one environment (--env: built-in emulator or launched player), which runs
   * --num-areas x this many areas and whose agents are split between them by agent id. Default 1
   * (each member owns its environments). It divides population_size; with more than 1, environment
   * parameters cannot be searched (an environment has one set).
   */
  members_per_environment: number;
  /** Search rules in the order written. */
  explore: ExploreRule[];
}

/** How a searchable key may vary: its natural domain, and whether it is an integer. */
export interface SearchableHyperparameter {
  integer: boolean;
  /** Lowest allowed value, and whether it is excluded. */
  lower: number;
  lowerExclusive: boolean;
  upper: number;
  upperExclusive: boolean;
  /** Where the value lives in a behavior's settings (for messages and the integration). */
  settingsPath: string;
}

const positive = { lower: 0, lowerExclusive: true, upper: Infinity, upperExclusive: true } as const;

/**
 * The SAC hyperparameters PBT may search, keyed by ML-Agents YAML names. target_entropy_scale is
 * the SAC trainer's entropy-target multiplier (src/trainers/hyperparameters.ts on the SAC branch).
 */
export const searchableHyperparameters: Readonly<Record<string, SearchableHyperparameter>> = {
  learning_rate: { integer: false, ...positive, settingsPath: "hyperparameters.learning_rate" },
  gamma: { integer: false, lower: 0, lowerExclusive: true, upper: 1, upperExclusive: true, settingsPath: "reward_signals.extrinsic.gamma" },
  tau: { integer: false, lower: 0, lowerExclusive: true, upper: 1, upperExclusive: false, settingsPath: "hyperparameters.tau" },
  batch_size: { integer: true, lower: 1, lowerExclusive: false, upper: Infinity, upperExclusive: true, settingsPath: "hyperparameters.batch_size" },
  steps_per_update: { integer: true, lower: 1, lowerExclusive: false, upper: Infinity, upperExclusive: true, settingsPath: "hyperparameters.steps_per_update" },
  init_entcoef: { integer: false, ...positive, settingsPath: "hyperparameters.init_entcoef" },
  target_entropy_scale: { integer: false, ...positive, settingsPath: "hyperparameters.target_entropy_scale" },
  // The last entry of initial_alpha; only for behaviors with a mix_and_match section.
  mix_and_match_alpha: { integer: false, lower: 0, lowerExclusive: false, upper: 1, upperExclusive: false, settingsPath: "mix_and_match.initial_alpha" },
};

/** Prefix of explore keys that search an environment parameter (only for members that own their environment). */
export const environmentParameterPrefix = "environment_parameters.";

/** Domain of an environment parameter: any finite number. */
export const environmentParameterDomain: SearchableHyperparameter = {
  integer: false,
  lower: -Infinity,
  lowerExclusive: true,
  upper: Infinity,
  upperExclusive: true,
  settingsPath: "environment_parameters",
};

/** Keys that name network size: refused, because a member's state cannot be copied between sizes. */
export const networkSizeKeys = ["hidden_units", "num_layers"] as const;

/** The domain of an explore key, or undefined when the key is not searchable. */
export function searchableDomain(key: string): SearchableHyperparameter | undefined {
  if (key.startsWith(environmentParameterPrefix) && key.length > environmentParameterPrefix.length) return environmentParameterDomain;
  return Object.hasOwn(searchableHyperparameters, key) ? searchableHyperparameters[key] : undefined;
}

/**
 * Names of the environment parameters the settings search. Non-empty means every member must own its
 * environment (built-in or launched players); the integration refuses it for a shared Editor session,
 * where environment parameters are global to the scene.
 */
export function searchedEnvironmentParameters(settings: PbtSettings): string[] {
  return settings.explore.filter((rule) => rule.key.startsWith(environmentParameterPrefix)).map((rule) => rule.key.slice(environmentParameterPrefix.length));
}

/** True when the settings search environment parameters (see searchedEnvironmentParameters). */
export function pbtNeedsOwnEnvironments(settings: PbtSettings): boolean {
  return searchedEnvironmentParameters(settings).length > 0;
}
