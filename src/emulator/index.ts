// Public surface of the emulator layer (the Unity side of the wire).
export { UnityEmulator, UNITY_COMMUNICATION_VERSION, UNITY_PACKAGE_VERSION } from "./client.js";
export type { EmulatorFault, EmulatorResult, EmulatorStopReason, UnityEmulatorOptions } from "./client.js";
export { Academy, type AcademyOptions, type InputOutcome } from "./academy.js";
export { EmulatedAgent } from "./agent.js";
export { EnvironmentParameters } from "./environment-parameters.js";
export { StatsRecorder } from "./stats-recorder.js";
export { compareSensorNames, sortedSensorOrder } from "./sensor-order.js";
export { encodePngObservation } from "./visual-encoding.js";
export { EmulatorError, EmulatorProtocolError, HandshakeError, TrainerUnreachableError, UnknownEnvironmentError } from "./errors.js";
export { BUILTIN_ENVIRONMENTS, getBuiltinEnvironment } from "./environments/registry.js";
export type {
  ActionMasker,
  AgentApi,
  AgentLogic,
  BehaviorDefinition,
  EmulatedEnvironment,
  ObservationBuffer,
  SceneContext,
  SensorDefinition,
} from "./environments/environment.js";
export { emulateCommand, runEmulator, describeResult, exitCodeFor } from "./command.js";
