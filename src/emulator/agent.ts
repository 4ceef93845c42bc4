// One emulated Unity Agent: the bookkeeping of com.unity.ml-agents' Agent.cs around the game code
// (rewards since the last info, step counter, decision/action requests, stored actions, the lazily
// created action mask) and the AgentInfoProto it sends.
import type { AgentInfoProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import type { ObservationProto } from "../protocol/generated/mlagents_envs/communicator_objects/observation.js";
import { CompressionTypeProto } from "../protocol/generated/mlagents_envs/communicator_objects/observation.js";
import type { ActionMasker, AgentApi, AgentLogic, BehaviorDefinition, ObservationBuffer } from "./environments/environment.js";
import { sortedSensorOrder } from "./sensor-order.js";
import { encodePngObservation, pixelsToFloats } from "./visual-encoding.js";

/** Where an agent hands its infos (the communicator's PutObservations). */
export type InfoSink = (agent: EmulatedAgent, info: AgentInfoProto) => void;

// Unity's DimensionProperty values per rank (docs/protocol.md §3.1).
const VECTOR_DIMS = [1];
const VISUAL_DIMS = [1, 2, 2];

export class EmulatedAgent implements AgentApi, ActionMasker {
  stepCount = 0;
  requestDecision = false;
  requestAction = false;
  completedEpisodes = 0;
  readonly continuous: Float32Array;
  readonly discrete: Int32Array;
  logic!: AgentLogic;

  private reward = 0;
  private groupReward = 0;
  /** Unity's m_Info.done: a second end before the next decision is ignored, as in NotifyAgentDone. */
  private infoDone = false;
  /** Created at the first masking call, then sent with every info (docs/protocol.md §3.6). */
  private mask: boolean[] | null = null;
  private readonly branchOffsets: number[];
  private readonly buffers: ObservationBuffer[];
  private readonly order: number[];

  constructor(
    readonly id: number,
    readonly behavior: BehaviorDefinition,
    readonly fullName: string,
    readonly groupId: number,
    private readonly sink: InfoSink,
  ) {
    this.continuous = new Float32Array(behavior.actionSpec.continuousSize);
    this.discrete = new Int32Array(behavior.actionSpec.discreteSize);
    this.branchOffsets = [];
    let offset = 0;
    for (const size of behavior.actionSpec.discreteBranches) {
      this.branchOffsets.push(offset);
      offset += size;
    }
    this.buffers = behavior.sensors.map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return s.shape.length === 3 ? new Uint8Array(n) : new Float32Array(n);
    });
    this.order = sortedSensorOrder(behavior.sensors.map((s) => s.name));
  }

  // --- AgentApi (called by game code) ---

  // Rewards are C# floats in Unity.
  setReward(reward: number): void {
    this.reward = Math.fround(reward);
  }

  addReward(reward: number): void {
    this.reward = Math.fround(this.reward + reward);
  }

  addGroupReward(reward: number): void {
    this.groupReward = Math.fround(this.groupReward + reward);
  }

  endEpisode(): void {
    this.endAndReset(false);
  }

  episodeInterrupted(): void {
    this.endAndReset(true);
  }

  // --- ActionMasker ---

  setActionEnabled(branch: number, action: number, enabled: boolean): void {
    const sizes = this.behavior.actionSpec.discreteBranches;
    if (branch < 0 || branch >= sizes.length || action < 0 || action >= sizes[branch]!) {
      throw new RangeError(`agent ${this.id} masked action ${action} of branch ${branch}, outside branches [${sizes.join(", ")}]`);
    }
    if (this.mask === null) {
      if (enabled) return;
      this.mask = new Array<boolean>(this.behavior.actionSpec.discreteTotal).fill(false);
    }
    this.mask[this.branchOffsets[branch]! + action] = !enabled;
  }

  // --- Academy-driven lifecycle ---

  /** DecisionRequester pre-step. */
  makeRequests(academyStepCount: number): void {
    const b = this.behavior;
    if (academyStepCount % b.decisionPeriod === (b.decisionStep ?? 0)) {
      this.requestDecision = true;
      this.requestAction = true;
    }
    if (b.takeActionsBetweenDecisions ?? true) this.requestAction = true;
  }

  /** Send-state phase: a decision request queues a non-terminal info. */
  sendInfo(): void {
    if (!this.requestDecision) return;
    if (this.mask !== null) this.mask.fill(false);
    this.logic.writeActionMask?.(this);
    this.infoDone = false;
    this.sink(this, this.buildInfo(false, false));
    this.reward = 0;
    this.groupReward = 0;
    this.requestDecision = false;
  }

  /** Act phase: apply the stored action, then end the episode at MaxStep. */
  act(): void {
    if (this.requestAction) {
      this.requestAction = false;
      this.logic.onActionReceived(this.continuous, this.discrete);
    }
    const maxStep = this.behavior.maxStep;
    if (maxStep > 0 && this.stepCount >= maxStep) this.endAndReset(true);
  }

  /** RESET from the trainer: a new episode without a terminal info. */
  forceReset(): void {
    // Unity keeps the pending reward here; zeroing it keeps the first post-reset info clean (the
    // trainer discards partial trajectories on reset either way).
    this.reward = 0;
    this.groupReward = 0;
    this.beginEpisode();
  }

  private endAndReset(maxStepReached: boolean): void {
    if (!this.infoDone) {
      this.infoDone = true;
      this.sink(this, this.buildInfo(true, maxStepReached));
      this.completedEpisodes++;
    }
    this.reward = 0;
    this.groupReward = 0;
    this.requestAction = false;
    this.requestDecision = false;
    this.beginEpisode();
  }

  private beginEpisode(): void {
    this.continuous.fill(0);
    this.discrete.fill(0);
    this.stepCount = 0;
    this.logic.onEpisodeBegin();
  }

  private buildInfo(done: boolean, maxStepReached: boolean): AgentInfoProto {
    for (const b of this.buffers) b.fill(0);
    this.logic.collectObservations(this.buffers);
    const observations: ObservationProto[] = this.order.map((i) => this.observation(i));
    return {
      reward: this.reward,
      done,
      maxStepReached,
      id: this.id,
      actionMask: this.mask === null ? [] : [...this.mask],
      observations,
      groupId: this.groupId,
      groupReward: this.groupReward,
    };
  }

  private observation(index: number): ObservationProto {
    const sensor = this.behavior.sensors[index]!;
    const buffer = this.buffers[index]!;
    const base = {
      shape: [...sensor.shape],
      compressedChannelMapping: [] as number[],
      observationType: sensor.observationType ?? 0,
      name: sensor.name,
    };
    if (sensor.shape.length !== 3) {
      return {
        ...base,
        compressionType: CompressionTypeProto.NONE,
        floatData: { data: Array.from(buffer) },
        dimensionProperties: [...VECTOR_DIMS],
      };
    }
    if (sensor.compression === "none") {
      return {
        ...base,
        compressionType: CompressionTypeProto.NONE,
        floatData: { data: pixelsToFloats(buffer as Uint8Array) },
        dimensionProperties: [...VISUAL_DIMS],
      };
    }
    const [c, h, w] = sensor.shape as [number, number, number];
    const png = encodePngObservation(buffer as Uint8Array, c, h, w);
    return {
      ...base,
      compressionType: CompressionTypeProto.PNG,
      compressedData: png.data,
      compressedChannelMapping: png.channelMapping,
      dimensionProperties: [...VISUAL_DIMS],
    };
  }
}
