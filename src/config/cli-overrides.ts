// mlagents-learn flags over YAML values (docs/protocol.md §7.6 / §8.1). A flag wins only when the user gave it:
// pass only explicitly given flags (commander: getOptionValueSource(name) === "cli"); an absent
// (undefined) property leaves the YAML value alone, like ML-Agents' DetectDefault.

import type { Logger } from "../util/logger.js";
import { ConfigError, describeValue } from "./errors.js";
import type { RunOptions } from "./run-options-types.js";
import { runId, validateRunOptions } from "./run-options.js";

export interface CliFlags {
  env: string;
  envArgs: string[];
  basePort: number | string;
  numEnvs: number | string;
  numAreas: number | string;
  timeoutWait: number | string;
  seed: number | string;
  maxLifetimeRestarts: number | string;
  restartsRateLimitN: number | string;
  restartsRateLimitPeriodS: number | string;
  width: number | string;
  height: number | string;
  qualityLevel: number | string;
  timeScale: number | string;
  targetFrameRate: number | string;
  captureFrameRate: number | string;
  noGraphics: boolean;
  noGraphicsMonitor: boolean;
  runId: string;
  initializeFrom: string;
  resume: boolean;
  /** Deprecated alias of --resume. */
  load: boolean;
  force: boolean;
  /** Deprecated, no effect. */
  train: boolean;
  inference: boolean;
  resultsDir: string;
  torchDevice: string;
  /** Alias of --torch-device. */
  device: string;
  /** With device gpu: accept a software WebGPU adapter (not a YAML key). */
  allowSoftwareGpu: boolean;
  /** Deterministic actions for every behavior (network_settings.deterministic). */
  deterministic: boolean;
  debug: boolean;
  // mlagents-ts additions
  bind: string;
  maxMessageMb: number | string;
  exitOnStop: boolean;
}

type Kind = { int: [number, number] } | "number>0" | "bool" | "string" | "strings";
type Section = "env_settings" | "engine_settings" | "checkpoint_settings" | "torch_settings";

interface FlagSpec {
  flag: string;
  section: Section | null; // null: top level
  key: string;
  kind: Kind;
}

const big = Number.MAX_SAFE_INTEGER;
/** Flag -> YAML key table (docs/protocol.md §7.6). */
export const cliFlagTable: Partial<Record<keyof CliFlags, FlagSpec>> = {
  env: { flag: "--env", section: "env_settings", key: "env_path", kind: "string" },
  envArgs: { flag: "--env-args", section: "env_settings", key: "env_args", kind: "strings" },
  basePort: { flag: "--base-port", section: "env_settings", key: "base_port", kind: { int: [0, 65535] } },
  numEnvs: { flag: "--num-envs", section: "env_settings", key: "num_envs", kind: { int: [1, big] } },
  numAreas: { flag: "--num-areas", section: "env_settings", key: "num_areas", kind: { int: [1, big] } },
  timeoutWait: { flag: "--timeout-wait", section: "env_settings", key: "timeout_wait", kind: { int: [1, big] } },
  seed: { flag: "--seed", section: "env_settings", key: "seed", kind: { int: [-1, 2 ** 31 - 1] } },
  maxLifetimeRestarts: { flag: "--max-lifetime-restarts", section: "env_settings", key: "max_lifetime_restarts", kind: { int: [-1, big] } },
  restartsRateLimitN: { flag: "--restarts-rate-limit-n", section: "env_settings", key: "restarts_rate_limit_n", kind: { int: [-1, big] } },
  restartsRateLimitPeriodS: { flag: "--restarts-rate-limit-period-s", section: "env_settings", key: "restarts_rate_limit_period_s", kind: { int: [0, big] } },
  width: { flag: "--width", section: "engine_settings", key: "width", kind: { int: [1, big] } },
  height: { flag: "--height", section: "engine_settings", key: "height", kind: { int: [1, big] } },
  qualityLevel: { flag: "--quality-level", section: "engine_settings", key: "quality_level", kind: { int: [0, big] } },
  timeScale: { flag: "--time-scale", section: "engine_settings", key: "time_scale", kind: "number>0" },
  targetFrameRate: { flag: "--target-frame-rate", section: "engine_settings", key: "target_frame_rate", kind: { int: [-1, big] } },
  captureFrameRate: { flag: "--capture-frame-rate", section: "engine_settings", key: "capture_frame_rate", kind: { int: [0, big] } },
  noGraphics: { flag: "--no-graphics", section: "engine_settings", key: "no_graphics", kind: "bool" },
  noGraphicsMonitor: { flag: "--no-graphics-monitor", section: "engine_settings", key: "no_graphics_monitor", kind: "bool" },
  runId: { flag: "--run-id", section: "checkpoint_settings", key: "run_id", kind: "string" },
  initializeFrom: { flag: "--initialize-from", section: "checkpoint_settings", key: "initialize_from", kind: "string" },
  resume: { flag: "--resume", section: "checkpoint_settings", key: "resume", kind: "bool" },
  force: { flag: "--force", section: "checkpoint_settings", key: "force", kind: "bool" },
  train: { flag: "--train", section: "checkpoint_settings", key: "train_model", kind: "bool" },
  inference: { flag: "--inference", section: "checkpoint_settings", key: "inference", kind: "bool" },
  resultsDir: { flag: "--results-dir", section: "checkpoint_settings", key: "results_dir", kind: "string" },
  torchDevice: { flag: "--torch-device", section: "torch_settings", key: "device", kind: "string" },
  device: { flag: "--device", section: "torch_settings", key: "device", kind: "string" },
  debug: { flag: "--debug", section: null, key: "debug", kind: "bool" },
  bind: { flag: "--bind", section: "env_settings", key: "bind", kind: "string" },
  maxMessageMb: { flag: "--max-message-mb", section: "env_settings", key: "max_message_mb", kind: { int: [1, 2047] } },
  exitOnStop: { flag: "--exit-on-stop", section: "env_settings", key: "exit_on_stop", kind: "bool" },
};

/** Returns new options with the explicitly given flags applied, then checks cross-section rules. */
export function applyCliOverrides(options: RunOptions, flags: Partial<CliFlags>, logger?: Logger): RunOptions {
  const out = structuredClone(options);
  const given = (name: keyof CliFlags): boolean => Object.hasOwn(flags, name) && flags[name] !== undefined;

  for (const name of Object.keys(cliFlagTable) as (keyof CliFlags)[]) {
    if (!given(name)) continue;
    const spec = cliFlagTable[name]!;
    let value = convert(flags[name], spec);
    if (spec.key === "run_id" || spec.key === "initialize_from") value = runId(value as string, spec.flag);
    if (spec.section === null) (out as unknown as Record<string, unknown>)[spec.key] = value;
    else (out[spec.section] as unknown as Record<string, unknown>)[spec.key] = value;
  }

  if (given("load")) {
    logger?.warn("The --load option is deprecated; use --resume.");
    if (convert(flags.load, cliFlagTable.resume!)) out.checkpoint_settings.resume = true;
  }
  if (given("deterministic") && convert(flags.deterministic, { flag: "--deterministic", section: null, key: "", kind: "bool" })) {
    for (const settings of out.behaviors.values()) settings.network_settings.deterministic = true;
    if (out.default_settings !== null) out.default_settings.network_settings.deterministic = true;
  }

  // ML-Agents prioritize_resume_init: an explicit --resume beats initialize_from, an explicit
  // --initialize-from beats resume from the YAML; both in the YAML was settled at parse time.
  const cp = out.checkpoint_settings;
  if ((given("resume") || given("load")) && cp.resume) {
    if (cp.initialize_from !== null) {
      logger?.warn(`Both 'resume' and 'initialize_from=${cp.initialize_from}' are set! Current run will be resumed ignoring initialization.`);
      cp.initialize_from = null;
    }
  } else if (given("initializeFrom")) {
    if (cp.resume) {
      logger?.warn(
        `Both 'resume' and 'initialize_from=${cp.initialize_from}' are set! ${cp.run_id} is initialized_from ${cp.initialize_from} and resume will be ignored.`,
      );
      cp.resume = false;
    }
  } else if (cp.resume && cp.initialize_from !== null) {
    logger?.warn(`Both 'resume' and 'initialize_from=${cp.initialize_from}' are set in yaml file! Current run will be resumed ignoring initialization.`);
    cp.initialize_from = null;
  }

  validateRunOptions(out);
  return out;
}

function convert(raw: unknown, spec: FlagSpec): unknown {
  const path = spec.section === null ? spec.key : `${spec.section}.${spec.key}`;
  const fail = (expected: string): never => {
    throw new ConfigError(path, `${spec.flag}: expected ${expected}, got ${describeValue(raw)}`);
  };
  const kind = spec.kind;
  if (kind === "bool") return typeof raw === "boolean" ? raw : fail("true or false");
  if (kind === "string") return typeof raw === "string" && raw !== "" ? raw : fail("a non-empty string");
  if (kind === "strings") return Array.isArray(raw) && raw.every((s) => typeof s === "string") ? [...raw] : fail("a list of strings");
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (kind === "number>0") return Number.isFinite(n) && n > 0 ? n : fail("a positive number");
  const [min, max] = kind.int;
  const expected = max === big ? (min === 1 ? "a positive integer" : `an integer >= ${min}`) : `an integer in [${min}, ${max}]`;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : fail(expected);
}
