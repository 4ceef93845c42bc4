// Public surface of the environment layer: typed, batched env API over the ML-Agents wire.
export { ActionTuple } from "./action-tuple.js";
export type { BaseEnv } from "./base-env.js";
export {
  ActionSpec,
  DimensionProperty,
  ObservationType,
  observationSize,
  parseBehaviorName,
  type BehaviorSpec,
  type ObservationSpec,
} from "./behavior-spec.js";
export { agentIndex, type DecisionSteps, type TerminalSteps } from "./steps.js";
export {
  EnvError,
  BehaviorSpecError,
  ObservationError,
  PngDecodeError,
  UnitySessionRefusedError,
  ActionShapeError,
  UnknownBehaviorError,
  EnvStateError,
  UnityExecutableNotFoundError,
} from "./errors.js";
export {
  MAX_ACTION_SIZE,
  behaviorSpecFromProto,
  behaviorSpecDifference,
  stepsFromProto,
  emptySteps,
  validateActions,
  actionsToProto,
  type DroppedStep,
  type ParsedSteps,
} from "./rpc-utils.js";
export {
  MAX_OBSERVATION_FLOATS,
  observationKind,
  observationSpecFromProto,
  decodeObservation,
  type ObservationKind,
  type DecodedObservation,
} from "./observation-decoding.js";
export { PNG_SIGNATURE, MAX_DECODED_PIXELS, splitPngs, decodePngObservation, type PngFile } from "./png-decoding.js";
export { UnityEnvironment, type UnityEnvironmentOptions } from "./unity-environment.js";
export {
  BUILTIN_PREFIX,
  executableCandidates,
  resolveExecutable,
  playerArgs,
  playerLogPath,
  launchCommand,
  launchEnvironment,
  describeExit,
  type LaunchOptions,
  type LaunchedEnvironment,
  type ProcessExit,
} from "./launcher.js";
