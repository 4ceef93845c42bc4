import { describe, expect, it } from "vitest";
import { Ball3DAgent, ball3d } from "../../../src/emulator/environments/ball-3d.js";
import { decodeSideChannelMessages, parseStatsMessage, StatsAggregationMethod } from "../../../src/protocol/side-channel/index.js";
import { lcg, runPolicy, startAcademy } from "./run-policy.js";

const clamp = (v: number): number => Math.max(-1, Math.min(1, v));

describe("3dball", () => {
  it("matches Unity's 3DBall spec", () => {
    const [b] = ball3d.behaviors;
    expect(b!.name).toBe("3DBall");
    expect(b!.actionSpec.continuousSize).toBe(2);
    expect(b!.actionSpec.discreteSize).toBe(0);
    expect(b!).toMatchObject({ decisionPeriod: 5, maxStep: 5000, agentsPerArea: 12 });
    const academy = startAcademy(ball3d);
    const out = academy.stepUntilRequest();
    const infos = out.rlOutput!.agentInfos["3DBall?team=0"]!.value;
    expect(infos).toHaveLength(12);
    for (const info of infos) {
      expect(info.observations).toHaveLength(1);
      const o = info.observations[0]!;
      expect(o).toMatchObject({ name: "VectorSensor_size8", shape: [8], dimensionProperties: [1], compressionType: 0 });
      const d = o.floatData!.data;
      expect(Math.abs(d[0]!)).toBeLessThan(Math.sin((10 * Math.PI) / 360) + 1e-6); // tilt within ±10°
      expect(d[3]).toBe(4); // the ball starts 4 above the platform, at rest
      expect(Math.abs(d[2]!)).toBeLessThanOrEqual(1.5);
      expect(d.slice(5)).toEqual([0, 0, 0]);
      expect(info.reward).toBe(0);
    }
  });

  it("a random policy drops the ball within a bounded number of decisions, with -1 and a stat", () => {
    const academy = startAcademy(ball3d, 3);
    const rand = lcg(11);
    const stats: number[] = [];
    const episodes = [];
    for (let chunk = 0; chunk < 20; chunk++) {
      episodes.push(...runPolicy(academy, () => ({ continuous: [rand() * 2 - 1, rand() * 2 - 1] }), 50));
      // Stats travel in the side channel of the next request; collect them from the academy's queue.
      for (const m of academy.stats.drain()) {
        const s = parseStatsMessage(m.payload);
        expect(s).toEqual({ key: "Environment/Ball Fall Count", value: 1, method: StatsAggregationMethod.SUM });
        stats.push(s.value);
      }
    }
    expect(episodes.length).toBeGreaterThan(100);
    const mean = episodes.reduce((a, e) => a + e.decisions, 0) / episodes.length;
    expect(mean).toBeGreaterThan(12);
    expect(mean).toBeLessThan(60);
    expect(Math.max(...episodes.map((e) => e.decisions))).toBeLessThan(200);
    expect(episodes.every((e) => !e.interrupted)).toBe(true);
    // 0.1 per decision after the first, then -1 replaces the last step's 0.1. A new episode's first
    // decision may carry 0.1 too: the agent acts (with zeros) between EndEpisode and that decision.
    for (const e of episodes) {
      const extra = e.reward - (0.1 * (e.decisions - 1) - 1);
      expect(Math.min(Math.abs(extra), Math.abs(extra - 0.1))).toBeLessThan(1e-4);
    }
    expect(stats.length).toBeGreaterThan(0);
  });

  it("a PD controller that tilts against the ball keeps it up until MaxStep", () => {
    const academy = startAcademy(ball3d, 5);
    // o: rot z, rot x, ball x, y, z, velocity x, y, z
    const controller = (o: number[]): number[] => [clamp(o[2]! + o[5]! - 10 * o[0]!), clamp(-o[4]! - o[7]! - 10 * o[1]!)];
    const episodes = runPolicy(academy, (info) => ({ continuous: controller(info.observations[0]!.floatData!.data) }), 1001);
    expect(episodes).toHaveLength(12);
    for (const e of episodes) {
      expect(e.interrupted).toBe(true); // MaxStep 5000 = 1000 decisions
      expect(e.decisions).toBe(1000);
    }
  });

  it("reads mass, scale and gravity at episode begin", () => {
    const academy = startAcademy(ball3d, 1, { mass: 3, scale: 2, gravity: 4 });
    const agent = academy.agents[0]!.logic as Ball3DAgent;
    expect(agent.mass).toBe(3);
    expect(agent.radius).toBe(1);
    expect(agent.gravity).toBe(4);
    // A bigger ball rests higher: centre = plate half thickness (0.25) + radius, on a level plate.
    agent.rotX = agent.rotZ = 0;
    agent.x = 0;
    agent.z = 0;
    for (let i = 0; i < 400; i++) agent.physicsStep();
    expect(agent.onPlate).toBe(true);
    expect(agent.y).toBeCloseTo(1.25, 5);
  });

  it("sends the fall stat over the wire side channel", () => {
    const academy = startAcademy(ball3d, 2);
    const seen: string[] = [];
    const key = "3DBall?team=0";
    for (let k = 0; k < 200 && seen.length === 0; k++) {
      const out = academy.stepUntilRequest();
      for (const m of decodeSideChannelMessages(out.rlOutput!.sideChannel)) seen.push(parseStatsMessage(m.payload).key);
      const n = out.rlOutput!.agentInfos[key]!.value.filter((i) => !i.done).length;
      const push = { vectorActionsDeprecated: [], value: 0, continuousActions: [1, 1], discreteActions: [] };
      academy.completeStep({ agentActions: { [key]: { value: Array.from({ length: n }, () => push) } }, command: 0, sideChannel: Buffer.alloc(0) });
    }
    expect(seen).toContain("Environment/Ball Fall Count");
  });
});
