// Parses an mlagents-learn YAML configuration into RunOptions (docs/protocol.md §7): strict keys at every level,
// ML-Agents defaults, default_settings deep-merged under each behavior, and the behavior lookup rule.

import { readFileSync } from "node:fs";
import { errorMessage, type Logger } from "../util/logger.js";
import {
  defaultCheckpointSettings,
  defaultEngineSettings,
  defaultEnvSettings,
  defaultTorchSettings,
  defaultTrainerSettings,
} from "./defaults.js";
import { parseEnvironmentParameters } from "./environment-parameters.js";
import { ConfigError, joinPath } from "./errors.js";
import { exploreRulesForBehavior, parsePbtSettings } from "./pbt-settings.js";
import type { CheckpointSettings, EngineSettings, EnvSettings, RunOptions, TorchSettings } from "./run-options-types.js";
import { entryLookup, isNull, SchemaReader } from "./schema-reader.js";
import { parseTrainerSettings } from "./trainer-settings-parser.js";
import type { TrainerSettings } from "./trainer-settings.js";
import { deepMerge, parseYamlTree, treeFromValue, type YEntry, type YMap, type YNode } from "./yaml-source.js";

export const topLevelKeys = [
  "behaviors",
  "default_settings",
  "environment_parameters",
  "env_settings",
  "engine_settings",
  "checkpoint_settings",
  "torch_settings",
  "debug",
  "pbt",
] as const;
const envSettingsKeys = [
  "env_path",
  "env_args",
  "base_port",
  "num_envs",
  "num_areas",
  "timeout_wait",
  "seed",
  "max_lifetime_restarts",
  "restarts_rate_limit_n",
  "restarts_rate_limit_period_s",
  // mlagents-ts additions
  "bind",
  "max_message_mb",
  "exit_on_stop",
] as const;
const engineSettingsKeys = ["width", "height", "quality_level", "time_scale", "target_frame_rate", "capture_frame_rate", "no_graphics", "no_graphics_monitor"] as const;
const checkpointSettingsKeys = ["run_id", "initialize_from", "load_model", "resume", "force", "train_model", "inference", "results_dir"] as const;

/** Options used when no configuration file is given: every behavior gets SAC defaults (with a warning). */
export function defaultRunOptions(): RunOptions {
  return {
    behaviors: new Map(),
    default_settings: null,
    environment_parameters: new Map(),
    env_settings: defaultEnvSettings(),
    engine_settings: defaultEngineSettings(),
    checkpoint_settings: defaultCheckpointSettings(),
    torch_settings: defaultTorchSettings(),
    debug: false,
    pbt: null,
    configSpecified: false,
  };
}

/** Parses YAML text. `fileName` only labels errors ("config/3dball.yaml:12: ..."); warnings go to `logger`. */
export function parseRunOptions(yamlText: string, fileName?: string, logger?: Logger): RunOptions {
  const r = new SchemaReader(fileName);
  const root = parseYamlTree(yamlText, fileName);
  const top = r.map(root, "", topLevelKeys);
  const value = (key: string): YNode | undefined => {
    const e = top.get(key);
    return e === undefined || isNull(e.value) ? undefined : e.value;
  };
  const options = defaultRunOptions();
  options.configSpecified = true;

  const defaultsNode = value("default_settings");
  if (defaultsNode !== undefined) options.default_settings = parseTrainerSettings(defaultsNode, "default_settings", r);
  const behaviorsNode = value("behaviors");
  if (behaviorsNode !== undefined) options.behaviors = parseBehaviors(behaviorsNode, options.default_settings, r);

  const params = value("environment_parameters");
  if (params !== undefined) options.environment_parameters = parseEnvironmentParameters(params, "environment_parameters", r, logger);
  const env = value("env_settings");
  if (env !== undefined) options.env_settings = parseEnvSettings(env, r);
  const engine = value("engine_settings");
  if (engine !== undefined) options.engine_settings = parseEngineSettings(engine, r);
  const checkpoint = value("checkpoint_settings");
  if (checkpoint !== undefined) options.checkpoint_settings = parseCheckpointSettings(checkpoint, r, logger);
  const torch = value("torch_settings");
  if (torch !== undefined) options.torch_settings = parseTorchSettings(torch, r);
  const debug = value("debug");
  if (debug !== undefined) options.debug = r.bool(debug, "debug");
  const pbt = value("pbt");
  if (pbt !== undefined) options.pbt = parsePbtSettings(pbt, "pbt", r);
  // α searched for a behavior without mix_and_match is refused here (listed behaviors) or when its trainer is created.
  for (const [name, s] of options.behaviors) if (options.pbt) exploreRulesForBehavior(options.pbt.explore, name, s.mix_and_match?.alpha_step);
  return options;
}

/** Reads and parses a configuration file; unreadable files are a ConfigError naming the path. */
export function loadRunOptions(path: string, logger?: Logger): RunOptions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError("", `cannot read configuration file ${path}: ${errorMessage(error)}`);
  }
  return parseRunOptions(text, path, logger);
}

/**
 * Settings for one behavior (plain name; a "?team=N" suffix is ignored): its own entry, else
 * default_settings, else an error when a configuration file was given, else SAC defaults with a warning.
 */
export function behaviorSettings(options: RunOptions, behaviorName: string, logger?: Logger): TrainerSettings {
  const name = behaviorName.split("?")[0] ?? behaviorName;
  const listed = options.behaviors.get(name);
  if (listed !== undefined) return listed;
  if (options.default_settings !== null) return structuredClone(options.default_settings);
  if (options.configSpecified) {
    throw new ConfigError(
      joinPath("behaviors", name),
      `The behavior name ${name} has not been specified in the trainer configuration. ` +
        `Please add an entry in the configuration file for ${name}, or set default_settings.`,
    );
  }
  logger?.warn(
    `Behavior name ${name} does not match any behaviors specified in the trainer configuration file. A default configuration will be used.`,
  );
  return defaultTrainerSettings();
}

/** Checks that span sections; run after CLI overrides, when the final values are known. */
export function validateRunOptions(options: RunOptions): void {
  const env = options.env_settings;
  if (env.num_envs > 1 && env.env_path === null) {
    throw new ConfigError(
      "env_settings.num_envs",
      `env_settings.num_envs is ${env.num_envs}, but more than one environment needs env_settings.env_path (--env); the Unity Editor is a single environment`,
    );
  }
}

function parseBehaviors(node: YNode, defaults: TrainerSettings | null, r: SchemaReader): Map<string, TrainerSettings> {
  const out = new Map<string, TrainerSettings>();
  const base = defaults === null ? undefined : (treeFromValue(defaults) as YMap);
  for (const entry of r.anyMap(node, "behaviors").entries) {
    const path = joinPath("behaviors", entry.key);
    checkBehaviorName(entry, path, r);
    // `3DBall:` with nothing under it is an empty entry (all from default_settings).
    const own: YNode = isNull(entry.value) ? { kind: "map", entries: [], line: entry.keyLine } : entry.value;
    if (own.kind !== "map") r.anyMap(own, path); // throws the type error
    const merged = base !== undefined && own.kind === "map" ? deepMerge(base, own) : own;
    out.set(entry.key, parseTrainerSettings(merged, path, r));
  }
  return out;
}

function checkBehaviorName(entry: YEntry, path: string, r: SchemaReader): void {
  if (entry.key === "" || entry.key.includes("?")) {
    throw new ConfigError(path, `behavior names are plain names without "?team=" (got "${entry.key}" at ${path})`, r.at(entry.keyLine));
  }
}

function parseEnvSettings(node: YNode, r: SchemaReader): EnvSettings {
  const entries = r.map(node, "env_settings", envSettingsKeys);
  const s = defaultEnvSettings();
  const v = entryLookup(entries, "env_settings");
  let x;
  if ((x = v("env_path"))) s.env_path = r.nullableString(...x);
  if ((x = v("env_args"))) s.env_args = isNull(x[0]) ? null : r.stringList(...x);
  if ((x = v("base_port"))) s.base_port = r.int(...x, { min: 0, max: 65535 });
  if ((x = v("num_envs"))) s.num_envs = r.int(...x, { min: 1 });
  if ((x = v("num_areas"))) s.num_areas = r.int(...x, { min: 1 });
  if ((x = v("timeout_wait"))) s.timeout_wait = r.int(...x, { min: 1 });
  if ((x = v("seed"))) s.seed = r.int(...x, { min: -1, max: 2 ** 31 - 1 });
  if ((x = v("max_lifetime_restarts"))) s.max_lifetime_restarts = r.int(...x, { min: -1 });
  if ((x = v("restarts_rate_limit_n"))) s.restarts_rate_limit_n = r.int(...x, { min: -1 });
  if ((x = v("restarts_rate_limit_period_s"))) s.restarts_rate_limit_period_s = r.int(...x, { min: 0 });
  if ((x = v("bind"))) s.bind = r.string(...x);
  if ((x = v("max_message_mb"))) s.max_message_mb = r.int(...x, { min: 1, max: 2047 });
  if ((x = v("exit_on_stop"))) s.exit_on_stop = r.bool(...x);
  return s;
}

function parseEngineSettings(node: YNode, r: SchemaReader): EngineSettings {
  const entries = r.map(node, "engine_settings", engineSettingsKeys);
  const s = defaultEngineSettings();
  const v = entryLookup(entries, "engine_settings");
  let x;
  if ((x = v("width"))) s.width = r.int(...x, { min: 1 });
  if ((x = v("height"))) s.height = r.int(...x, { min: 1 });
  if ((x = v("quality_level"))) s.quality_level = r.int(...x, { min: 0 });
  if ((x = v("time_scale"))) s.time_scale = r.number(...x, { min: 0, minExclusive: true });
  if ((x = v("target_frame_rate"))) s.target_frame_rate = r.int(...x, { min: -1 });
  if ((x = v("capture_frame_rate"))) s.capture_frame_rate = r.int(...x, { min: 0 });
  if ((x = v("no_graphics"))) s.no_graphics = r.bool(...x);
  if ((x = v("no_graphics_monitor"))) s.no_graphics_monitor = r.bool(...x);
  return s;
}

function parseCheckpointSettings(node: YNode, r: SchemaReader, logger?: Logger): CheckpointSettings {
  const entries = r.map(node, "checkpoint_settings", checkpointSettingsKeys);
  const s = defaultCheckpointSettings();
  const v = entryLookup(entries, "checkpoint_settings");
  let x;
  if ((x = v("run_id"))) s.run_id = runId(r.string(...x), x[1], r, x[0].line);
  if ((x = v("initialize_from"))) {
    const id = r.nullableString(...x);
    s.initialize_from = id === null ? null : runId(id, x[1], r, x[0].line);
  }
  if ((x = v("load_model"))) s.load_model = r.bool(...x);
  if ((x = v("resume"))) s.resume = r.bool(...x);
  if ((x = v("force"))) s.force = r.bool(...x);
  if ((x = v("train_model"))) s.train_model = r.bool(...x);
  if ((x = v("inference"))) s.inference = r.bool(...x);
  if ((x = v("results_dir"))) s.results_dir = r.string(...x);
  if (s.resume && s.initialize_from !== null) {
    logger?.warn(
      `Both 'resume' and 'initialize_from=${s.initialize_from}' are set in yaml file! Current run will be resumed ignoring initialization.`,
    );
    s.initialize_from = null;
  }
  return s;
}

function parseTorchSettings(node: YNode, r: SchemaReader): TorchSettings {
  const entries = r.map(node, "torch_settings", ["device"]);
  const device = entries.get("device");
  return { device: device === undefined ? null : r.nullableString(device.value, "torch_settings.device") };
}

/** Run ids name a folder under results_dir: no path separators or dot-only names. */
export function runId(value: string, path: string, r?: SchemaReader, line?: number): string {
  if (/[\\/]/.test(value) || value === "." || value === "..") {
    throw new ConfigError(path, `${path}: a run id names one folder under results_dir, got "${value}"`, r?.at(line) ?? {});
  }
  return value;
}
