// Validates one behaviors.<name> (or default_settings) entry into a fully defaulted TrainerSettings.
// Only SAC with the extrinsic reward and no memory is implemented; everything else ML-Agents accepts
// is refused here by name, never silently trained as something else.

import { defaultNetworkSettings, defaultRewardSignal, defaultSacHyperparameters, defaultTrainerSettings } from "./defaults.js";
import { ConfigError, joinPath } from "./errors.js";
import { parseMixAndMatchSettings } from "./mix-and-match-settings.js";
import { entryLookup, isNull, type SchemaReader } from "./schema-reader.js";
import type { NetworkSettings, RewardSignalSettings, SacHyperparameters, TrainerSettings, VisEncodeType } from "./trainer-settings.js";
import type { YEntry, YNode } from "./yaml-source.js";

export const trainerSettingsKeys = [
  "trainer_type",
  "hyperparameters",
  "network_settings",
  "reward_signals",
  "init_path",
  "keep_checkpoints",
  "even_checkpoints",
  "checkpoint_interval",
  "max_steps",
  "time_horizon",
  "summary_freq",
  "threaded",
  "self_play",
  "behavioral_cloning",
  // mlagents-ts addition (docs/mix-and-match.md)
  "mix_and_match",
] as const;

export const sacHyperparameterKeys = [
  "learning_rate",
  "learning_rate_schedule",
  "batch_size",
  "buffer_size",
  "buffer_init_steps",
  "tau",
  "steps_per_update",
  "save_replay_buffer",
  "init_entcoef",
  "reward_signal_steps_per_update",
] as const;

export const networkSettingsKeys = [
  "normalize",
  "hidden_units",
  "num_layers",
  "vis_encode_type",
  "memory",
  "goal_conditioning_type",
  "deterministic",
] as const;

const rewardSignalTypes = ["extrinsic", "gail", "curiosity", "rnd"] as const;
const extrinsicKeys = ["gamma", "strength", "network_settings"] as const;
const visEncodeTypes: readonly VisEncodeType[] = ["simple", "nature_cnn", "resnet", "match3", "fully_connected"];

export function parseTrainerSettings(node: YNode, path: string, r: SchemaReader): TrainerSettings {
  const entries = r.map(node, path, trainerSettingsKeys);
  const out = defaultTrainerSettings();
  const get = (key: string): YEntry | undefined => entries.get(key);
  const loc = (e: YEntry | undefined): ReturnType<SchemaReader["at"]> => r.at(e?.value.line ?? e?.keyLine ?? node.line);

  const trainerType = get("trainer_type");
  const hyper = get("hyperparameters");
  if (trainerType === undefined) {
    if (hyper !== undefined) {
      throw new ConfigError(
        joinPath(path, "hyperparameters"),
        `${joinPath(path, "hyperparameters")}: hyperparameters were specified but no trainer_type was given; add trainer_type: sac to this entry`,
        loc(hyper),
      );
    }
    throw new ConfigError(
      joinPath(path, "trainer_type"),
      `trainer_type is not set (${joinPath(path, "trainer_type")}), so ML-Agents' default 'ppo' would apply, which mlagents-ts does not implement; write trainer_type: sac`,
      r.at(node.line),
    );
  }
  const typeNode = trainerType.value;
  const typeValue = typeNode.kind === "scalar" ? typeNode.value : undefined;
  if (typeValue !== "sac") {
    const typePath = joinPath(path, "trainer_type");
    if (typeof typeValue !== "string") r.string(typeNode, typePath); // throws the type error
    throw new ConfigError(
      typePath,
      `trainer_type '${String(typeValue)}' is not implemented by mlagents-ts (${typePath}); use trainer_type: sac`,
      loc(trainerType),
    );
  }

  if (hyper !== undefined) out.hyperparameters = parseSacHyperparameters(hyper.value, joinPath(path, "hyperparameters"), r);
  const net = get("network_settings");
  if (net !== undefined) out.network_settings = parseNetworkSettings(net.value, joinPath(path, "network_settings"), r);
  const signals = get("reward_signals");
  if (signals !== undefined) out.reward_signals = parseRewardSignals(signals.value, joinPath(path, "reward_signals"), r);

  const at = entryLookup(entries, path);
  let v;
  if ((v = at("init_path"))) out.init_path = r.nullableString(...v);
  if ((v = at("keep_checkpoints"))) out.keep_checkpoints = r.int(...v, { min: 1 });
  if ((v = at("even_checkpoints"))) out.even_checkpoints = r.bool(...v);
  if ((v = at("checkpoint_interval"))) out.checkpoint_interval = r.int(...v, { min: 1 });
  if ((v = at("max_steps"))) out.max_steps = r.int(...v, { min: 1 });
  if ((v = at("time_horizon"))) out.time_horizon = r.int(...v, { min: 1 });
  if ((v = at("summary_freq"))) out.summary_freq = r.int(...v, { min: 1 });
  if ((v = at("threaded"))) out.threaded = r.bool(...v);
  for (const key of ["self_play", "behavioral_cloning"] as const) {
    const e = get(key);
    if (e !== undefined && !isNull(e.value)) {
      const p = joinPath(path, key);
      throw new ConfigError(p, `${key} is not implemented by mlagents-ts (${p}); remove it or set it to null`, loc(e));
    }
  }

  const mm = get("mix_and_match");
  if (mm !== undefined && !isNull(mm.value)) {
    const p = joinPath(path, "mix_and_match");
    // A Mix & Match agent's components are sized against one behavior's spaces; default_settings
    // would give the same components to behaviors with other action spaces.
    if (path === "default_settings") throw new ConfigError(p, `${p}: mix_and_match is set per behavior (behaviors.<name>.mix_and_match), not in default_settings`, r.at(mm.keyLine ?? mm.value.line));
    out.mix_and_match = parseMixAndMatchSettings(mm.value, p, out.network_settings, r);
  }

  if (out.even_checkpoints) {
    // ML-Agents: checkpoint_interval = max_steps / keep_checkpoints, as an integer step count.
    out.checkpoint_interval = Math.max(1, Math.floor(out.max_steps / out.keep_checkpoints));
  }
  return out;
}

export function parseSacHyperparameters(node: YNode, path: string, r: SchemaReader): SacHyperparameters {
  const entries = r.map(node, path, sacHyperparameterKeys);
  const h = defaultSacHyperparameters();
  const v = entryLookup(entries, path);
  let x;
  if ((x = v("learning_rate"))) h.learning_rate = r.number(...x, { min: 0, minExclusive: true });
  if ((x = v("learning_rate_schedule"))) h.learning_rate_schedule = r.oneOf(...x, ["constant", "linear"] as const);
  if ((x = v("batch_size"))) h.batch_size = r.int(...x, { min: 1 });
  if ((x = v("buffer_size"))) h.buffer_size = r.int(...x, { min: 1 });
  if ((x = v("buffer_init_steps"))) h.buffer_init_steps = r.int(...x, { min: 0 });
  if ((x = v("tau"))) h.tau = r.number(...x, { min: 0, minExclusive: true, max: 1 });
  if ((x = v("steps_per_update"))) h.steps_per_update = r.number(...x, { min: 0, minExclusive: true });
  if ((x = v("save_replay_buffer"))) h.save_replay_buffer = r.bool(...x);
  if ((x = v("init_entcoef"))) h.init_entcoef = r.number(...x, { min: 0, minExclusive: true });
  const rsspu = v("reward_signal_steps_per_update");
  // ML-Agents: reward_signal_steps_per_update defaults to steps_per_update.
  h.reward_signal_steps_per_update = rsspu ? r.number(...rsspu, { min: 0, minExclusive: true }) : h.steps_per_update;
  if (h.buffer_size < h.batch_size) {
    const e = entries.get("buffer_size") ?? entries.get("batch_size");
    const p = joinPath(path, "buffer_size");
    throw new ConfigError(p, `${p}: buffer_size (${h.buffer_size}) must be at least batch_size (${h.batch_size})`, r.at(e?.value.line ?? node.line));
  }
  return h;
}

export function parseNetworkSettings(node: YNode, path: string, r: SchemaReader): NetworkSettings {
  const entries = r.map(node, path, networkSettingsKeys);
  const n = defaultNetworkSettings();
  const v = entryLookup(entries, path);
  let x;
  if ((x = v("normalize"))) n.normalize = r.bool(...x);
  if ((x = v("hidden_units"))) n.hidden_units = r.int(...x, { min: 1 });
  if ((x = v("num_layers"))) n.num_layers = r.int(...x, { min: 1 });
  if ((x = v("vis_encode_type"))) {
    const type = r.oneOf(...x, visEncodeTypes);
    if (type !== "simple") {
      throw new ConfigError(x[1], `vis_encode_type '${type}' is not implemented by mlagents-ts (${x[1]}); the supported value is simple`, r.at(x[0].line));
    }
    n.vis_encode_type = type;
  }
  if ((x = v("memory")) && !isNull(x[0])) {
    throw new ConfigError(x[1], `memory (recurrent SAC) is not implemented by mlagents-ts (${x[1]}); remove it or set it to null`, r.at(x[0].line));
  }
  if ((x = v("goal_conditioning_type"))) n.goal_conditioning_type = r.oneOf(...x, ["hyper", "none"] as const);
  if ((x = v("deterministic"))) n.deterministic = r.bool(...x);
  return n;
}

export function parseRewardSignals(node: YNode, path: string, r: SchemaReader): TrainerSettings["reward_signals"] {
  const entries = r.map(node, path, rewardSignalTypes);
  for (const [name, entry] of entries) {
    if (name !== "extrinsic") {
      const p = joinPath(path, name);
      throw new ConfigError(p, `reward signal '${name}' is not implemented by mlagents-ts (${p}); only extrinsic is supported`, r.at(entry.keyLine));
    }
  }
  const extrinsic = entries.get("extrinsic");
  if (extrinsic === undefined) {
    throw new ConfigError(joinPath(path, "extrinsic"), `${path}: missing required key "extrinsic" (mlagents-ts trains on the extrinsic reward)`, r.at(node.line));
  }
  return { extrinsic: parseExtrinsic(extrinsic.value, joinPath(path, "extrinsic"), r) };
}

function parseExtrinsic(node: YNode, path: string, r: SchemaReader): RewardSignalSettings {
  // `extrinsic:` with nothing under it means all defaults.
  if (isNull(node)) return defaultRewardSignal();
  const entries = r.map(node, path, extrinsicKeys);
  const s = defaultRewardSignal();
  const gamma = entries.get("gamma");
  if (gamma) s.gamma = r.number(gamma.value, joinPath(path, "gamma"), { min: 0, max: 1, maxExclusive: true });
  const strength = entries.get("strength");
  if (strength) s.strength = r.number(strength.value, joinPath(path, "strength"));
  const net = entries.get("network_settings");
  if (net) s.network_settings = parseNetworkSettings(net.value, joinPath(path, "network_settings"), r);
  return s;
}
