// A configurable test scene: each agent observes [its last continuous action, its episode step,
// episodes begun, a parameter value] and can end its episode on a given step or mask on demand.
import { ActionSpec } from "../../src/env/behavior-spec.js";
import type {
  ActionMasker,
  AgentApi,
  AgentLogic,
  BehaviorDefinition,
  EmulatedEnvironment,
  ObservationBuffer,
  SceneContext,
} from "../../src/emulator/environments/environment.js";

export interface ProbeOptions {
  agents?: number;
  decisionPeriod?: number;
  maxStep?: number;
  /** The agent calls EndEpisode() after this many actions in an episode (0 = never). */
  endAfterActions?: number;
  /** Reward added on every action. */
  rewardPerAction?: number;
  /** Mask action 1 of branch 0 when the agent's episode step is >= this (Infinity = never). */
  maskFromStep?: number;
  groupSize?: number;
  sensors?: BehaviorDefinition["sensors"];
  name?: string;
}

export class ProbeAgent implements AgentLogic {
  lastAction = 0;
  lastDiscrete = 0;
  actions = 0;
  episodesBegun = 0;
  actionsThisEpisode = 0;
  param = 0;
  actionLog: number[] = [];

  constructor(
    readonly api: AgentApi,
    private readonly scene: SceneContext,
    private readonly opts: ProbeOptions,
  ) {}

  onEpisodeBegin(): void {
    this.episodesBegun++;
    this.actionsThisEpisode = 0;
    this.param = this.scene.parameters.getWithDefault("probe", -1);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    const o = buffers[0]!;
    o[0] = this.lastAction;
    o[1] = this.api.stepCount;
    o[2] = this.episodesBegun;
    o[3] = this.param;
  }

  writeActionMask(masker: ActionMasker): void {
    if (this.api.stepCount >= (this.opts.maskFromStep ?? Infinity)) masker.setActionEnabled(0, 1, false);
  }

  onActionReceived(continuous: Float32Array, discrete: Int32Array): void {
    this.lastAction = continuous[0]!;
    this.lastDiscrete = discrete[0]!;
    this.actionLog.push(continuous[0]!);
    this.actions++;
    this.actionsThisEpisode++;
    this.api.addReward(this.opts.rewardPerAction ?? 0);
    if (this.opts.endAfterActions && this.actionsThisEpisode >= this.opts.endAfterActions) this.api.endEpisode();
  }
}

export function probeEnvironment(opts: ProbeOptions = {}): EmulatedEnvironment & { created: ProbeAgent[] } {
  const created: ProbeAgent[] = [];
  const behavior: BehaviorDefinition = {
    name: opts.name ?? "Probe",
    actionSpec: new ActionSpec(1, [2]),
    sensors: opts.sensors ?? [{ name: "VectorSensor_size4", shape: [4] }],
    decisionPeriod: opts.decisionPeriod ?? 1,
    maxStep: opts.maxStep ?? 0,
    agentsPerArea: opts.agents ?? 2,
    groupSize: opts.groupSize,
  };
  return {
    name: "probe",
    behaviors: [behavior],
    created,
    createAgent: (_b, api, scene) => {
      const a = new ProbeAgent(api, scene, opts);
      created.push(a);
      return a;
    },
  };
}
