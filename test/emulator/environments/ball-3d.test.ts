import { describe, expect, it } from "vitest";
import { Ball3DAgent, ball3d } from "../../../src/emulator/environments/ball-3d.js";
import { Quaternion } from "../../../src/emulator/environments/quaternion.js";
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
  });

  it("the ball rests on the top face of the 5x5x5 cube: 2.5 + radius above its centre", () => {
    for (const [scale, rest] of [
      [1, 3],
      [2, 3.5],
    ] as const) {
      const academy = startAcademy(ball3d, 1, { scale });
      const agent = academy.agents[0]!.logic as Ball3DAgent;
      agent.rotation = Quaternion.IDENTITY;
      agent.x = 0.3;
      agent.y = 4.5;
      agent.z = -0.7;
      for (let i = 0; i < 200; i++) agent.physicsStep();
      expect(agent.onPlate).toBe(true);
      expect(agent.y).toBeCloseTo(rest, 6);
      expect([agent.x, agent.z, agent.vx, agent.vy, agent.vz]).toEqual([0.3, -0.7, 0, 0, 0].map((v) => expect.closeTo(v, 9)));
    }
  });

  it("rolls down a fixed tilt at 5/7 g sin(tilt), less the angular drag's share", () => {
    const academy = startAcademy(ball3d, 1);
    const agent = academy.agents[0]!.logic as Ball3DAgent;
    const tilt = 8; // degrees about z: the +x side goes up, so the ball rolls towards -x
    agent.rotation = Quaternion.angleAxis([0, 0, 1], tilt);
    const t = (tilt * Math.PI) / 180;
    // Start on the face at its centre, at rest.
    [agent.x, agent.y, agent.z] = [-3 * Math.sin(t), 3 * Math.cos(t), 0];
    agent.vx = agent.vy = agent.vz = 0;
    agent.onPlate = true;
    const steps = 40;
    for (let i = 0; i < steps; i++) agent.physicsStep();
    // Independent: a = 5/7 g sin(t) along the face, v_k = a dt sum (1 - c dt)^j, semi-implicit Euler.
    const dt = 0.02;
    const damp = 1 - (2 / 7) * 0.01 * dt;
    let v = 0;
    let s = 0;
    for (let i = 0; i < steps; i++) {
      v = (v + (5 / 7) * 9.81 * Math.sin(t) * dt) * damp;
      s += v * dt;
    }
    const speed = Math.hypot(agent.vx, agent.vy, agent.vz);
    expect(speed).toBeCloseTo(v, 9);
    expect(agent.vx).toBeLessThan(0);
    // Still on the face: distance from the centre along the normal stays 3.
    const [u, n, w] = agent.rotation.toLocal([agent.x, agent.y, agent.z]);
    expect([u, n, w]).toEqual([-s, 3, 0].map((x) => expect.closeTo(x, 9)));
  });

  it("turning the platform does not carry the ball: it keeps its world position on the face", () => {
    const academy = startAcademy(ball3d, 1);
    const agent = academy.agents[0]!.logic as Ball3DAgent;
    agent.rotation = Quaternion.IDENTITY;
    [agent.x, agent.y, agent.z] = [0, 3, 0];
    agent.vx = agent.vy = agent.vz = 0;
    agent.onPlate = true;
    // Tilt about z by +2° (action 1): the top face moves towards -x under the ball.
    agent.onActionReceived(Float32Array.of(1, 0));
    expect(agent.rotation.z).toBeCloseTo(Math.sin(Math.PI / 180), 12);
    expect(agent.onPlate).toBe(true);
    // The ball is pushed out along the new normal, not swept along with the face (2° at radius 3 would be 0.105).
    expect(Math.abs(agent.x)).toBeLessThan(0.01);
    const [u, n] = agent.rotation.toLocal([agent.x, agent.y, agent.z]);
    expect(n).toBeCloseTo(3, 9);
    expect(u).toBeCloseTo(3 * Math.sin((2 * Math.PI) / 180), 2);
  });

  it("turns the platform like Transform.Rotate in its own frame, within the ±0.25 quaternion limit", () => {
    const academy = startAcademy(ball3d, 1);
    const agent = academy.agents[0]!.logic as Ball3DAgent;
    agent.rotation = Quaternion.IDENTITY;
    agent.onPlate = true;
    [agent.x, agent.y, agent.z] = [0, 3, 0];
    for (let i = 0; i < 40; i++) agent.onActionReceived(Float32Array.of(1, 0));
    // 2° per step while rotation.z < 0.25 (2·asin(0.25) = 28.96°): 15 steps reach 30°, then it stops.
    expect(agent.rotation.z).toBeCloseTo(Math.sin((30 * Math.PI) / 360), 9);
    // Local frame: after tilting about z, a turn about the platform's own x axis is not the world x axis.
    const q = agent.rotation.rotateLocal([1, 0, 0], 90);
    const [wx, wy, wz] = q.toWorld([0, 1, 0]); // the platform's normal
    const c = Math.cos((30 * Math.PI) / 180);
    const s = Math.sin((30 * Math.PI) / 180);
    // Rz(30°)·Rx(90°)·ŷ = Rz(30°)·ẑ = ẑ
    expect([wx, wy, wz]).toEqual([0, 0, 1].map((v) => expect.closeTo(v, 9)));
    expect(q.toWorld([1, 0, 0])).toEqual([c, s, 0].map((v) => expect.closeTo(v, 9)));
  });

  it("the observed ball height has Unity's statistics under a balancing controller", () => {
    // Unity's own 3DBall.onnx normalizer: observation 3 has mean 3.05, std 0.18. The old 0.5-thick
    // platform gave 1.13 and 0.92.
    const academy = startAcademy(ball3d, 5);
    const heights: number[] = [];
    const controller = (o: number[]): number[] => [clamp(o[2]! + o[5]! - 10 * o[0]!), clamp(-o[4]! - o[7]! - 10 * o[1]!)];
    runPolicy(academy, (info) => ({ continuous: controller(info.observations[0]!.floatData!.data) }), 400, (info) => {
      if (!info.done) heights.push(info.observations[0]!.floatData!.data[3]!);
    });
    const mean = heights.reduce((a, b) => a + b, 0) / heights.length;
    const std = Math.sqrt(heights.reduce((a, b) => a + (b - mean) ** 2, 0) / heights.length);
    expect(mean).toBeGreaterThan(2.9);
    expect(mean).toBeLessThan(3.2);
    expect(std).toBeLessThan(0.4);
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
