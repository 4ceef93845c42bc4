import { describe, expect, it } from "vitest";
import { basic, BASIC_START } from "../../../src/emulator/environments/basic.js";
import { runPolicy, startAcademy } from "./run-policy.js";

const position = (data: number[]): number => data.indexOf(1);

describe("basic", () => {
  it("matches ML-Agents Basic: one-hot of 20, one branch of 3, a decision every step", () => {
    const [b] = basic.behaviors;
    expect(b!.name).toBe("Basic");
    expect(b!.actionSpec.discreteBranches).toEqual([3]);
    expect(b!.actionSpec.continuousSize).toBe(0);
    expect(b!.decisionPeriod).toBe(1);
    const info = startAcademy(basic).stepUntilRequest().rlOutput!.agentInfos["Basic?team=0"]!.value[0]!;
    const o = info.observations[0]!;
    expect(o).toMatchObject({ name: "VectorSensor_size20", shape: [20], dimensionProperties: [1] });
    expect(o.floatData!.data.reduce((a, b) => a + b, 0)).toBe(1);
    expect(position(o.floatData!.data)).toBe(BASIC_START);
    expect(info.actionMask).toEqual([]);
  });

  it("the optimal policy (always right) earns 0.93 in 7 decisions", () => {
    const episodes = runPolicy(startAcademy(basic), () => ({ discrete: [2] }), 40);
    expect(episodes.length).toBeGreaterThanOrEqual(4);
    for (const e of episodes) {
      expect(e.reward).toBeCloseTo(0.93, 5);
      expect(e.decisions).toBe(7);
      expect(e.interrupted).toBe(false);
    }
  });

  it("the small goal pays 0.1 minus the steps; staying hits MaxStep", () => {
    const left = runPolicy(startAcademy(basic), () => ({ discrete: [1] }), 20);
    for (const e of left) expect(e.reward).toBeCloseTo(0.07, 5);
    const stay = runPolicy(startAcademy(basic), () => ({ discrete: [0] }), 101);
    expect(stay).toHaveLength(1);
    expect(stay[0]!.interrupted).toBe(true);
    expect(stay[0]!.reward).toBeCloseTo(-1, 4);
  });

  it("moves one cell per action and clamps at the ends", () => {
    const positions: number[] = [];
    runPolicy(startAcademy(basic), () => ({ discrete: [1] }), 3, (i) => positions.push(position(i.observations[0]!.floatData!.data)));
    expect(positions).toEqual([10, 9, 8]);
  });
});
