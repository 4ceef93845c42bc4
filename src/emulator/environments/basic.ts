/**
 * `basic` — Unity's Basic: walk along a line to the better of two goals.
 *
 * - Behavior "Basic", 1 agent per area, a decision every Academy step (DecisionPeriod 1),
 *   MaxStep 100 (Unity's scene has none; the cap keeps a stuck policy's episodes finite).
 * - Observation: "VectorSensor_size20" [20], one-hot of the agent's position 0..19.
 * - Actions: one discrete branch of 3: 0 stay, 1 left (-1), 2 right (+1); positions clamp to 0..19.
 * - Reward: -0.01 every step; reaching the small goal at 7 adds +0.1 and ends the episode, the
 *   large goal at 17 adds +1 and ends it. Start at 10, so the best return is 7·(-0.01) + 1 = 0.93.
 * - No environment parameters, no stats.
 */
import { ActionSpec } from "../../env/behavior-spec.js";
import type { AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer } from "./environment.js";

export const BASIC_SIZE = 20;
export const BASIC_START = 10;
export const BASIC_SMALL_GOAL = 7;
export const BASIC_LARGE_GOAL = 17;

const behavior: BehaviorDefinition = {
  name: "Basic",
  actionSpec: ActionSpec.discrete(3),
  sensors: [{ name: "VectorSensor_size20", shape: [BASIC_SIZE] }],
  decisionPeriod: 1,
  maxStep: 100,
  agentsPerArea: 1,
};

export class BasicAgent implements AgentLogic {
  position = BASIC_START;

  constructor(private readonly agent: AgentApi) {}

  onEpisodeBegin(): void {
    this.position = BASIC_START;
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    buffers[0]![this.position] = 1;
  }

  onActionReceived(_continuous: Float32Array, discrete: Int32Array): void {
    const a = discrete[0]!;
    const direction = a === 1 ? -1 : a === 2 ? 1 : 0;
    this.position = Math.min(BASIC_SIZE - 1, Math.max(0, this.position + direction));
    this.agent.addReward(-0.01);
    if (this.position === BASIC_SMALL_GOAL) {
      this.agent.addReward(0.1);
      this.agent.endEpisode();
    } else if (this.position === BASIC_LARGE_GOAL) {
      this.agent.addReward(1);
      this.agent.endEpisode();
    }
  }
}

export const basic: EmulatedEnvironment = {
  name: "basic",
  behaviors: [behavior],
  createAgent: (_b, agent) => new BasicAgent(agent),
};
