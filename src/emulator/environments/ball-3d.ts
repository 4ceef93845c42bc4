/**
 * `3dball` — Unity's 3DBall: balance a ball on a tilting 5x5x5 cube, as the ML-Agents example
 * project ships it. Each constant names the file and field of Unity-Technologies/ml-agents it
 * comes from (paths under Project/; "prefab" = Assets/ML-Agents/Examples/3DBall/Prefabs/3DBall.prefab,
 * "agent script" = Assets/ML-Agents/Examples/3DBall/Scripts/Ball3DAgent.cs).
 *
 * - Behavior "3DBall", 12 agents per area (Scenes/3DBall.unity: 12 prefab instances), DecisionPeriod 5 with TakeActionsBetweenDecisions
 *   (prefab, DecisionRequester), MaxStep 5000 (prefab, Ball3DAgent.maxStep) Academy steps of 0.02 s.
 * - Observation: one vector sensor "VectorSensor_size8" [8], in order (agent script,
 *   CollectObservations): `transform.rotation.z`, `transform.rotation.x` (quaternion components),
 *   ball position minus platform position (x, y, z), ball Rigidbody velocity (x, y, z).
 * - Actions: 2 continuous, clamped to [-1, 1]; each step `transform.Rotate(axis, 2·a)` in the
 *   platform's own frame, about z (action 0) then x (action 1), while that quaternion component
 *   is within ±0.25 (≈ ±29°).
 * - Reward: SetReward(0.1) on every action step; when the ball falls (more than 2 below the
 *   platform centre, or |x| or |z| beyond 3): SetReward(-1) and EndEpisode().
 * - Episode begin: rotation identity, Rotate about x by U(-10°, 10°), then about z by U(-10°, 10°);
 *   the ball at rest at (U(-1.5, 1.5), 4, U(-1.5, 1.5)) from the platform centre.
 * - Environment parameters, read at each episode begin: "mass" (1; agent script SetBall: Rigidbody
 *   mass, which does not change how a ball rolls), "scale" (1; agent script SetBall: the ball's
 *   localScale, so its radius is 0.5·scale), "gravity" (9.81; read by the Academy of older
 *   releases, UnitySDK/Assets/ML-Agents/Examples/3DBall/Scripts/Ball3DAcademy.cs). 3DBallHard
 *   (Scripts/Ball3DHardAgent.cs) reads the same mass and scale.
 * - Stats: "Environment/Ball Fall Count" (SUM) whenever a ball falls.
 *
 * Physics (an approximation of PhysX, which cannot be reproduced exactly): the platform has no
 * Rigidbody (prefab: Transform, BoxCollider and the agent's components only), so Rotate teleports
 * its collider: the ball keeps its world position and the contact pushes it back out to the top
 * face, or it loses contact when the face turned away from it. On the face it rolls without
 * slipping (solid sphere: 5/7 of the tangential gravity); off it, it falls freely and lands
 * inelastically.
 */
import { ActionSpec } from "../../env/behavior-spec.js";
import { StatsAggregationMethod } from "../../protocol/side-channel/index.js";
import type { AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer, SceneContext } from "./environment.js";
import { Quaternion, type Vec3 } from "./quaternion.js";

/** ProjectSettings/TimeManager.asset "Fixed Timestep"; Scenes/3DBall.unity, Ball3DSettings fixedDeltaTime. */
const DT = 0.02;
/** ProjectSettings/DynamicsManager.asset, m_Gravity.y (negated); Ball3DSettings gravityMultiplier 1. */
const DEFAULT_GRAVITY = 9.81;
/** Prefab, Agent: Transform m_LocalScale {5, 5, 5} × BoxCollider m_Size {1, 1, 1}, halved. */
export const PLATFORM_HALF_SIZE = 2.5;
/** Prefab, Ball: SphereCollider m_Radius 0.5 × Transform m_LocalScale 1. */
export const BALL_RADIUS = 0.5;
/** Prefab, Ball: Rigidbody m_Mass. */
export const BALL_MASS = 1;
/** Prefab, Ball: Rigidbody m_Drag: no air drag. */
export const BALL_DRAG = 0;
/** Prefab, Ball: Rigidbody m_AngularDrag. Rolling couples it to the linear speed. */
export const BALL_ANGULAR_DRAG = 0.01;
/** ProjectSettings/DynamicsManager.asset, m_DefaultContactOffset: farther than this, no contact. */
const CONTACT_OFFSET = 0.01;
/** Solid sphere rolling without slipping: a = g·sin(tilt) · m r² / (m r² + 2/5 m r²). */
const ROLLING_FACTOR = 5 / 7;
/** Angular drag slows ω; rolling shares that with v in the ratio I / (I + m r²) = 2/7. */
const ROLLING_DAMPING = BALL_DRAG + (2 / 7) * BALL_ANGULAR_DRAG;
/** Agent script, OnActionReceived: degrees per unit action, and the quaternion component limit. */
const DEGREES_PER_ACTION = 2;
const ROTATION_LIMIT = 0.25;

const behavior: BehaviorDefinition = {
  name: "3DBall",
  actionSpec: ActionSpec.continuous(2),
  sensors: [{ name: "VectorSensor_size8", shape: [8] }],
  decisionPeriod: 5,
  maxStep: 5000,
  agentsPerArea: 12,
};

const X_AXIS: Vec3 = [1, 0, 0];
const Z_AXIS: Vec3 = [0, 0, 1];

export class Ball3DAgent implements AgentLogic {
  /** The platform's transform.rotation. */
  rotation = Quaternion.IDENTITY;
  /** True while the ball touches the top face. */
  onPlate = false;
  /** Ball position relative to the platform centre and velocity, world axes. */
  x = 0;
  y = 0;
  z = 0;
  vx = 0;
  vy = 0;
  vz = 0;
  radius = BALL_RADIUS;
  mass = BALL_MASS;
  gravity = DEFAULT_GRAVITY;

  constructor(
    private readonly agent: AgentApi,
    private readonly scene: SceneContext,
  ) {}

  onEpisodeBegin(): void {
    const r = this.scene.random;
    this.rotation = Quaternion.IDENTITY.rotateLocal(X_AXIS, r.range(-10, 10)).rotateLocal(Z_AXIS, r.range(-10, 10));
    this.onPlate = false;
    this.x = r.range(-1.5, 1.5);
    this.y = 4;
    this.z = r.range(-1.5, 1.5);
    this.vx = this.vy = this.vz = 0;
    const p = this.scene.parameters;
    this.mass = p.getWithDefault("mass", BALL_MASS);
    this.radius = BALL_RADIUS * p.getWithDefault("scale", 1);
    this.gravity = p.getWithDefault("gravity", DEFAULT_GRAVITY);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    const o = buffers[0]!;
    o[0] = this.rotation.z;
    o[1] = this.rotation.x;
    o[2] = this.x;
    o[3] = this.y;
    o[4] = this.z;
    o[5] = this.vx;
    o[6] = this.vy;
    o[7] = this.vz;
  }

  onActionReceived(continuous: Float32Array): void {
    const actionZ = DEGREES_PER_ACTION * clamp(continuous[0]!, -1, 1);
    const actionX = DEGREES_PER_ACTION * clamp(continuous[1]!, -1, 1);
    const q = this.rotation;
    if ((q.z < ROTATION_LIMIT && actionZ > 0) || (q.z > -ROTATION_LIMIT && actionZ < 0)) this.rotation = this.rotation.rotateLocal(Z_AXIS, actionZ);
    const q2 = this.rotation;
    if ((q2.x < ROTATION_LIMIT && actionX > 0) || (q2.x > -ROTATION_LIMIT && actionX < 0)) this.rotation = this.rotation.rotateLocal(X_AXIS, actionX);
    // Unity runs the agent's FixedUpdate before the physics step; the fall test sees the ball
    // where the previous step left it.
    if (this.y < -2 || Math.abs(this.x) > 3 || Math.abs(this.z) > 3) {
      this.scene.stats.add("Environment/Ball Fall Count", 1, StatsAggregationMethod.SUM);
      this.agent.setReward(-1);
      this.agent.endEpisode();
    } else {
      this.agent.setReward(0.1);
    }
    this.physicsStep();
  }

  /** One FixedUpdate of 0.02 s: the physics step after the agent has turned the platform. */
  physicsStep(): void {
    const rest = PLATFORM_HALF_SIZE + this.radius; // ball centre above the platform centre, along the normal
    if (this.onPlate) {
      const [u, n, w] = this.rotation.toLocal([this.x, this.y, this.z]);
      if (n <= rest + CONTACT_OFFSET) {
        this.roll(u, w, rest);
        return;
      }
      this.onPlate = false; // the face turned away faster than the ball falls
    }
    this.vy -= this.gravity * DT;
    this.x += this.vx * DT;
    this.y += this.vy * DT;
    this.z += this.vz * DT;
    const [u, n, w] = this.rotation.toLocal([this.x, this.y, this.z]);
    if (n <= rest && n > 0 && Math.abs(u) <= PLATFORM_HALF_SIZE && Math.abs(w) <= PLATFORM_HALF_SIZE) {
      // Inelastic landing on the top face: keep the velocity along it, drop the normal part.
      const [du, , dw] = this.rotation.toLocal([this.vx, this.vy, this.vz]);
      this.setFromLocal(u, rest, w, du, dw);
      this.onPlate = true;
    }
  }

  /** One step of rolling on the top face, from plate coordinates (u, w). */
  private roll(u: number, w: number, rest: number): void {
    const [gu, , gw] = this.rotation.toLocal([0, -this.gravity, 0]);
    const [du0, , dw0] = this.rotation.toLocal([this.vx, this.vy, this.vz]);
    const damp = 1 - ROLLING_DAMPING * DT;
    const du = (du0 + ROLLING_FACTOR * gu * DT) * damp;
    const dw = (dw0 + ROLLING_FACTOR * gw * DT) * damp;
    const nu = u + du * DT;
    const nw = w + dw * DT;
    this.setFromLocal(nu, rest, nw, du, dw);
    if (Math.abs(nu) > PLATFORM_HALF_SIZE || Math.abs(nw) > PLATFORM_HALF_SIZE) this.onPlate = false;
  }

  private setFromLocal(u: number, n: number, w: number, du: number, dw: number): void {
    [this.x, this.y, this.z] = this.rotation.toWorld([u, n, w]);
    [this.vx, this.vy, this.vz] = this.rotation.toWorld([du, 0, dw]);
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
