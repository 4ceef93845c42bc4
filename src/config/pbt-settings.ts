// Parses the top-level `pbt:` section (docs/pbt.md) into PbtSettings with the same strict checks as
// the rest of the YAML: unknown keys, wrong types and impossible ranges are ConfigErrors naming
// file:line and the key path (pbt.explore.learning_rate.min).

import { closestKey, ConfigError, joinPath, typeError } from "./errors.js";
import {
  environmentParameterPrefix,
  mixAndMatchAlphaKey,
  networkSizeKeys,
  searchedEnvironmentParameters,
  searchableDomain,
  searchableHyperparameters,
  type AlphaExploreRule,
  type ExploreRule,
  type PbtSettings,
  type SearchableHyperparameter,
} from "./pbt-settings-types.js";
import { isNull, plain, type SchemaReader } from "./schema-reader.js";
import type { YEntry, YNode } from "./yaml-source.js";

export * from "./pbt-settings-types.js";

const pbtKeys = [
  "population_size",
  "ready",
  "burn_in",
  "synchronous",
  "quantile_fraction",
  "metric",
  "episodes",
  "evaluation_max_steps",
  "keep_reference",
  "relative_margin",
  "significance",
  "members_per_environment",
  "explore",
] as const;
const continuousKeys = ["min", "max", "distribution", "perturb", "resample_probability", "clip"] as const;
const categoricalKeys = ["values", "resample_probability"] as const;
const alphaKeys = ["step", "min", "max", "resample_probability"] as const;
const environmentParametersKey = environmentParameterPrefix.slice(0, -1);
/** Keys accepted under pbt.explore, for "did you mean". */
const exploreKeys = [...Object.keys(searchableHyperparameters), environmentParametersKey];

export const pbtDefaults = {
  burn_in: 0,
  synchronous: false,
  quantile_fraction: 0.25,
  metric: "mean_reward",
  episodes: { mean_reward: 30, evaluation: 10 },
  /** Far above the MaxStep of ML-Agents' example scenes (at most 5000 Academy steps). */
  evaluation_max_steps: 10000,
  keep_reference: false,
  relative_margin: 0.05,
  significance: 0.05,
  members_per_environment: 1,
  perturb: [0.8, 1.2],
  resample_probability: 0.25,
} as const;

export function parsePbtSettings(node: YNode, path: string, r: SchemaReader): PbtSettings {
  const entries = r.map(node, path, pbtKeys);
  const get = (key: string): [YNode, string] | undefined => {
    const e = entries.get(key);
    return e === undefined || isNull(e.value) ? undefined : [e.value, joinPath(path, key)];
  };
  const need = (key: string): [YNode, string] => {
    const x = get(key);
    if (x === undefined) throw new ConfigError(joinPath(path, key), `${path}: missing required key "${key}"`, r.at(node.line));
    return x;
  };
  const population_size = r.int(...need("population_size"), { min: 2 });
  const ready = r.int(...need("ready"), { min: 1 });
  let x;
  const metric = (x = get("metric")) ? r.oneOf(...x, ["mean_reward", "evaluation"] as const) : pbtDefaults.metric;
  const settings: PbtSettings = {
    population_size,
    ready,
    burn_in: (x = get("burn_in")) ? r.int(...x, { min: 0 }) : pbtDefaults.burn_in,
    synchronous: (x = get("synchronous")) ? r.bool(...x) : pbtDefaults.synchronous,
    quantile_fraction: (x = get("quantile_fraction")) ? r.number(...x, { min: 0, max: 0.5, minExclusive: true }) : pbtDefaults.quantile_fraction,
    metric,
    // The Welch test needs at least two episodes on each side.
    episodes: (x = get("episodes")) ? r.int(...x, { min: 2 }) : pbtDefaults.episodes[metric],
    ...(metric === "evaluation" ? { evaluation_max_steps: (x = get("evaluation_max_steps")) ? r.int(...x, { min: 1 }) : pbtDefaults.evaluation_max_steps } : {}),
    keep_reference: (x = get("keep_reference")) ? r.bool(...x) : pbtDefaults.keep_reference,
    relative_margin: (x = get("relative_margin")) ? r.number(...x, { min: 0 }) : pbtDefaults.relative_margin,
    significance: (x = get("significance")) ? r.number(...x, { min: 0, max: 1, minExclusive: true }) : pbtDefaults.significance,
    members_per_environment: (x = get("members_per_environment")) ? r.int(...x, { min: 1 }) : pbtDefaults.members_per_environment,
    explore: (x = get("explore")) ? parseExplore(...x, r) : [],
  };
  if ((x = get("evaluation_max_steps")) && metric !== "evaluation") {
    throw new ConfigError(x[1], `${x[1]}: applies to metric: evaluation only (the metric is ${metric})`, r.at(x[0].line));
  }
  checkMembersPerEnvironment(settings, get("members_per_environment"), r);
  if (settings.keep_reference && population_size < 3) {
    const [n, p] = need("population_size");
    throw new ConfigError(p, `${p}: keep_reference needs a population of at least 3 (member 0 is never replaced), got ${population_size}`, r.at(n.line));
  }
  return settings;
}

/** members_per_environment must divide the population, and members sharing an environment share its parameters. */
function checkMembersPerEnvironment(s: PbtSettings, key: [YNode, string] | undefined, r: SchemaReader): void {
  if (key === undefined || s.members_per_environment === 1) return;
  const [n, p] = key;
  if (s.population_size % s.members_per_environment !== 0) {
    throw new ConfigError(p, `${p}: ${s.members_per_environment} does not divide population_size ${s.population_size}`, r.at(n.line));
  }
  const params = searchedEnvironmentParameters(s);
  if (params.length > 0) {
    throw new ConfigError(
      p,
      `${p}: ${s.members_per_environment} members share each environment, whose parameters are global, so environment_parameters.${params.join(", environment_parameters.")} cannot be searched; ` +
        "use members_per_environment: 1 or remove them from explore",
      r.at(n.line),
    );
  }
}

function parseExplore(node: YNode, path: string, r: SchemaReader): ExploreRule[] {
  const rules: ExploreRule[] = [];
  const add = (entry: YEntry, key: string, rulePath: string): void => {
    if (rules.some((rule) => rule.key === key)) throw new ConfigError(rulePath, `${rulePath}: searched twice`, r.at(entry.keyLine ?? node.line));
    rules.push(parseRule(entry, key, rulePath, r));
  };
  for (const entry of r.anyMap(node, path).entries) {
    const entryPath = joinPath(path, entry.key);
    const at = r.at(entry.keyLine ?? node.line);
    if ((networkSizeKeys as readonly string[]).includes(entry.key)) {
      throw new ConfigError(
        entryPath,
        `${entryPath}: network size cannot be searched: a member's state (weights, optimizer moments) cannot be copied between networks of different sizes`,
        at,
      );
    }
    if (entry.key === environmentParametersKey) {
      for (const param of r.anyMap(entry.value, entryPath).entries) add(param, environmentParameterPrefix + param.key, joinPath(entryPath, param.key));
      continue;
    }
    if (searchableDomain(entry.key) === undefined) {
      const suggestion = closestKey(entry.key, exploreKeys);
      const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : `searchable: ${Object.keys(searchableHyperparameters).join(", ")}, environment_parameters.<name>`;
      throw new ConfigError(entryPath, `unknown hyperparameter "${entry.key}" at ${path} (${hint})`, at);
    }
    add(entry, entry.key, entryPath);
  }
  return rules;
}

function parseRule(entry: YEntry, key: string, path: string, r: SchemaReader): ExploreRule {
  if (key === mixAndMatchAlphaKey) return parseAlphaRule(entry, path, r);
  const domain = searchableDomain(key)!;
  const node = entry.value;
  const isCategorical = node.kind === "map" && node.entries.some((e) => e.key === "values");
  const entries = r.map(node, path, isCategorical ? categoricalKeys : continuousKeys);
  const get = (k: string): [YNode, string] | undefined => {
    const e = entries.get(k);
    return e === undefined || isNull(e.value) ? undefined : [e.value, joinPath(path, k)];
  };
  const probability = get("resample_probability");
  const resample_probability = probability ? r.number(...probability, { min: 0, max: 1 }) : pbtDefaults.resample_probability;
  if (isCategorical) {
    const [valuesNode, valuesPath] = get("values") ?? [node, joinPath(path, "values")];
    if (valuesNode.kind !== "seq" || valuesNode.items.length === 0) throw typeError(valuesPath, "a non-empty list of numbers", plain(valuesNode), r.at(valuesNode.line));
    const values = valuesNode.items.map((item, i) => domainValue(item, joinPath(valuesPath, i), domain, r));
    if (new Set(values).size !== values.length) throw new ConfigError(valuesPath, `${valuesPath}: values are listed twice`, r.at(valuesNode.line));
    return { kind: "categorical", key, values, resample_probability };
  }
  for (const k of ["min", "max"]) r.required(entries, k, path, node.line ?? entry.keyLine);
  const [minNode, minPath] = get("min") ?? [node, joinPath(path, "min")];
  const [maxNode, maxPath] = get("max") ?? [node, joinPath(path, "max")];
  const min = domainValue(minNode, minPath, domain, r);
  const max = domainValue(maxNode, maxPath, domain, r);
  if (min > max) throw new ConfigError(minPath, `${minPath}: min (${min}) is greater than max (${max})`, r.at(minNode.line));
  let x;
  const distribution = (x = get("distribution")) ? r.oneOf(...x, ["uniform", "log_uniform"] as const) : "uniform";
  if (distribution === "log_uniform" && min <= 0) {
    throw new ConfigError(minPath, `${minPath}: a log_uniform range needs min > 0 (the logarithm of ${min} is undefined), got ${min}`, r.at(minNode.line));
  }
  const perturb = (x = get("perturb")) ? factorList(...x, r) : [...pbtDefaults.perturb];
  let clip: [number, number] = [min, max];
  if ((x = get("clip"))) {
    const [clipNode, clipPath] = x;
    if (clipNode.kind !== "seq" || clipNode.items.length !== 2) throw typeError(clipPath, "a [low, high] pair", plain(clipNode), r.at(clipNode.line));
    clip = [domainValue(clipNode.items[0]!, joinPath(clipPath, 0), domain, r), domainValue(clipNode.items[1]!, joinPath(clipPath, 1), domain, r)];
    if (clip[0] > min || clip[1] < max) {
      throw new ConfigError(clipPath, `${clipPath}: the clip range [${clip[0]}, ${clip[1]}] must contain [min, max] = [${min}, ${max}]`, r.at(clipNode.line));
    }
  }
  if (domain.integer && Math.ceil(clip[0]) > Math.floor(clip[1])) {
    throw new ConfigError(path, `${path}: no integer lies in [${clip[0]}, ${clip[1]}]`, r.at(node.line));
  }
  return { kind: "continuous", key, integer: domain.integer, min, max, distribution, perturb, resample_probability, clip };
}

/**
 * `mix_and_match_alpha: {step, min, max, resample_probability}` (every key optional; an empty entry
 * steps by the behavior's alpha_step from its initial α_K). min and max come together.
 */
function parseAlphaRule(entry: YEntry, path: string, r: SchemaReader): AlphaExploreRule {
  const location = r.at(entry.keyLine ?? entry.value.line);
  const node: YNode = isNull(entry.value) ? { kind: "map", entries: [], line: entry.keyLine } : entry.value;
  const entries = r.map(node, path, alphaKeys);
  const get = (k: string): [YNode, string] | undefined => {
    const e = entries.get(k);
    return e === undefined || isNull(e.value) ? undefined : [e.value, joinPath(path, k)];
  };
  let x;
  const step = (x = get("step")) ? r.number(...x, { min: 0, max: 1, minExclusive: true }) : null;
  const min = (x = get("min")) ? r.number(...x, { min: 0, max: 1 }) : undefined;
  const max = (x = get("max")) ? r.number(...x, { min: 0, max: 1 }) : undefined;
  if ((min === undefined) !== (max === undefined)) {
    const missing = min === undefined ? "min" : "max";
    throw new ConfigError(joinPath(path, missing), `${path}: give both min and max (the range fresh members' α is sampled from), or neither`, location);
  }
  if (min !== undefined && max !== undefined && min > max) {
    const [minNode, minPath] = get("min")!;
    throw new ConfigError(minPath, `${minPath}: min (${min}) is greater than max (${max})`, r.at(minNode.line));
  }
  const range: [number, number] | null = min !== undefined && max !== undefined ? [min, max] : null;
  const probability = get("resample_probability");
  const resample_probability = probability ? r.number(...probability, { min: 0, max: 1 }) : 0;
  if (resample_probability > 0 && range === null) {
    throw new ConfigError(probability![1], `${probability![1]}: resampling needs a range to sample from (min and max)`, r.at(probability![0].line));
  }
  return { kind: "alpha_step", key: mixAndMatchAlphaKey, step, range, resample_probability, location };
}

/**
 * A behavior's explore rules with the α step filled in from its mix_and_match.alpha_step; a
 * ConfigError (at the rule's file:line) when α is searched for a behavior without mix_and_match.
 */
export function exploreRulesForBehavior(rules: readonly ExploreRule[], behavior: string, alphaStep: number | undefined): ExploreRule[] {
  return rules.map((rule) => {
    if (rule.kind !== "alpha_step") return rule;
    if (alphaStep === undefined) {
      throw new ConfigError(
        joinPath("pbt.explore", rule.key),
        `pbt.explore.${rule.key}: behavior ${behavior} has no mix_and_match section, so it has no α to search (add one under behaviors.${behavior}, or remove this key)`,
        rule.location,
      );
    }
    return { ...rule, step: rule.step ?? alphaStep };
  });
}

/** A number inside the hyperparameter's natural domain (and an integer where it must be). */
function domainValue(node: YNode, path: string, domain: SearchableHyperparameter, r: SchemaReader): number {
  const v = r.number(node, path);
  const below = domain.lowerExclusive ? v <= domain.lower : v < domain.lower;
  const above = domain.upperExclusive ? v >= domain.upper : v > domain.upper;
  if (below || above || (domain.integer && !Number.isInteger(v))) {
    throw typeError(path, describeDomain(domain), v, r.at(node.line));
  }
  return v;
}

function describeDomain(d: SearchableHyperparameter): string {
  const kind = d.integer ? "an integer" : "a number";
  const lower = d.lower === -Infinity ? "" : `${d.lowerExclusive ? ">" : ">="} ${d.lower}`;
  const upper = d.upper === Infinity ? "" : `${d.upperExclusive ? "<" : "<="} ${d.upper}`;
  return [kind, lower, upper].filter((s) => s !== "").join(" ").replace(/ (>|>=) (\S+) (<|<=)/, " $1 $2 and $3");
}

function factorList(node: YNode, path: string, r: SchemaReader): number[] {
  if (node.kind !== "seq" || node.items.length === 0) throw typeError(path, "a non-empty list of positive factors", plain(node), r.at(node.line));
  return node.items.map((item, i) => r.number(item, joinPath(path, i), { min: 0, minExclusive: true }));
}

/** PbtSettings in the YAML shape parsePbtSettings reads (for configuration.yaml of a run). */
export function pbtSettingsToPlain(s: PbtSettings): Record<string, unknown> {
  const explore: Record<string, unknown> = {};
  for (const rule of s.explore) {
    if (rule.kind === "alpha_step") {
      const { step, range, resample_probability } = rule;
      explore[rule.key] = { ...(step === null ? {} : { step }), ...(range === null ? {} : { min: range[0], max: range[1] }), resample_probability };
      continue;
    }
    explore[rule.key] =
      rule.kind === "categorical"
        ? { values: [...rule.values], resample_probability: rule.resample_probability }
        : {
            min: rule.min,
            max: rule.max,
            distribution: rule.distribution,
            perturb: [...rule.perturb],
            resample_probability: rule.resample_probability,
            clip: [...rule.clip],
          };
  }
  const { explore: _rules, ...scalars } = s;
  return { ...scalars, explore };
}
