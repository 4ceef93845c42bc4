import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { GRID_CAMERA_SIZE, GRID_COLORS, GridAction, gridWorld, GridWorldAgent } from "../../../src/emulator/environments/grid-world.js";
import type { AgentInfoProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { lcg, runPolicy, startAcademy } from "./run-policy.js";

const KEY = "GridWorld?team=0";

/** The agent's cell, read back from the picture (row 0 = z max). */
function agentCellFromImage(info: AgentInfoProto, gridSize: number): { x: number; z: number } {
  const png = PNG.sync.read(info.observations[0]!.compressedData!);
  const n = GRID_CAMERA_SIZE;
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const i = (row * n + col) * 4;
      if (png.data[i] === 0 && png.data[i + 1] === 0 && png.data[i + 2] === 255) {
        return { x: Math.floor((col * gridSize) / n), z: gridSize - 1 - Math.floor((row * gridSize) / n) };
      }
    }
  }
  throw new Error("no agent pixel");
}

describe("gridworld", () => {
  it("sends a PNG camera [3, 36, 36] and a GOAL_SIGNAL one-hot, sorted by name", () => {
    const academy = startAcademy(gridWorld);
    const infos = academy.stepUntilRequest().rlOutput!.agentInfos[KEY]!.value;
    expect(infos).toHaveLength(4);
    for (const info of infos) {
      const [cam, goal] = info.observations;
      expect(cam).toMatchObject({ name: "CameraSensor", shape: [3, 36, 36], compressionType: 1, dimensionProperties: [1, 2, 2], observationType: 0 });
      expect(cam!.compressedChannelMapping).toEqual([]);
      expect(goal).toMatchObject({ name: "VectorSensor", shape: [2], dimensionProperties: [1], observationType: 1 });
      expect(goal!.floatData!.data.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it("the PNG decodes back to the rendered pixels", () => {
    const academy = startAcademy(gridWorld, 4);
    const info = academy.stepUntilRequest().rlOutput!.agentInfos[KEY]!.value[0]!;
    const agent = academy.agents[0]!.logic as GridWorldAgent;
    const n = GRID_CAMERA_SIZE;
    const chw = new Uint8Array(3 * n * n);
    agent.render(chw);
    const png = PNG.sync.read(info.observations[0]!.compressedData!);
    expect([png.width, png.height]).toEqual([n, n]);
    for (let i = 0; i < n * n; i++) {
      expect([png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]]).toEqual([chw[i], chw[n * n + i], chw[2 * n * n + i]]);
    }
    // The picture shows what the agent state says: the agent in blue at (x, z), goals in colour.
    expect(agentCellFromImage(info, agent.gridSize)).toEqual({ x: agent.x, z: agent.z });
    const colours = new Set<string>();
    for (let i = 0; i < n * n; i++) colours.add(`${chw[i]},${chw[n * n + i]},${chw[2 * n * n + i]}`);
    expect(colours).toEqual(new Set(Object.values(GRID_COLORS).map((c) => c.join(","))));
  });

  it("masks moves into walls, and only those", () => {
    const academy = startAcademy(gridWorld, 9);
    const rand = lcg(3);
    let checked = 0;
    let nonEmpty = 0;
    runPolicy(
      academy,
      (info) => {
        // A random allowed move.
        const allowed = [0, 1, 2, 3, 4].filter((a) => !info.actionMask[a]);
        return { discrete: [allowed[Math.floor(rand() * allowed.length)]!] };
      },
      120,
      (info) => {
        if (info.done) return;
        const { x, z } = agentCellFromImage(info, 5);
        const expected = [false, z === 4, z === 0, x === 0, x === 4];
        if (info.actionMask.length === 0) expect(expected.some(Boolean)).toBe(false);
        else {
          nonEmpty++;
          expect(info.actionMask).toEqual(expected);
        }
        checked++;
      },
    );
    expect(checked).toBeGreaterThan(200);
    expect(nonEmpty).toBeGreaterThan(40);
  });

  it("pays +1 for the agent's goal kind, -1 for the other, -0.01 per step", () => {
    const academy = startAcademy(gridWorld, 2);
    const rand = lcg(5);
    const episodes = runPolicy(
      academy,
      (info) => {
        const m = info.actionMask;
        const allowed = [1, 2, 3, 4].filter((a) => !m[a]);
        return { discrete: [allowed[Math.floor(rand() * allowed.length)]!] };
      },
      400,
    );
    expect(episodes.length).toBeGreaterThan(10);
    for (const e of episodes) {
      if (e.interrupted) expect(e.reward).toBeCloseTo(-0.01 * 100, 4);
      else {
        const sign = e.reward > 0 ? 1 : -1;
        // The last step's -0.01 is overwritten by SetReward(±1).
        expect(e.reward).toBeCloseTo(sign - 0.01 * (e.decisions - 1), 4);
      }
    }
    expect(episodes.some((e) => e.reward > 0)).toBe(true);
    expect(episodes.some((e) => !e.interrupted && e.reward < 0)).toBe(true);
  });

  it("reads gridSize at episode begin", () => {
    const academy = startAcademy(gridWorld, 1, { gridSize: 3 });
    const agent = academy.agents[0]!.logic as GridWorldAgent;
    expect(agent.gridSize).toBe(3);
    agent.x = 2;
    agent.z = 2;
    const masked: number[] = [];
    agent.writeActionMask({ setActionEnabled: (_b, a, enabled) => !enabled && masked.push(a) });
    expect(masked.sort()).toEqual([GridAction.UP, GridAction.RIGHT].sort());
  });
});
