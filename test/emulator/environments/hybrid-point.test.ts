import { describe, expect, it } from "vitest";
import { hybridPoint, PointClaimAgent } from "../../../src/emulator/environments/hybrid-point.js";
import { runPolicy, startAcademy } from "./run-policy.js";

const KEY = "PointClaim?team=0";

describe("hybrid (PointClaim)", () => {
  it("has 2 continuous actions and discrete branches [3, 2]", () => {
    const [b] = hybridPoint.behaviors;
    expect(b!.actionSpec.continuousSize).toBe(2);
    expect(b!.actionSpec.discreteBranches).toEqual([3, 2]);
    const academy = startAcademy(hybridPoint);
    const out = academy.stepUntilRequest();
    expect(out.rlInitializationOutput!.brainParameters[0]!.actionSpec).toMatchObject({
      numContinuousActions: 2,
      numDiscreteActions: 2,
      discreteBranchSizes: [3, 2],
    });
    const info = out.rlOutput!.agentInfos[KEY]!.value[0]!;
    expect(info.observations[0]).toMatchObject({ name: "VectorSensor_size6", shape: [6] });
  });

  it("applies thrust, brake and claim from one hybrid action", () => {
    const academy = startAcademy(hybridPoint, 3);
    const agent = academy.agents[0]!.logic as PointClaimAgent;
    agent.x = agent.y = 0;
    agent.vx = agent.vy = 0;
    agent.tx = agent.ty = 0.9;
    agent.onActionReceived(new Float32Array([1, -1]), new Int32Array([0, 0]));
    expect(agent.vx).toBeGreaterThan(0);
    expect(agent.vy).toBeLessThan(0);
    const free = Math.abs(agent.vx);
    agent.onActionReceived(new Float32Array([0, 0]), new Int32Array([2, 0])); // hard brake
    expect(Math.abs(agent.vx)).toBeCloseTo(free * 0.98 * 0.5, 6);
  });

  it("a steer-brake-claim controller collects +1 claims; claiming far away costs", () => {
    const academy = startAcademy(hybridPoint, 4);
    const controller = (o: number[]) => {
      const [x, y, tx, ty, vx, vy] = o as [number, number, number, number, number, number];
      const dx = tx - x;
      const dy = ty - y;
      const near = Math.hypot(dx, dy) < 0.1;
      return {
        continuous: [Math.max(-1, Math.min(1, 4 * dx - 2 * vx)), Math.max(-1, Math.min(1, 4 * dy - 2 * vy))],
        discrete: [near ? 2 : 0, near ? 1 : 0],
      };
    };
    const good = runPolicy(academy, (i) => controller(i.observations[0]!.floatData!.data), 400);
    expect(good.length).toBeGreaterThan(8);
    const claimed = good.filter((e) => !e.interrupted);
    expect(claimed.length / good.length).toBeGreaterThan(0.9);
    for (const e of claimed) expect(e.reward).toBeGreaterThan(0.9);

    // With a zero radius every claim misses: -0.05 on top of the -0.005 time cost, no episode ends.
    const rewards: number[] = [];
    const spam = runPolicy(startAcademy(hybridPoint, 4, { targetRadius: 0 }), () => ({ continuous: [0, 0], discrete: [0, 1] }), 50, (i) =>
      rewards.push(i.reward),
    );
    expect(spam).toHaveLength(0);
    const later = rewards.slice(4); // after each agent's first decision
    expect(later).toHaveLength(196);
    for (const r of later) expect(r).toBeCloseTo(-0.055, 6);
  });
});
