// Full episode loops between our gRPC server (RpcCommunicator + UnityEnvironment) and the Unity
// emulator, for every built-in environment, through the real wire protocol on loopback.
import { afterEach, describe, expect, it } from "vitest";
import { ActionTuple, UnityEnvironment, observationSize } from "../../src/env/index.js";
import { UnityEmulator } from "../../src/emulator/index.js";
import { RpcCommunicator } from "../../src/protocol/rpc-communicator.js";
import { createMemoryLogger } from "../../src/util/logger.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function connect(envName: string): Promise<{ env: UnityEnvironment; emulator: UnityEmulator; ran: Promise<{ reason: string }> }> {
  const logger = createMemoryLogger();
  const comm = await RpcCommunicator.listen({ port: 0, logger });
  const emulator = new UnityEmulator({ env: envName, port: comm.port, logger });
  const ran = emulator.run();
  const env = await UnityEnvironment.connect({ communicator: comm, seed: 7, timeoutWaitMs: 10_000, logger, engineConfig: { timeScale: 20 } });
  cleanups.push(async () => {
    await env.close();
    await ran.catch(() => undefined);
  });
  return { env, emulator, ran };
}

describe.each(["3dball", "basic", "gridworld", "hybrid"])("episode loop with builtin %s", (envName) => {
  it("resets, steps with valid random actions until episodes end, and closes with status 400", async () => {
    const { env, ran } = await connect(envName);
    await env.reset();
    expect(env.behaviorSpecs.size).toBe(1);
    const [name, spec] = [...env.behaviorSpecs][0]!;
    expect(name).toMatch(/\?team=0$/);
    let terminals = 0;
    let decisions = 0;
    for (let step = 0; step < 400 && terminals < 3; step++) {
      const [decision, terminal] = env.getSteps(name);
      for (const [steps, label] of [[decision, "decision"], [terminal, "terminal"]] as const) {
        spec.observationSpecs.forEach((o, i) => {
          expect(steps.obs[i]!.length, `${label} obs ${i}`).toBe(steps.length * observationSize(o));
          for (const v of steps.obs[i]!) expect(Number.isFinite(v)).toBe(true);
        });
      }
      terminals += terminal.length;
      decisions += decision.length;
      if (spec.actionSpec.discreteSize > 0 && decision.length > 0 && decision.actionMask) {
        expect(decision.actionMask.length).toBe(spec.actionSpec.discreteSize);
      }
      if (decision.length > 0) env.setActions(name, ActionTuple.random(spec.actionSpec, decision.length, Math.random, decision.actionMask));
      await env.step();
    }
    expect(decisions).toBeGreaterThan(0);
    expect(terminals).toBeGreaterThanOrEqual(3);
    await env.close();
    expect((await ran).reason).toBe("trainer-closed");
  });
});

describe("episode loop edge cases", () => {
  it("reports a Unity that stops mid-episode as UnityStoppedError", async () => {
    const { env, emulator } = await connect("3dball");
    await env.reset();
    const name = [...env.behaviorSpecs.keys()][0]!;
    const [decision] = env.getSteps(name);
    env.setActions(name, ActionTuple.empty(env.behaviorSpecs.get(name)!.actionSpec, decision.length));
    const stopping = emulator.stop();
    await expect(env.step()).rejects.toMatchObject({ name: "UnityStoppedError" });
    await stopping;
  });
});
