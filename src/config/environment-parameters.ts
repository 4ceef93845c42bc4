// Parses environment_parameters (docs/protocol.md §7.5): constants, samplers and curricula into the typed data of
// environment-parameter-types.ts, and renders sampler descriptions as ML-Agents prints them.

import type { Logger } from "../util/logger.js";
import { completionCriteriaDefaults, samplerDefaults } from "./defaults.js";
import { ConfigError, joinPath, typeError } from "./errors.js";
import { pyFloat, pyFloatPairs } from "./py-format.js";
import { entryLookup, isNull, plain, type SchemaReader } from "./schema-reader.js";
import type { YEntry, YNode } from "./yaml-source.js";
import type { CompletionCriteria, EnvironmentParameterConfig, Lesson, SamplerSettings, SamplerType } from "./environment-parameter-types.js";

export type { CompletionCriteria, EnvironmentParameterConfig, Lesson, SamplerSettings, SamplerType } from "./environment-parameter-types.js";

const samplerParameterKeys: Record<SamplerType, readonly string[]> = {
  uniform: ["min_value", "max_value", "seed"],
  gaussian: ["mean", "st_dev", "seed"],
  multirangeuniform: ["intervals", "seed"],
  constant: ["value", "seed"],
};
const samplerTypes = Object.keys(samplerParameterKeys) as SamplerType[];
const lessonKeys = ["name", "value", "completion_criteria"] as const;
const criteriaKeys = ["measure", "behavior", "signal_smoothing", "min_lesson_length", "threshold", "require_reset"] as const;
const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

export function parseEnvironmentParameters(
  node: YNode,
  path: string,
  r: SchemaReader,
  logger?: Logger,
): Map<string, EnvironmentParameterConfig> {
  const out = new Map<string, EnvironmentParameterConfig>();
  if (isNull(node)) return out;
  for (const entry of r.anyMap(node, path).entries) {
    out.set(entry.key, parseParameter(entry, joinPath(path, entry.key), r, logger));
  }
  return out;
}

function parseParameter(entry: YEntry, path: string, r: SchemaReader, logger?: Logger): EnvironmentParameterConfig {
  const node = entry.value;
  if (node.kind === "map" && node.entries.some((e) => e.key === "curriculum")) {
    const entries = r.map(node, path, ["curriculum"]);
    return { curriculum: parseCurriculum(entries.get("curriculum")!.value, joinPath(path, "curriculum"), entry.key, r, logger) };
  }
  return { curriculum: [{ name: entry.key, value: parseSampler(node, path, r), completion_criteria: null }] };
}

function parseCurriculum(node: YNode, path: string, parameter: string, r: SchemaReader, logger?: Logger): Lesson[] {
  if (node.kind !== "seq" || node.items.length === 0) throw typeError(path, "a non-empty list of lessons", plain(node), r.at(node.line));
  const lessons = node.items.map((item, i) => parseLesson(item, joinPath(path, i), r));
  lessons.forEach((lesson, i) => {
    const last = i === lessons.length - 1;
    if (!last && lesson.completion_criteria === null) {
      const p = joinPath(joinPath(path, i), "completion_criteria");
      throw new ConfigError(p, `a non-terminal lesson does not have completion_criteria for parameter ${parameter} (${p})`, r.at(node.items[i]!.line));
    }
    if (last && lesson.completion_criteria !== null) {
      logger?.warn(`Your final lesson definition contains completion_criteria for ${parameter}. It will be ignored.`);
      lesson.completion_criteria = null;
    }
  });
  return lessons;
}

function parseLesson(node: YNode, path: string, r: SchemaReader): Lesson {
  const entries = r.map(node, path, lessonKeys);
  const name = r.string(r.required(entries, "name", path, node.line).value, joinPath(path, "name"));
  const value = parseSampler(r.required(entries, "value", path, node.line).value, joinPath(path, "value"), r);
  const criteria = entries.get("completion_criteria");
  const completion_criteria = criteria === undefined || isNull(criteria.value) ? null : parseCriteria(criteria.value, joinPath(path, "completion_criteria"), r);
  return { name, value, completion_criteria };
}

function parseCriteria(node: YNode, path: string, r: SchemaReader): CompletionCriteria {
  const entries = r.map(node, path, criteriaKeys);
  const c: CompletionCriteria = { ...completionCriteriaDefaults, behavior: "" };
  c.behavior = r.string(r.required(entries, "behavior", path, node.line).value, joinPath(path, "behavior"));
  const get = entryLookup(entries, path);
  let x;
  if ((x = get("measure"))) c.measure = r.oneOf(...x, ["progress", "reward"] as const);
  if ((x = get("signal_smoothing"))) c.signal_smoothing = r.bool(...x);
  if ((x = get("min_lesson_length"))) c.min_lesson_length = r.int(...x, { min: 0 });
  if ((x = get("require_reset"))) c.require_reset = r.bool(...x);
  if ((x = get("threshold"))) {
    // ML-Agents: a progress threshold is a fraction of max_steps.
    c.threshold = c.measure === "progress" ? r.number(...x, { min: 0, max: 1 }) : r.number(...x);
  }
  return c;
}

/** A number (constant) or {sampler_type, sampler_parameters}. */
export function parseSampler(node: YNode, path: string, r: SchemaReader): SamplerSettings {
  if (node.kind === "scalar") {
    if (typeof node.value === "number" && Number.isFinite(node.value)) return { sampler_type: "constant", value: node.value, seed: null };
    throw typeError(path, "a number or a map with sampler_type and sampler_parameters", node.value, r.at(node.line));
  }
  const entries = r.map(node, path, ["sampler_type", "sampler_parameters"]);
  const typeEntry = r.required(entries, "sampler_type", path, node.line);
  const type = r.oneOf(typeEntry.value, joinPath(path, "sampler_type"), samplerTypes);
  const paramsPath = joinPath(path, "sampler_parameters");
  const params = r.map(r.required(entries, "sampler_parameters", path, node.line).value, paramsPath, samplerParameterKeys[type]);
  const num = (key: string, fallback: number): number => {
    const e = params.get(key);
    return e === undefined ? fallback : r.number(e.value, joinPath(paramsPath, key));
  };
  const seedEntry = params.get("seed");
  const rawSeed = seedEntry === undefined ? -1 : r.int(seedEntry.value, joinPath(paramsPath, "seed"), int32);
  const seed = rawSeed === -1 ? null : rawSeed; // ML-Agents: seed -1 means "not given"
  switch (type) {
    case "uniform": {
      const min_value = num("min_value", samplerDefaults.uniform.min_value);
      const max_value = num("max_value", samplerDefaults.uniform.max_value);
      if (min_value > max_value) {
        const p = joinPath(paramsPath, "min_value");
        throw new ConfigError(p, `${p}: min_value (${min_value}) is greater than max_value (${max_value})`, r.at(params.get("min_value")?.value.line ?? node.line));
      }
      return { sampler_type: "uniform", min_value, max_value, seed };
    }
    case "gaussian": {
      const e = params.get("st_dev");
      const st_dev = e === undefined ? samplerDefaults.gaussian.st_dev : r.number(e.value, joinPath(paramsPath, "st_dev"), { min: 0 });
      return { sampler_type: "gaussian", mean: num("mean", samplerDefaults.gaussian.mean), st_dev, seed };
    }
    case "multirangeuniform": {
      const e = params.get("intervals");
      const intervals = e === undefined ? samplerDefaults.multirangeuniform.intervals.map(([a, b]) => [a, b] as [number, number]) : parseIntervals(e.value, joinPath(paramsPath, "intervals"), r);
      return { sampler_type: "multirangeuniform", intervals, seed };
    }
    case "constant":
      return { sampler_type: "constant", value: num("value", samplerDefaults.constant.value), seed };
  }
}

function parseIntervals(node: YNode, path: string, r: SchemaReader): [number, number][] {
  if (node.kind !== "seq" || node.items.length === 0) throw typeError(path, "a non-empty list of [min, max] pairs", plain(node), r.at(node.line));
  return node.items.map((item, i) => {
    const p = joinPath(path, i);
    if (item.kind !== "seq" || item.items.length !== 2) throw typeError(p, "a [min, max] pair", plain(item), r.at(item.line ?? node.line));
    const min = r.number(item.items[0]!, joinPath(p, 0));
    const max = r.number(item.items[1]!, joinPath(p, 1));
    if (min > max) throw new ConfigError(p, `${p}: min (${min}) is greater than max (${max})`, r.at(item.line));
    return [min, max];
  });
}

/** ML-Agents' str() of a sampler, used in "Parameter 'x' is in lesson ... and has value '...'". */
export function describeSampler(s: SamplerSettings): string {
  switch (s.sampler_type) {
    case "constant":
      return `Float: value=${pyFloat(s.value)}`;
    case "uniform":
      return `Uniform sampler: min=${pyFloat(s.min_value)}, max=${pyFloat(s.max_value)}`;
    case "gaussian":
      return `Gaussian sampler: mean=${pyFloat(s.mean)}, stddev=${pyFloat(s.st_dev)}`;
    case "multirangeuniform":
      return `MultiRangeUniform sampler: intervals=${pyFloatPairs(s.intervals)}`;
  }
}
