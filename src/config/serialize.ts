// The effective configuration as YAML (results/<run-id>/configuration.yaml). Every key is written
// with its final value; parseRunOptions(runOptionsToYaml(o)) gives back options equal to `o`.

import { stringify } from "yaml";
import type { EnvironmentParameterConfig, SamplerSettings } from "./environment-parameters.js";
import { mixAndMatchSettingsToPlain } from "./mix-and-match-settings.js";
import { pbtSettingsToPlain } from "./pbt-settings.js";
import type { RunOptions } from "./run-options-types.js";
import type { TrainerSettings } from "./trainer-settings.js";

export function runOptionsToYaml(options: RunOptions): string {
  const behaviors = new Map<string, unknown>();
  for (const [name, settings] of options.behaviors) behaviors.set(name, trainerSettingsToPlain(settings));
  const params = new Map<string, unknown>();
  for (const [name, config] of options.environment_parameters) params.set(name, parameterToPlain(name, config));
  const doc = new Map<string, unknown>([
    ["default_settings", options.default_settings === null ? null : trainerSettingsToPlain(options.default_settings)],
    ["behaviors", behaviors],
    ["env_settings", { ...options.env_settings }],
    ["engine_settings", { ...options.engine_settings }],
    ["environment_parameters", params.size === 0 ? null : params],
    ["checkpoint_settings", { ...options.checkpoint_settings }],
    ["torch_settings", { ...options.torch_settings }],
    ["debug", options.debug],
  ]);
  if (options.pbt !== null) doc.set("pbt", pbtSettingsToPlain(options.pbt));
  return stringify(doc, { lineWidth: 0, nullStr: "null" });
}

/** TrainerSettings in ML-Agents' key order. */
export function trainerSettingsToPlain(s: TrainerSettings): Record<string, unknown> {
  const plain: Record<string, unknown> = {
    trainer_type: s.trainer_type,
    hyperparameters: { ...s.hyperparameters },
    checkpoint_interval: s.checkpoint_interval,
    network_settings: { ...s.network_settings },
    reward_signals: Object.fromEntries(
      Object.entries(s.reward_signals).map(([k, v]) => [k, v === undefined ? null : { ...v, network_settings: v.network_settings && { ...v.network_settings } }]),
    ),
    init_path: s.init_path,
    keep_checkpoints: s.keep_checkpoints,
    even_checkpoints: s.even_checkpoints,
    max_steps: s.max_steps,
    time_horizon: s.time_horizon,
    summary_freq: s.summary_freq,
    threaded: s.threaded,
    self_play: s.self_play,
    behavioral_cloning: s.behavioral_cloning,
  };
  // Written only when set, so a plain SAC behavior's configuration.yaml keeps ML-Agents' keys.
  if (s.mix_and_match !== undefined) plain.mix_and_match = mixAndMatchSettingsToPlain(s.mix_and_match);
  return plain;
}

function parameterToPlain(name: string, config: EnvironmentParameterConfig): unknown {
  const only = config.curriculum[0];
  if (config.curriculum.length === 1 && only !== undefined && only.name === name && only.completion_criteria === null) {
    return samplerToPlain(only.value);
  }
  return {
    curriculum: config.curriculum.map((lesson) => {
      const out: Record<string, unknown> = { name: lesson.name };
      if (lesson.completion_criteria !== null) out.completion_criteria = { ...lesson.completion_criteria };
      out.value = samplerToPlain(lesson.value);
      return out;
    }),
  };
}

function samplerToPlain(s: SamplerSettings): unknown {
  if (s.sampler_type === "constant" && s.seed === null) return s.value;
  let parameters: Record<string, unknown>;
  switch (s.sampler_type) {
    case "uniform":
      parameters = { min_value: s.min_value, max_value: s.max_value };
      break;
    case "gaussian":
      parameters = { mean: s.mean, st_dev: s.st_dev };
      break;
    case "multirangeuniform":
      parameters = { intervals: s.intervals.map((pair) => [...pair]) };
      break;
    case "constant":
      parameters = { value: s.value };
      break;
  }
  if (s.seed !== null) parameters.seed = s.seed;
  return { sampler_type: s.sampler_type, sampler_parameters: parameters };
}
