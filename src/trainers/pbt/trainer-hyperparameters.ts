// Between a behavior's TrainerSettings and a member's PbtHyperparameters: the searched values are
// read from, and written back to, the settings paths of searchableHyperparameters
// (hyperparameters.learning_rate, reward_signals.extrinsic.gamma, ...). Environment parameters are
// not trainer settings: they travel apart, to the member's own environment.

import {
  environmentParameterPrefix,
  mixAndMatchAlphaKey,
  searchableDomain,
  type PbtHyperparameters,
  type PbtSettings,
} from "../../config/pbt-settings-types.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import { mixingWeights } from "../mm/mixture.js";

/**
 * The behavior's values of the searched keys (the reference member's with keep_reference, and the
 * values kept for keys that are not searched). Keys whose setting does not exist (e.g.
 * target_entropy_scale on a trainer without it) and environment parameters missing from
 * `environmentParameters` are left out; the initial sampling fills them.
 */
export function baseHyperparameters(settings: TrainerSettings, pbt: PbtSettings, environmentParameters: Readonly<Record<string, number>> = {}): PbtHyperparameters {
  const out: PbtHyperparameters = {};
  for (const rule of pbt.explore) {
    const value = rule.key.startsWith(environmentParameterPrefix)
      ? environmentParameters[rule.key.slice(environmentParameterPrefix.length)]
      : rule.key === mixAndMatchAlphaKey
        ? settings.mix_and_match?.initial_alpha.at(-1)
        : readPath(settings, settingsPath(rule.key));
    if (typeof value === "number") out[rule.key] = value;
  }
  return out;
}

/** A copy of `settings` with the member's trainer hyperparameters written in (environment parameters skipped). */
export function withHyperparameters(settings: TrainerSettings, hyperparameters: Readonly<PbtHyperparameters>): TrainerSettings {
  const out = structuredClone(settings);
  for (const [key, value] of Object.entries(hyperparameters)) {
    if (key.startsWith(environmentParameterPrefix)) continue;
    if (key === mixAndMatchAlphaKey) {
      // α_K is the last mixing weight; the simpler components keep their proportions of the rest.
      if (out.mix_and_match === undefined) throw new Error(`settings have no mix_and_match section for "${key}"`);
      out.mix_and_match.initial_alpha = mixingWeights(value, out.mix_and_match.initial_alpha);
      continue;
    }
    writePath(out, settingsPath(key), value);
  }
  return out;
}

/** The member's environment parameters by name (what its own environment is sent). */
export function environmentParameterValues(hyperparameters: Readonly<PbtHyperparameters>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(hyperparameters)) {
    if (key.startsWith(environmentParameterPrefix)) out[key.slice(environmentParameterPrefix.length)] = value;
  }
  return out;
}

function settingsPath(key: string): string[] {
  const domain = searchableDomain(key);
  if (domain === undefined) throw new Error(`"${key}" is not a searchable hyperparameter`);
  return domain.settingsPath.split(".");
}

function readPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function writePath(root: object, path: readonly string[], value: number): void {
  let node = root as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) throw new Error(`settings have no "${path.join(".")}" to set`);
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
