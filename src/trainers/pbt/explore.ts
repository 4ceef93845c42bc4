// PBT's explore step and the initial population (Jaderberg et al. 2017 §3: "perturb" and
// "resample"). Pure functions of (hyperparameters, rules, random source): the same seed gives the
// same population, and the coordinator can save and replay its random state.

import type { AlphaExploreRule, CategoricalExploreRule, ContinuousExploreRule, ExploreRule, PbtHyperparameters } from "../../config/pbt-settings-types.js";
import { exploreAlpha } from "../mm/mixture.js";

/** A uniform source in [0, 1) (e.g. `new Rng(seed).uniform`). */
export type Uniform = () => number;

/**
 * New hyperparameters from `hyperparameters`: each searched key is resampled from its range with
 * probability resample_probability, otherwise perturbed (continuous: × a random factor, clipped and
 * rounded for integers; categorical: moved to a neighbour in the list; α_K: ± its step, clipped to
 * [0, 1]). Other keys are kept.
 */
export function explore(hyperparameters: Readonly<PbtHyperparameters>, rules: readonly ExploreRule[], random: Uniform): PbtHyperparameters {
  const out: PbtHyperparameters = { ...hyperparameters };
  for (const rule of rules) {
    const current = hyperparameters[rule.key];
    if (current === undefined) throw new Error(`explore: the member has no value for searched hyperparameter "${rule.key}"`);
    const resample = random() < rule.resample_probability;
    out[rule.key] = exploreOne(current, rule, resample, random);
  }
  return out;
}

function exploreOne(current: number, rule: ExploreRule, resample: boolean, random: Uniform): number {
  switch (rule.kind) {
    case "categorical":
      return exploreCategorical(current, rule, resample, random);
    case "continuous":
      return exploreContinuous(current, rule, resample, random);
    case "alpha_step":
      return exploreAlphaRule(current, rule, resample, random);
  }
}

/**
 * Values for a fresh member: every searched key sampled from its range or list, other keys from
 * `base`; α_K without a range keeps the behavior's initial value (from `base`).
 */
export function sampleInitial(base: Readonly<PbtHyperparameters>, rules: readonly ExploreRule[], random: Uniform): PbtHyperparameters {
  const out: PbtHyperparameters = { ...base };
  for (const rule of rules) {
    if (rule.kind === "categorical") out[rule.key] = pick(rule.values, random);
    else if (rule.kind === "continuous") out[rule.key] = sampleRange(rule, random);
    else if (rule.range !== null) out[rule.key] = sampleAlpha(rule.range, random);
    else if (base[rule.key] === undefined) throw new Error(`sampleInitial: no initial value for "${rule.key}" and no range to sample it from`);
  }
  return out;
}

/** α_K resampled from the rule's range, or moved ± step (exploreAlpha), clipped to [0, 1]. */
function exploreAlphaRule(current: number, rule: AlphaExploreRule, resample: boolean, random: Uniform): number {
  if (resample && rule.range !== null) return sampleAlpha(rule.range, random);
  if (rule.step === null) throw new Error(`explore: "${rule.key}" has no step (the run fills it from the behavior's mix_and_match.alpha_step)`);
  return exploreAlpha(current, rule.step, random);
}

function sampleAlpha([low, high]: readonly [number, number], random: Uniform): number {
  return Math.min(high, low + random() * (high - low));
}

function exploreContinuous(current: number, rule: ContinuousExploreRule, resample: boolean, random: Uniform): number {
  if (resample) return sampleRange(rule, random);
  const factor = pick(rule.perturb, random);
  let next = current * factor;
  if (rule.integer) {
    next = Math.round(next);
    // A small integer times 1.2 rounds back to itself; step by one so the perturbation is not a no-op.
    if (next === current && factor !== 1) next = current + (factor > 1 ? 1 : -1);
  }
  return clipToRule(next, rule);
}

/** The value clipped into the rule's clip range (integer bounds for integer keys). */
export function clipToRule(value: number, rule: ContinuousExploreRule): number {
  const [low, high] = rule.integer ? [Math.ceil(rule.clip[0]), Math.floor(rule.clip[1])] : rule.clip;
  return Math.min(high, Math.max(low, rule.integer ? Math.round(value) : value));
}

function sampleRange(rule: ContinuousExploreRule, random: Uniform): number {
  const u = random();
  const value = rule.distribution === "log_uniform" ? Math.exp(Math.log(rule.min) + u * (Math.log(rule.max) - Math.log(rule.min))) : rule.min + u * (rule.max - rule.min);
  // exp(log(x)) can land a hair outside [min, max]; clipping keeps the stated range exact.
  return clipToRule(Math.min(rule.max, Math.max(rule.min, value)), rule);
}

function exploreCategorical(current: number, rule: CategoricalExploreRule, resample: boolean, random: Uniform): number {
  const { values } = rule;
  if (resample) return pick(values, random);
  const index = nearestIndex(values, current);
  if (values.length === 1) return values[0]!;
  let next = index + (random() < 0.5 ? -1 : 1);
  // At an end of the list the only neighbour is inward: move there rather than stand still.
  if (next < 0 || next >= values.length) next = 2 * index - next;
  return values[next]!;
}

/** Index of the listed value nearest to `value` (a base value outside the list starts from its nearest). */
function nearestIndex(values: readonly number[], value: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]! - value) < Math.abs(values[best]! - value)) best = i;
  return best;
}

function pick<T>(items: readonly T[], random: Uniform): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}
