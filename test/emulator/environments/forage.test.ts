import { describe, expect, it } from "vitest";
import { forage, forageAction, ForagerAgent, type ForageControls } from "../../../src/emulator/environments/forage.js";
import { lcg, runPolicy, startAcademy } from "./run-policy.js";

const KEY = "Forager?team=0";
const act = (agent: ForagerAgent, c: ForageControls) => agent.onActionReceived(new Float32Array(0), new Int32Array([forageAction(c)]));

/** Steer toward the food (observation 0: ahead, 1: to the right): turn, then move. */
function seek(o: number[], turnInPlace: boolean, gait: 0 | 1): number {
  const angleLeft = Math.atan2(-o[1]!, o[0]!);
  const rotate = Math.abs(angleLeft) < 0.2 ? 0 : angleLeft > 0 ? 1 : 2;
  return forageAction({ move: turnInPlace && rotate !== 0 ? 0 : 1, rotate, strafe: 0, gait });
}

const mean = (eps: { reward: number }[]) => eps.reduce((s, e) => s + e.reward, 0) / eps.length;

describe("forage (Forager)", () => {
  it("has one discrete branch of 54 and one vector sensor of 6", () => {
    const [b] = forage.behaviors;
    expect(b!.actionSpec.continuousSize).toBe(0);
    expect(b!.actionSpec.discreteBranches).toEqual([54]);
    const out = startAcademy(forage).stepUntilRequest();
    expect(out.rlInitializationOutput!.brainParameters[0]!.actionSpec).toMatchObject({ numContinuousActions: 0, discreteBranchSizes: [54] });
    const infos = out.rlOutput!.agentInfos[KEY]!.value;
    expect(infos).toHaveLength(8);
    expect(infos[0]!.observations[0]).toMatchObject({ name: "VectorSensor_size6", shape: [6] });
  });

  it("numbers the 54 combinations of move, rotate, strafe and gait once each", () => {
    const seen = new Set<number>();
    for (const gait of [0, 1] as const) for (const strafe of [0, 1, 2] as const) for (const rotate of [0, 1, 2] as const) for (const move of [0, 1, 2] as const) seen.add(forageAction({ move, rotate, strafe, gait }));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 54 }, (_, i) => i));
  });

  it("observes the food in the agent's frame; moves, turns, strafes and runs as the action says", () => {
    const academy = startAcademy(forage, 3);
    const agent = academy.agents[0]!.logic as ForagerAgent;
    Object.assign(agent, { x: 0, y: 0, heading: Math.PI / 2, fx: 0.8, fy: 0 }); // facing +y, food to the right
    const o = new Float32Array(6);
    agent.collectObservations([o]);
    expect(o[0]).toBeCloseTo(0, 6);
    expect(o[1]).toBeCloseTo(0.8, 6);
    expect(o[4]).toBeCloseTo(1, 6);
    act(agent, { move: 1, rotate: 0, strafe: 0, gait: 1 }); // run forward
    expect(agent.y).toBeCloseTo(0.05, 6);
    act(agent, { move: 0, rotate: 0, strafe: 2, gait: 0 }); // walk, strafing right
    expect(agent.x).toBeCloseTo(0.015, 6);
    act(agent, { move: 2, rotate: 2, strafe: 0, gait: 1 }); // turn right, then run backward
    expect(agent.heading).toBeCloseTo(Math.PI / 2 - Math.PI / 18, 6);
    expect(agent.y).toBeCloseTo(0.05 - 0.05 * Math.sin(Math.PI / 2 - Math.PI / 18), 6);
    Object.assign(agent, { x: 0.99, y: 0, heading: 0 });
    act(agent, { move: 1, rotate: 0, strafe: 0, gait: 1 });
    expect(agent.x).toBe(1); // the wall stops it
  });

  it("a steering controller eats every time; walking is slower; a uniformly random agent rarely eats", () => {
    const run = (turnInPlace: boolean, gait: 0 | 1) =>
      runPolicy(startAcademy(forage, 4), (i) => ({ discrete: [seek(i.observations[0]!.floatData!.data, turnInPlace, gait)] }), 2000);
    const running = run(true, 1);
    expect(running.length).toBeGreaterThan(100);
    expect(running.every((e) => !e.interrupted && e.reward > 1)).toBe(true); // +1, shaping, time cost
    expect(mean(run(false, 1))).toBeGreaterThan(1);
    expect(mean(run(true, 0))).toBeLessThan(mean(running) - 0.05); // each step costs 1/250

    const rand = lcg(9);
    const random = runPolicy(startAcademy(forage, 4, { shaping: 0 }), () => ({ discrete: [Math.floor(rand() * 54)] }), 5000);
    expect(random.filter((e) => !e.interrupted).length / random.length).toBeLessThan(0.1);
    for (const e of random.filter((e) => e.interrupted)) expect(e.reward).toBeCloseTo(-1, 5); // 250 steps at -1/250, no shaping
  });
});
