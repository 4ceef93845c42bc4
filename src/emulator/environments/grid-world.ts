/**
 * `gridworld` — Unity's GridWorld (visual observations, a goal signal and action masks).
 *
 * - Behavior "GridWorld", 4 agents per area, each on its own grid; a decision every Academy step
 *   (DecisionPeriod 1), MaxStep 100.
 * - Observations, in the sorted order the trainer sees:
 *   0. "CameraSensor" [3, 36, 36] (C, H, W), PNG, dimension properties [1, 2, 2]: a top view of
 *      the grid, row 0 = the far edge (z = max), columns = x. Floor light grey (200, 200, 200),
 *      "+" goals green (0, 200, 0), "x" goals red (220, 0, 0), the agent blue (0, 0, 255) on top.
 *      36 pixels suit both the "simple" (>= 20) and "nature_cnn" (>= 36) encoders.
 *   1. "VectorSensor" [2], ObservationType GOAL_SIGNAL: one-hot of the agent's goal kind
 *      (index 0 = "+", 1 = "x").
 * - Actions: one branch of 5: 0 stay, 1 up (+z), 2 down (-z), 3 left (-x), 4 right (+x). Moves into
 *   a wall are masked (left at x = 0, right at x = max, down at z = 0, up at z = max).
 * - Reward: -0.01 per step; stepping onto a goal sets the reward to +1 (the agent's kind) or -1
 *   (the other kind) and ends the episode.
 * - Episode begin: the goals, then the agent, on distinct random cells; then the goal kind.
 * - Environment parameters, read at each episode begin: "gridSize" (5), "numPlusGoals" (1),
 *   "numExGoals" (1). The camera keeps its resolution whatever the grid size.
 */
import { ActionSpec, ObservationType } from "../../env/behavior-spec.js";
import type { ActionMasker, AgentApi, AgentLogic, BehaviorDefinition, EmulatedEnvironment, ObservationBuffer, SceneContext } from "./environment.js";

export const GRID_CAMERA_SIZE = 36;
export const GRID_COLORS = {
  floor: [200, 200, 200],
  plus: [0, 200, 0],
  ex: [220, 0, 0],
  agent: [0, 0, 255],
} as const;

export const GridAction = { STAY: 0, UP: 1, DOWN: 2, LEFT: 3, RIGHT: 4 } as const;

const behavior: BehaviorDefinition = {
  name: "GridWorld",
  actionSpec: ActionSpec.discrete(5),
  sensors: [
    { name: "CameraSensor", shape: [3, GRID_CAMERA_SIZE, GRID_CAMERA_SIZE], compression: "png" },
    { name: "VectorSensor", shape: [2], observationType: ObservationType.GOAL_SIGNAL },
  ],
  decisionPeriod: 1,
  maxStep: 100,
  agentsPerArea: 4,
};

/** Cell contents. */
const PLUS = 1;
const EX = 2;

export class GridWorldAgent implements AgentLogic {
  gridSize = 5;
  /** cells[z * gridSize + x] */
  cells = new Uint8Array(25);
  x = 0;
  z = 0;
  /** 0 = "+", 1 = "x". */
  goalKind = 0;

  constructor(
    private readonly agent: AgentApi,
    private readonly scene: SceneContext,
  ) {}

  onEpisodeBegin(): void {
    const p = this.scene.parameters;
    const r = this.scene.random;
    const size = Math.max(2, Math.round(p.getWithDefault("gridSize", 5)));
    const free = size * size - 1; // keep one cell for the agent
    const numPlus = clampInt(p.getWithDefault("numPlusGoals", 1), 0, free);
    const numEx = clampInt(p.getWithDefault("numExGoals", 1), 0, free - numPlus);
    this.gridSize = size;
    this.cells = new Uint8Array(size * size);
    // Distinct cells: a partial Fisher-Yates shuffle of the cell indices.
    const order = Array.from({ length: size * size }, (_, i) => i);
    const take = numPlus + numEx + 1;
    for (let i = 0; i < take; i++) {
      const j = i + r.int(order.length - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let i = 0; i < numPlus; i++) this.cells[order[i]!] = PLUS;
    for (let i = numPlus; i < numPlus + numEx; i++) this.cells[order[i]!] = EX;
    const agentCell = order[take - 1]!;
    this.x = agentCell % size;
    this.z = Math.floor(agentCell / size);
    this.goalKind = r.int(2);
  }

  collectObservations(buffers: readonly ObservationBuffer[]): void {
    this.render(buffers[0] as Uint8Array);
    buffers[1]![this.goalKind] = 1;
  }

  /** Top view into CHW pixels: row 0 is z = max, column 0 is x = 0. */
  render(pixels: Uint8Array): void {
    const n = GRID_CAMERA_SIZE;
    const plane = n * n;
    const g = this.gridSize;
    for (let row = 0; row < n; row++) {
      const cz = g - 1 - Math.floor((row * g) / n);
      for (let col = 0; col < n; col++) {
        const cx = Math.floor((col * g) / n);
        let color: readonly number[] = GRID_COLORS.floor;
        if (cx === this.x && cz === this.z) color = GRID_COLORS.agent;
        else {
          const cell = this.cells[cz * g + cx];
          if (cell === PLUS) color = GRID_COLORS.plus;
          else if (cell === EX) color = GRID_COLORS.ex;
        }
        const i = row * n + col;
        pixels[i] = color[0]!;
        pixels[plane + i] = color[1]!;
        pixels[2 * plane + i] = color[2]!;
      }
    }
  }

  writeActionMask(masker: ActionMasker): void {
    const max = this.gridSize - 1;
    if (this.x === 0) masker.setActionEnabled(0, GridAction.LEFT, false);
    if (this.x === max) masker.setActionEnabled(0, GridAction.RIGHT, false);
    if (this.z === 0) masker.setActionEnabled(0, GridAction.DOWN, false);
    if (this.z === max) masker.setActionEnabled(0, GridAction.UP, false);
  }

  onActionReceived(_continuous: Float32Array, discrete: Int32Array): void {
    this.agent.addReward(-0.01);
    const max = this.gridSize - 1;
    switch (discrete[0]) {
      case GridAction.UP:
        if (this.z < max) this.z++;
        break;
      case GridAction.DOWN:
        if (this.z > 0) this.z--;
        break;
      case GridAction.LEFT:
        if (this.x > 0) this.x--;
        break;
      case GridAction.RIGHT:
        if (this.x < max) this.x++;
        break;
    }
    const cell = this.cells[this.z * this.gridSize + this.x];
    if (cell === PLUS || cell === EX) {
      const kind = cell === PLUS ? 0 : 1;
      this.agent.setReward(kind === this.goalKind ? 1 : -1);
      this.agent.endEpisode();
    }
  }
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

export const gridWorld: EmulatedEnvironment = {
  name: "gridworld",
  behaviors: [behavior],
  createAgent: (_b, agent, scene) => new GridWorldAgent(agent, scene),
};
