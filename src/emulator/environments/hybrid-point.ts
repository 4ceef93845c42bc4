/**
 * `hybrid` — PointClaim: steer a point onto a target with continuous thrust, brake, and claim it.
 * Exercises hybrid action specs (continuous + discrete branches of different sizes).
 *
 * - Behavior "PointClaim", 4 agents per area, a decision every Academy step, MaxStep 200.
 * - Observation: "VectorSensor_size6" [6]: point position (x, y), target position (x, y),
 *   point velocity (x, y). The arena is the square [-1, 1]²; walls stop the point.
 * - Actions: 2 continuous (thrust x, y, clamped to [-1, 1]; acceleration 2·a per second) and two
 *   discrete branches:
 *   branch 0, size 3 — brake: 0 none, 1 light (velocity ×0.8 per step), 2 hard (×0.5);
 *   branch 1, size 2 — claim: 0 no, 1 claim the target.
 * - Reward per step: -0.005, plus 0.1 × (decrease of the distance to the target). A claim within
 *   0.15 of the target: +1 and EndEpisode(); a claim farther away: -0.05.
 * - Episode begin: point and target uniform in [-0.9, 0.9]², point at rest.
 * - Environment parameter "targetRadius" (0.15), read at each episode begin.
 * - Time step 0.1 s per Academy step; light passive damping (×0.98 per step).
 */
import { ActionSpec } from "../../env/behavior-spec.js";
import type { AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer, SceneContext } from "./environment.js";

const DT = 0.1;
const THRUST = 2;
const PASSIVE_DAMPING = 0.98;
const BRAKE_FACTORS = [1, 0.8, 0.5] as const;

const behavior: BehaviorDefinition = {
  name: "PointClaim",
  actionSpec: new ActionSpec(2, [3, 2]),
  sensors: [{ name: "VectorSensor_size6", shape: [6] }],
  decisionPeriod: 1,
  maxStep: 200,
  agentsPerArea: 4,
};

export class PointClaimAgent implements AgentLogic {
  x = 0;
  y = 0;
  vx = 0;
  vy = 0;
  tx = 0;
  ty = 0;
  targetRadius = 0.15;

  constructor(
    private readonly agent: AgentApi,
    private readonly scene: SceneContext,
  ) {}

  onEpisodeBegin(): void {
    const r = this.scene.random;
    this.x = r.range(-0.9, 0.9);
    this.y = r.range(-0.9, 0.9);
    this.tx = r.range(-0.9, 0.9);
    this.ty = r.range(-0.9, 0.9);
    this.vx = this.vy = 0;
    this.targetRadius = this.scene.parameters.getWithDefault("targetRadius", 0.15);
  }

  distance(): number {
    return Math.hypot(this.tx - this.x, this.ty - this.y);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    const o = buffers[0]!;
    o[0] = this.x;
    o[1] = this.y;
    o[2] = this.tx;
    o[3] = this.ty;
    o[4] = this.vx;
    o[5] = this.vy;
  }

  onActionReceived(continuous: Float32Array, discrete: Int32Array): void {
    const before = this.distance();
    const brake = BRAKE_FACTORS[discrete[0]!] ?? 1;
    this.vx = (this.vx + THRUST * clamp(continuous[0]!) * DT) * PASSIVE_DAMPING * brake;
    this.vy = (this.vy + THRUST * clamp(continuous[1]!) * DT) * PASSIVE_DAMPING * brake;
    this.x += this.vx * DT;
    this.y += this.vy * DT;
    if (this.x < -1 || this.x > 1) {
      this.x = Math.max(-1, Math.min(1, this.x));
      this.vx = 0;
    }
    if (this.y < -1 || this.y > 1) {
      this.y = Math.max(-1, Math.min(1, this.y));
      this.vy = 0;
    }
    const after = this.distance();
    this.agent.addReward(-0.005 + 0.1 * (before - after));
    if (discrete[1] === 1) {
      if (after <= this.targetRadius) {
        this.agent.addReward(1);
        this.agent.endEpisode();
      } else {
        this.agent.addReward(-0.05);
      }
    }
  }
}

function clamp(v: number): number {
  return v < -1 ? -1 : v > 1 ? 1 : v;
}

export const hybridPoint: EmulatedEnvironment = {
  name: "hybrid",
  behaviors: [behavior],
  createAgent: (_b, agent, scene) => new PointClaimAgent(agent, scene),
};
