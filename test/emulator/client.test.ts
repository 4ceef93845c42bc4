import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/client.js";
import { HandshakeError, TrainerUnreachableError } from "../../src/emulator/errors.js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import { encodeSideChannelMessages, environmentParameterMessage } from "../../src/protocol/side-channel/index.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import {
  action,
  ALL_CAPABILITIES,
  closeReply,
  completeHandshake,
  FakeTrainer,
  handshakeReply,
  resetReply,
  rlReply,
  type PendingCall,
} from "./fake-trainer.js";
import { probeEnvironment } from "./probe-environment.js";

let trainer: FakeTrainer;
const emulators: UnityEmulator[] = [];

beforeEach(async () => {
  trainer = await FakeTrainer.start();
});

afterEach(async () => {
  for (const e of emulators.splice(0)) await e.stop(200);
  trainer.stop();
});

function emulator(opts: Partial<ConstructorParameters<typeof UnityEmulator>[0]> = {}): UnityEmulator {
  const e = new UnityEmulator({ env: "3dball", port: trainer.port, logger: createMemoryLogger(), ...opts });
  emulators.push(e);
  return e;
}

const BALL = "3DBall?team=0";
const infos = (call: PendingCall, key = BALL) => call.request.unityOutput!.rlOutput!.agentInfos[key]!.value;
const decisionCount = (call: PendingCall, key = BALL) => infos(call, key).filter((i) => !i.done).length;

describe("handshake", () => {
  it("sends RPC #1 and RPC #2 exactly as Unity does", async () => {
    const run = emulator().run();
    const first = await trainer.next();
    const expected1: UnityMessageProto = {
      header: { status: 200, message: "" },
      unityOutput: {
        rlOutput: undefined,
        rlInitializationOutput: {
          name: "AcademySingleton",
          communicationVersion: "1.5.0",
          logPath: "",
          brainParameters: [],
          packageVersion: "3.0.0-exp.1",
          capabilities: { ...ALL_CAPABILITIES },
        },
      },
      unityInput: undefined,
    };
    expect(first.request).toEqual(expected1);
    // Nothing beyond those fields on the wire.
    expect(Buffer.from(first.raw)).toEqual(Buffer.from(UnityMessageProto.encode(expected1).finish()));
    first.respond(handshakeReply());
    const second = await trainer.next();
    // header{status: 200} and nothing else: field 1, length 3, {field 1 varint 200}.
    expect([...second.raw]).toEqual([0x0a, 0x03, 0x08, 0xc8, 0x01]);
    second.respond(resetReply());
    const third = await trainer.next();
    const out = third.request.unityOutput!;
    expect(out.rlInitializationOutput!.brainParameters.map((b) => b.brainName)).toEqual([BALL]);
    expect(out.rlInitializationOutput!.name).toBe("");
    expect(out.rlInitializationOutput!.capabilities).toBeUndefined();
    expect(infos(third)).toHaveLength(12);
    third.respond(closeReply());
    expect((await run).reason).toBe("trainer-closed");
  });

  it("uses num_areas from the handshake reply", async () => {
    const run = emulator().run();
    const call = await completeHandshake(trainer, undefined, 3, 2);
    expect(infos(call)).toHaveLength(24);
    call.respond(closeReply());
    await run;
  });

  it("fails clearly when no trainer listens", async () => {
    const port = trainer.port;
    trainer.stop();
    const e = new UnityEmulator({ env: "basic", port, logger: createMemoryLogger() });
    await expect(e.run()).rejects.toThrow(TrainerUnreachableError);
    await expect(e.run()).rejects.toThrow(/Couldn't connect to trainer on localhost:\d+/);
  });

  it("rejects a handshake reply without capabilities", async () => {
    const run = emulator().run();
    const reply = handshakeReply();
    reply.unityInput!.rlInitializationInput!.capabilities = undefined;
    (await trainer.next()).respond(reply);
    await expect(run).rejects.toThrow(HandshakeError);
  });

  it("rejects a second reply without rl_input, and stops quietly on a 400 there", async () => {
    const run = emulator().run();
    (await trainer.next()).respond(handshakeReply());
    (await trainer.next()).respond({ header: { status: 200, message: "" }, unityInput: undefined, unityOutput: undefined });
    await expect(run).rejects.toThrow(/no rl_input/);

    const run2 = emulator().run();
    (await trainer.next()).respond(handshakeReply());
    (await trainer.next()).respond(closeReply());
    expect(await run2).toMatchObject({ reason: "trainer-closed", requests: 0 });
  });
});

describe("step loop over gRPC", () => {
  it("applies actions positionally and reports counts when the trainer closes", async () => {
    const env = probeEnvironment({ agents: 3 });
    const run = emulator({ env }).run();
    let call = await completeHandshake(trainer);
    const key = "Probe?team=0";
    const ids = infos(call, key).map((i) => i.id);
    call.respond(rlReply(CommandProto.STEP, { [key]: [action([0.25], [1]), action([0.5], [0]), action([0.75], [1])] }));
    call = await trainer.next();
    expect(infos(call, key).map((i) => i.id)).toEqual(ids);
    expect(infos(call, key).map((i) => i.observations[0]!.floatData!.data[0])).toEqual([0.25, 0.5, 0.75]);
    call.respond(closeReply());
    expect(await run).toEqual({ reason: "trainer-closed", requests: 2, steps: 2, episodes: 0 });
  });

  it("environment parameters sent with RESET change the environment", async () => {
    // Without gravity the ball hangs at its start height of 4.
    const side = encodeSideChannelMessages([environmentParameterMessage("gravity", { kind: "float", value: 0 })]);
    const run = emulator().run();
    let call = await completeHandshake(trainer, side);
    for (let k = 0; k < 3; k++) {
      call.respond(rlReply(CommandProto.STEP, { [BALL]: Array.from({ length: decisionCount(call) }, () => action([0, 0])) }));
      call = await trainer.next();
    }
    for (const info of infos(call)) {
      expect(info.observations[0]!.floatData!.data[3]).toBeCloseTo(4, 5);
      expect(info.observations[0]!.floatData!.data[6]).toBe(0);
    }
    call.respond(closeReply());
    await run;
  });

  it("a status-400 reply stops the emulator; stop() says goodbye with status 400", async () => {
    const e = emulator({ env: "basic" });
    const run = e.run();
    const call = await completeHandshake(trainer);
    const stopped = e.stop();
    call.respond(rlReply(CommandProto.STEP, { "Basic?team=0": [action([], [2])] }));
    const goodbye = await trainer.next();
    expect([...goodbye.raw]).toEqual([0x0a, 0x03, 0x08, 0x90, 0x03]); // header{status: 400}
    goodbye.respond(closeReply());
    await stopped;
    expect(await run).toMatchObject({ reason: "stopped", requests: 1 });
  });

  it("maxRequests ends with a goodbye", async () => {
    const run = emulator({ env: "basic", maxRequests: 2 }).run();
    let call = await completeHandshake(trainer);
    for (let k = 0; k < 2; k++) {
      call.respond(rlReply(CommandProto.STEP, { "Basic?team=0": [action([], [0])] }));
      call = await trainer.next();
    }
    expect(call.request.header!.status).toBe(400);
    expect(call.request.unityOutput).toBeUndefined();
    call.respond(closeReply());
    expect(await run).toMatchObject({ reason: "max-requests", requests: 2 });
  });

  it("QUIT is answered with a goodbye", async () => {
    const run = emulator({ env: "basic" }).run();
    const call = await completeHandshake(trainer);
    call.respond(rlReply(CommandProto.QUIT));
    const goodbye = await trainer.next();
    expect(goodbye.request.header!.status).toBe(400);
    goodbye.respond(closeReply());
    expect((await run).reason).toBe("quit-command");
  });

  it("a bad action count stops with a protocol error naming the behavior", async () => {
    const logger = createMemoryLogger();
    const run = emulator({ logger }).run();
    const call = await completeHandshake(trainer);
    call.respond(rlReply(CommandProto.STEP, { [BALL]: [action([0, 0])] }));
    const goodbye = await trainer.next();
    goodbye.respond(closeReply());
    const result = await run;
    expect(result.reason).toBe("protocol-error");
    expect(result.message).toMatch(/1 actions for behavior "3DBall\?team=0", but 12 agents/);
  });
});

describe("fault switches", () => {
  const stepAll = (call: PendingCall): void =>
    call.respond(rlReply(CommandProto.STEP, { [BALL]: Array.from({ length: decisionCount(call) }, () => action([0, 0])) }));

  it("stop: sends status 400 after N requests", async () => {
    const run = emulator({ fault: { kind: "stop", afterSteps: 2 } }).run();
    let call = await completeHandshake(trainer);
    stepAll(call);
    call = await trainer.next();
    stepAll(call);
    call = await trainer.next();
    expect(call.request.header!.status).toBe(400);
    call.respond(closeReply());
    expect(await run).toMatchObject({ reason: "fault-stop", requests: 2 });
  });

  it("hang: never sends the next request", async () => {
    const e = emulator({ fault: { kind: "hang", afterSteps: 1 } });
    const run = e.run();
    const call = await completeHandshake(trainer);
    stepAll(call);
    expect(await run).toMatchObject({ reason: "fault-hang", requests: 1 });
    await expect(trainer.next(300)).rejects.toThrow(/no call/);
    await e.stop(100);
  });

  it("crash: drops the connection while the trainer holds a request", async () => {
    const run = emulator({ fault: { kind: "crash", afterSteps: 1 } }).run();
    const call = await completeHandshake(trainer);
    stepAll(call);
    const held = await trainer.next();
    await held.cancelled; // the trainer sees the call cancelled, not a goodbye
    expect(await run).toMatchObject({ reason: "fault-crash", requests: 1 });
  });
});
