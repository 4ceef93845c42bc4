// Public surface of the config layer: YAML run options, defaults, CLI overrides, curricula.

export { ConfigError, type ConfigLocation } from "./errors.js";
export type {
  LearningRateSchedule,
  MemorySettings,
  NetworkSettings,
  RewardSignalSettings,
  SacHyperparameters,
  TrainerSettings,
  VisEncodeType,
} from "./trainer-settings.js";
export type {
  CheckpointSettings,
  EngineSettings,
  EnvSettings,
  MlagentsEnvSettings,
  MlagentsTsEnvSettings,
  RunOptions,
  TorchSettings,
} from "./run-options-types.js";
export {
  completionCriteriaDefaults,
  defaultCheckpointSettings,
  defaultEngineSettings,
  defaultEnvSettings,
  defaultNetworkSettings,
  defaultRewardSignal,
  defaultRunId,
  defaultSacHyperparameters,
  defaultTorchSettings,
  defaultTrainerSettings,
  mlagentsDefaultTrainerType,
  samplerDefaults,
} from "./defaults.js";
export { behaviorSettings, defaultRunOptions, loadRunOptions, parseRunOptions, validateRunOptions } from "./run-options.js";
export { applyCliOverrides, cliFlagTable, type CliFlags } from "./cli-overrides.js";
export { runOptionsToYaml, trainerSettingsToPlain } from "./serialize.js";
export {
  describeSampler,
  type CompletionCriteria,
  type EnvironmentParameterConfig,
  type Lesson,
  type SamplerSettings,
  type SamplerType,
} from "./environment-parameters.js";
export {
  EnvironmentParameterManager,
  type EnvironmentParameterState,
  type LessonStats,
} from "./environment-parameter-manager.js";
export { pyFloat } from "./py-format.js";
export {
  exploreRulesForBehavior,
  mixAndMatchAlphaKey,
  parsePbtSettings,
  pbtDefaults,
  pbtNeedsOwnEnvironments,
  pbtSettingsToPlain,
  searchableDomain,
  searchableHyperparameters,
  searchedEnvironmentParameters,
  type AlphaExploreRule,
  type CategoricalExploreRule,
  type ContinuousExploreRule,
  type ExploreRule,
  type PbtDistribution,
  type PbtHyperparameters,
  type PbtMetric,
  type PbtSettings,
} from "./pbt-settings.js";
export {
  mixAndMatchDefaults,
  mixAndMatchLocation,
  mixAndMatchSettingsToPlain,
  parseMixAndMatchSettings,
  type MacroAction,
  type MixAndMatchComponent,
  type MixAndMatchSettings,
  type MixAndMatchShared,
} from "./mix-and-match-settings.js";
