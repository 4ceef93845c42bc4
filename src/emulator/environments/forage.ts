/**
 * `forage` — Forager: walk onto a food disc. Its 54 discrete actions are every combination of four
 * controls (move, rotate, strafe, gait: the branches of Unity's WallJump agent) flattened into one
 * branch, as ML-Agents' gym wrapper does with `flatten_branched`. A large flat action set is where a
 * small set of macro-actions learns faster (Mix & Match's action-space curriculum, README "Mix & Match
 * curricula"); with the four controls as separate branches, SAC's per-branch critic learns about as
 * fast as the macro-actions do.
 *
 * - Behavior "Forager", 8 agents per area, a decision every Academy step, MaxStep 250.
 * - Observation "VectorSensor_size6" [6]: the food in the agent's frame (ahead, to the right; arena
 *   units), the agent's position (x, y) and heading (sin, cos).
 * - Action: one branch of 54; action k = move + 3·rotate + 9·strafe + 27·gait (`forageAction`), with
 *   move: 0 none, 1 forward, 2 backward; rotate: 0 none, 1 left, 2 right (ROTATE_STEP per step);
 *   strafe: 0 none, 1 left, 2 right; gait: 0 walk (WALK_SPEED per step), 1 run (RUN_SPEED).
 *   Forward and strafe add up (a diagonal is faster than either alone, as in WallJump).
 * - Reward per step: -1/MaxStep, plus `shaping` × (decrease of the distance to the food); +1 and
 *   EndEpisode() within FOOD_RADIUS of the food.
 * - Episode begin: agent uniform in [-0.9, 0.9]² with a uniform heading; food uniform in [-0.9, 0.9]²
 *   at least MIN_START_DISTANCE away. Walls at ±1 stop the agent.
 * - Environment parameter "shaping" (0.5), read at each episode begin.
 */
import { ActionSpec } from "../../env/behavior-spec.js";
import type { AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer, SceneContext } from "./environment.js";

const MAX_STEP = 250;
const WALK_SPEED = 0.015;
const RUN_SPEED = 0.05;
const ROTATE_STEP = Math.PI / 18;
const FOOD_RADIUS = 0.15;
const MIN_START_DISTANCE = 0.6;
const DEFAULT_SHAPING = 0.5;

const behavior: BehaviorDefinition = {
  name: "Forager",
  actionSpec: new ActionSpec(0, [54]),
  sensors: [{ name: "VectorSensor_size6", shape: [6] }],
  decisionPeriod: 1,
  maxStep: MAX_STEP,
  agentsPerArea: 8,
};

export interface ForageControls {
  /** 0 none, 1 forward, 2 backward. */
  move: 0 | 1 | 2;
  /** 0 none, 1 left, 2 right. */
  rotate: 0 | 1 | 2;
  /** 0 none, 1 left, 2 right. */
  strafe: 0 | 1 | 2;
  /** 0 walk, 1 run. */
  gait: 0 | 1;
}

/** The action index of a combination of controls (what a config's macro-actions write). */
export function forageAction(c: ForageControls): number {
  return c.move + 3 * c.rotate + 9 * c.strafe + 27 * c.gait;
}

const AXIS_SIGN = [0, 1, -1] as const; // none, forward/left, backward/right

export class ForagerAgent implements AgentLogic {
  x = 0;
  y = 0;
  heading = 0;
  fx = 0;
  fy = 0;
  shaping = DEFAULT_SHAPING;

  constructor(
    private readonly agent: AgentApi,
    private readonly scene: SceneContext,
  ) {}

  onEpisodeBegin(): void {
    const r = this.scene.random;
    this.x = r.range(-0.9, 0.9);
    this.y = r.range(-0.9, 0.9);
    this.heading = r.range(-Math.PI, Math.PI);
    do {
      this.fx = r.range(-0.9, 0.9);
      this.fy = r.range(-0.9, 0.9);
    } while (this.distance() < MIN_START_DISTANCE);
    this.shaping = this.scene.parameters.getWithDefault("shaping", DEFAULT_SHAPING);
  }

  distance(): number {
    return Math.hypot(this.fx - this.x, this.fy - this.y);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    const o = buffers[0]!;
    const dx = this.fx - this.x;
    const dy = this.fy - this.y;
    const c = Math.cos(this.heading);
    const s = Math.sin(this.heading);
    o[0] = dx * c + dy * s; // ahead of the agent
    o[1] = dx * s - dy * c; // to its right
    o[2] = this.x;
    o[3] = this.y;
    o[4] = s;
    o[5] = c;
  }

  onActionReceived(_continuous: Float32Array, discrete: Int32Array): void {
    const k = discrete[0]!;
    const move = k % 3;
    const rotate = Math.floor(k / 3) % 3;
    const strafe = Math.floor(k / 9) % 3;
    const speed = Math.floor(k / 27) === 1 ? RUN_SPEED : WALK_SPEED;
    const before = this.distance();
    this.heading += (AXIS_SIGN[rotate] ?? 0) * ROTATE_STEP;
    const forward = (AXIS_SIGN[move] ?? 0) * speed;
    const left = (AXIS_SIGN[strafe] ?? 0) * speed;
    const c = Math.cos(this.heading);
    const s = Math.sin(this.heading);
    // Left of the heading (c, s) is (-s, c).
    this.x = Math.max(-1, Math.min(1, this.x + forward * c - left * s));
    this.y = Math.max(-1, Math.min(1, this.y + forward * s + left * c));
    this.agent.addReward(-1 / MAX_STEP + this.shaping * (before - this.distance()));
    if (this.distance() <= FOOD_RADIUS) {
      this.agent.addReward(1);
      this.agent.endEpisode();
    }
  }
}

export const forage: EmulatedEnvironment = {
  name: "forage",
  behaviors: [behavior],
  createAgent: (_b, agent, scene) => new ForagerAgent(agent, scene),
};
