// A scene with 40,000 agents (3DBall, 3,334 areas; a 2.8 MiB step message) through the real gRPC
// server, the env layer and the SAC trainer's act: the reply reaches the emulator, which applies it
// with Unity's strict checks, and the next valid session on the same port is served afterwards.
// Speed is measured by bench/agents.ts, not asserted here (the machine may be loaded).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/client.js";
import { behaviorSettings, loadRunOptions } from "../../src/config/index.js";
import { UnityEnvironment } from "../../src/env/unity-environment.js";
import { UnityStoppedError } from "../../src/protocol/errors.js";
import { RpcCommunicator } from "../../src/protocol/rpc-communicator.js";
import { initBackend } from "../../src/trainers/backend.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../src/util/logger.js";

const BALL = "3DBall?team=0";
const AREAS = 3334; // x 12 agents = 40,008
const AGENTS = AREAS * 12;

let comm: RpcCommunicator;
const logger = createMemoryLogger("info");

beforeAll(async () => {
  await initBackend("wasm");
  comm = await RpcCommunicator.listen({ port: 0, host: "127.0.0.1", logger });
});
afterAll(() => comm.close());

describe("a scene with 40,000 agents", () => {
  it("gets well-formed actions for every agent, then the next session is served", { timeout: 300_000 }, async () => {
    const big = new UnityEmulator({ env: "3dball", port: comm.port, host: "127.0.0.1", numAreas: AREAS, maxRequests: 2, logger });
    const bigRun = big.run();
    const env = await UnityEnvironment.connect({ communicator: comm, seed: 3, timeoutWaitMs: 240_000, logger });
    await env.reset();
    const spec = env.behaviorSpecs.get(BALL)!;
    const settings = behaviorSettings(loadRunOptions("config/3dball.yaml", logger), "3DBall");
    const trainer = new SacTrainer({ behaviorName: "3DBall", spec, settings, seed: 3 });

    let [decision, terminal] = env.getSteps(BALL);
    expect(decision.length).toBe(AGENTS);
    trainer.observe(decision, terminal);
    const actions = trainer.act(decision);
    env.setActions(BALL, actions);
    await env.step(); // the emulator applied our 40,008 actions and sent its next message

    // Unity stored exactly the action of its own row for each agent (ids are agent ids here).
    const academy = big.academy!;
    const row = new Map<number, number>();
    decision.agentId.forEach((id, i) => row.set(id, i));
    let compared = 0;
    for (const agent of academy.agents) {
      if (agent.completedEpisodes > 0) continue; // a new episode cleared its stored action
      const r = row.get(agent.id)!;
      expect(Array.from(agent.continuous)).toEqual(Array.from(actions.continuous.subarray(2 * r, 2 * r + 2)));
      compared++;
    }
    expect(compared).toBeGreaterThan(AGENTS / 2);

    [decision, terminal] = env.getSteps(BALL);
    expect(decision.length + terminal.length).toBeGreaterThanOrEqual(AGENTS);
    expect(env.getDroppedSinceLastStep()).toEqual([]);
    trainer.observe(decision, terminal);
    expect(trainer.stepCount).toBe(AGENTS);
    env.setActions(BALL, trainer.act(decision));
    // The emulator's second request was its last (maxRequests): it says goodbye with status 400.
    await expect(env.step()).rejects.toBeInstanceOf(UnityStoppedError);
    const result = await bigRun;
    expect(result).toMatchObject({ reason: "max-requests", requests: 2 });

    // The next valid session, on the same port.
    const small = new UnityEmulator({ env: "3dball", port: comm.port, host: "127.0.0.1", maxRequests: 3, logger });
    const smallRun = small.run();
    const next = await UnityEnvironment.connect({ communicator: comm, seed: 4, timeoutWaitMs: 60_000, logger });
    await next.reset();
    expect(next.getSteps(BALL)[0].length).toBe(12);
    await next.step();
    expect(next.getSteps(BALL)[0].length + next.getSteps(BALL)[1].length).toBeGreaterThanOrEqual(12);
    await small.stop();
    await smallRun;
  });
});
