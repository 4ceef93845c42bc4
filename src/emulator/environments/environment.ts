// What a built-in environment gives the emulator: its behaviors (the Behavior Parameters, sensors
// and DecisionRequester settings of a Unity scene) and, per agent, the game code of an Agent
// subclass (OnEpisodeBegin, CollectObservations, WriteDiscreteActionMask, OnActionReceived).
import type { ActionSpec, ObservationType } from "../../env/behavior-spec.js";
import type { EnvironmentParameters } from "../environment-parameters.js";
import type { Rng } from "../rng.js";
import type { StatsRecorder } from "../stats-recorder.js";

export interface SensorDefinition {
  /** Sensor name as Unity would report it (the academy sorts sensors by it). */
  readonly name: string;
  /** [N] for a vector sensor, [C, H, W] for a camera. */
  readonly shape: readonly number[];
  /** Default ObservationType.DEFAULT. */
  readonly observationType?: ObservationType;
  /** Rank-3 sensors only: "png" (default, like CameraSensor) or "none" (float data). */
  readonly compression?: "png" | "none";
}

export interface BehaviorDefinition {
  /** Plain behavior name; the wire name is "<name>?team=0". */
  readonly name: string;
  readonly actionSpec: ActionSpec;
  /** In the agent's own order; collectObservations writes buffers in this order. */
  readonly sensors: readonly SensorDefinition[];
  /** DecisionRequester.DecisionPeriod; 1 = a decision every Academy step. */
  readonly decisionPeriod: number;
  /** DecisionRequester.DecisionStep (default 0). */
  readonly decisionStep?: number;
  /** DecisionRequester.TakeActionsBetweenDecisions (default true). */
  readonly takeActionsBetweenDecisions?: boolean;
  /** Agent.MaxStep; 0 = no limit. */
  readonly maxStep: number;
  /** Agents of this behavior per training area (num_areas multiplies the areas). */
  readonly agentsPerArea: number;
  /** When set, the agents of each area form SimpleMultiAgentGroups of this size. */
  readonly groupSize?: number;
}

/** The Agent methods game code calls. */
export interface AgentApi {
  /** Unity's Agent.StepCount: steps since the episode began. */
  readonly stepCount: number;
  readonly groupId: number;
  setReward(reward: number): void;
  addReward(reward: number): void;
  addGroupReward(reward: number): void;
  /** Ends the episode (terminal info with max_step_reached = false) and starts a new one at once. */
  endEpisode(): void;
  /** Ends the episode as interrupted (max_step_reached = true). */
  episodeInterrupted(): void;
}

/** Scene-wide services (Academy.Instance in Unity). */
export interface SceneContext {
  readonly random: Rng;
  readonly parameters: EnvironmentParameters;
  readonly stats: StatsRecorder;
}

/** Float32Array for rank-1 sensors; Uint8Array of CHW pixels (0-255, row 0 = top) for rank-3 sensors. */
export type ObservationBuffer = Float32Array | Uint8Array;

export interface ActionMasker {
  /** Unity's IDiscreteActionMask.SetActionEnabled. */
  setActionEnabled(branch: number, action: number, enabled: boolean): void;
}

export interface AgentLogic {
  onEpisodeBegin(): void;
  /** Fills every buffer (one per sensor, definition order). Buffers are zeroed before the call. */
  collectObservations(buffers: readonly ObservationBuffer[]): void;
  writeActionMask?(masker: ActionMasker): void;
  /** Arrays are reused between calls; copy them if you keep them. */
  onActionReceived(continuous: Float32Array, discrete: Int32Array): void;
}

export interface EmulatedEnvironment {
  /** Registry name, e.g. "3dball". */
  readonly name: string;
  readonly behaviors: readonly BehaviorDefinition[];
  createAgent(behavior: BehaviorDefinition, agent: AgentApi, scene: SceneContext, areaIndex: number): AgentLogic;
}
