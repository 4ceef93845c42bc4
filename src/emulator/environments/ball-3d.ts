/**
 * `3dball` — Unity's 3DBall: balance a ball on a tilting platform.
 *
 * - Behavior "3DBall", 12 agents per area, DecisionPeriod 5 (actions repeated between decisions),
 *   MaxStep 5000 (Academy steps of 0.02 s).
 * - Observation: one vector sensor "VectorSensor_size8" [8], in order: platform rotation z and
 *   rotation x (quaternion components, like `transform.rotation.z/.x`), ball position relative to the
 *   platform (x, y, z), ball velocity (x, y, z).
 * - Actions: 2 continuous, clamped to [-1, 1]; each step the platform turns by 2°·a about z
 *   (action 0) and x (action 1) while its quaternion component stays within ±0.25 (≈ ±29°).
 * - Reward: SetReward(0.1) on every action step (so each decision reports 0.1); when the ball falls
 *   (more than 2 below the platform, or |x| or |z| beyond 3): SetReward(-1) and EndEpisode().
 * - Episode begin (Ball3DAgent.OnEpisodeBegin): platform tilted by U(-10°, 10°) about x and z, the
 *   ball at rest at (U(-1.5, 1.5), 4, U(-1.5, 1.5)) above the platform centre.
 * - Environment parameters, read at each episode begin: "mass" (1; like a rigid sphere rolling
 *   without drag it does not change the motion), "scale" (1; ball diameter), "gravity" (9.81).
 * - Stats: "Environment/Ball Fall Count" (SUM) whenever a ball falls.
 *
 * Physics: a solid sphere rolling without slipping on the plate accelerates at 5/7·g·sin(tilt) along
 * each plate axis; off the plate (or in the air) it falls freely and lands inelastically.
 */
import { ActionSpec } from "../../env/behavior-spec.js";
import { StatsAggregationMethod } from "../../protocol/side-channel/index.js";
import type { AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer, SceneContext } from "./environment.js";

const DT = 0.02;
const DEG = Math.PI / 180;
const PLATE_HALF_SIZE = 2.5;
const PLATE_HALF_THICKNESS = 0.25;
const ROLLING_FACTOR = 5 / 7;
const ROLLING_DAMPING = 0.5; // per second: a little rolling resistance

const behavior: BehaviorDefinition = {
  name: "3DBall",
  actionSpec: ActionSpec.continuous(2),
  sensors: [{ name: "VectorSensor_size8", shape: [8] }],
  decisionPeriod: 5,
  maxStep: 5000,
  agentsPerArea: 12,
};

export class Ball3DAgent implements AgentLogic {
  // Platform tilt in degrees about z and x.
  rotZ = 0;
  rotX = 0;
  // Ball state in the platform frame while rolling (u along plate x, w along plate z) ...
  onPlate = false;
  u = 0;
  w = 0;
  du = 0;
  dw = 0;
  // ... and in the world frame (relative to the platform centre) while airborne.
  x = 0;
  y = 0;
  z = 0;
  vx = 0;
  vy = 0;
  vz = 0;
  radius = 0.5;
  mass = 1;
  gravity = 9.81;

  constructor(
    private readonly agent: AgentApi,
    private readonly scene: SceneContext,
  ) {}

  onEpisodeBegin(): void {
    const r = this.scene.random;
    this.rotX = r.range(-10, 10);
    this.rotZ = r.range(-10, 10);
    this.onPlate = false;
    this.x = r.range(-1.5, 1.5);
    this.y = 4;
    this.z = r.range(-1.5, 1.5);
    this.vx = this.vy = this.vz = 0;
    const p = this.scene.parameters;
    this.mass = p.getWithDefault("mass", 1);
    this.radius = 0.5 * p.getWithDefault("scale", 1);
    this.gravity = p.getWithDefault("gravity", 9.81);
  }

  /** transform.rotation.z and .x of the platform. */
  quaternionZ(): number {
    return Math.sin((this.rotZ * DEG) / 2) * Math.cos((this.rotX * DEG) / 2);
  }

  quaternionX(): number {
    return Math.sin((this.rotX * DEG) / 2) * Math.cos((this.rotZ * DEG) / 2);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    const o = buffers[0]!;
    o[0] = this.quaternionZ();
    o[1] = this.quaternionX();
    o[2] = this.x;
    o[3] = this.y;
    o[4] = this.z;
    o[5] = this.vx;
    o[6] = this.vy;
    o[7] = this.vz;
  }

  onActionReceived(continuous: Float32Array): void {
    const actionZ = 2 * clamp(continuous[0]!, -1, 1);
    const actionX = 2 * clamp(continuous[1]!, -1, 1);
    const qz = this.quaternionZ();
    if ((qz < 0.25 && actionZ > 0) || (qz > -0.25 && actionZ < 0)) this.rotZ += actionZ;
    const qx = this.quaternionX();
    if ((qx < 0.25 && actionX > 0) || (qx > -0.25 && actionX < 0)) this.rotX += actionX;
    this.physicsStep();
    if (this.y < -2 || Math.abs(this.x) > 3 || Math.abs(this.z) > 3) {
      this.scene.stats.add("Environment/Ball Fall Count", 1, StatsAggregationMethod.SUM);
      this.agent.setReward(-1);
      this.agent.endEpisode();
    } else {
      this.agent.setReward(0.1);
    }
  }

  /** One FixedUpdate of 0.02 s. */
  physicsStep(): void {
    const sz = Math.sin(this.rotZ * DEG);
    const cz = Math.cos(this.rotZ * DEG);
    const sx = Math.sin(this.rotX * DEG);
    const cx = Math.cos(this.rotX * DEG);
    const h = PLATE_HALF_THICKNESS + this.radius;
    if (this.onPlate) {
      const damp = 1 - ROLLING_DAMPING * DT;
      this.du = (this.du - ROLLING_FACTOR * this.gravity * sz * DT) * damp;
      this.dw = (this.dw + ROLLING_FACTOR * this.gravity * sx * DT) * damp;
      this.u += this.du * DT;
      this.w += this.dw * DT;
      const px = this.x;
      const py = this.y;
      const pz = this.z;
      // Plate frame -> world: rotate about z, then about x.
      const x1 = this.u * cz - h * sz;
      const y1 = this.u * sz + h * cz;
      this.x = x1;
      this.y = y1 * cx - this.w * sx;
      this.z = y1 * sx + this.w * cx;
      this.vx = (this.x - px) / DT;
      this.vy = (this.y - py) / DT;
      this.vz = (this.z - pz) / DT;
      if (Math.abs(this.u) > PLATE_HALF_SIZE || Math.abs(this.w) > PLATE_HALF_SIZE) this.onPlate = false;
      return;
    }
    this.vy -= this.gravity * DT;
    this.x += this.vx * DT;
    this.y += this.vy * DT;
    this.z += this.vz * DT;
    // World -> plate frame (inverse rotations): land when the ball touches the top face.
    const y1 = this.y * cx + this.z * sx;
    const w = -this.y * sx + this.z * cx;
    const u = this.x * cz + y1 * sz;
    const n = -this.x * sz + y1 * cz;
    if (n <= h && n > 0 && Math.abs(u) <= PLATE_HALF_SIZE && Math.abs(w) <= PLATE_HALF_SIZE) {
      this.onPlate = true;
      this.u = u;
      this.w = w;
      // Inelastic landing: keep the velocity along the plate, drop the normal part.
      const vy1 = this.vy * cx + this.vz * sx;
      this.dw = -this.vy * sx + this.vz * cx;
      this.du = this.vx * cz + vy1 * sz;
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export const ball3d: EmulatedEnvironment = {
  name: "3dball",
  behaviors: [behavior],
  createAgent: (_b, agent: AgentApi, scene: SceneContext) => new Ball3DAgent(agent, scene),
};
