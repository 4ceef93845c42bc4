import { describe, expect, it } from "vitest";
import type { Communicator } from "../../src/protocol/communicator.js";
import { UnityStoppedError } from "../../src/protocol/errors.js";
import type { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { ObservationProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";
import type { BrainParametersProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import type { UnityInputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_input.js";
import type { UnityOutputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInitializationInputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_rl_initialization_input.js";
import type { UnityRLInitializationOutputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_rl_initialization_output.js";
import {
  encodeSideChannelMessages,
  engineConfigMessages,
  environmentParameterMessage,
  statsMessage,
  StatsAggregationMethod,
  type SideChannelMessage,
} from "../../src/protocol/side-channel/index.js";
import { TRAINER_PACKAGE_VERSION, allCapabilities } from "../../src/protocol/versions.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { ActionTuple } from "../../src/env/action-tuple.js";
import { ActionShapeError, EnvStateError, UnitySessionRefusedError, UnknownBehaviorError } from "../../src/env/errors.js";
import { UnityEnvironment, type UnityEnvironmentOptions } from "../../src/env/unity-environment.js";
import { agentInfo, brain, vectorObs } from "./helpers/protos.js";

const BALL = "3DBall?team=0";
const GRID = "Grid?team=0";

/** Scripted Unity: answers the handshake and then each exchange with the next queued reply. */
class FakeCommunicator implements Communicator {
  readonly inits: UnityRLInitializationInputProto[] = [];
  readonly inputs: UnityInputProto[] = [];
  readonly timeouts: number[] = [];
  closeCalls = 0;
  constructor(
    private readonly replies: (UnityOutputProto | Error)[],
    private readonly handshake: Partial<UnityRLInitializationOutputProto> = {},
  ) {}

  async initialize(init: UnityRLInitializationInputProto, timeoutMs: number): Promise<UnityRLInitializationOutputProto> {
    this.inits.push(init);
    this.timeouts.push(timeoutMs);
    return {
      name: "AcademySingleton",
      communicationVersion: "1.5.0",
      logPath: "",
      brainParameters: [],
      packageVersion: "3.0.0-exp.1",
      capabilities: allCapabilities(),
      ...this.handshake,
    };
  }

  async exchange(input: UnityInputProto, timeoutMs: number): Promise<UnityOutputProto> {
    this.inputs.push(input);
    this.timeouts.push(timeoutMs);
    const next = this.replies.shift();
    if (next === undefined) throw new Error("test script has no reply left");
    if (next instanceof Error) throw next;
    return next;
  }

  async close(): Promise<void> {
    this.closeCalls++;
  }
}

function output(infos: Record<string, AgentInfoProto[]>, brains: BrainParametersProto[] = [], side: SideChannelMessage[] | Uint8Array = []): UnityOutputProto {
  const bytes = side instanceof Uint8Array ? side : encodeSideChannelMessages(side);
  return {
    rlOutput: {
      agentInfos: Object.fromEntries(Object.entries(infos).map(([k, v]) => [k, { value: v }])),
      sideChannel: Buffer.from(bytes),
    },
    rlInitializationOutput: brains.length
      ? { name: "", communicationVersion: "", logPath: "", brainParameters: brains, packageVersion: "", capabilities: undefined }
      : undefined,
  };
}

async function connect(replies: (UnityOutputProto | Error)[], extra: Partial<UnityEnvironmentOptions> = {}) {
  const comm = new FakeCommunicator(replies);
  const logger = createMemoryLogger();
  const env = await UnityEnvironment.connect({ communicator: comm, seed: 7, timeoutWaitMs: 1234, logger, ...extra });
  return { comm, env, logger };
}

const ballAgents = (...ids: number[]): AgentInfoProto[] => ids.map((id) => agentInfo(id, { observations: [vectorObs([id, 0, 0])] }));

describe("UnityEnvironment", () => {
  it("performs the handshake with seed, versions, all capabilities and num_areas", async () => {
    const comm = new FakeCommunicator([]);
    const logger = createMemoryLogger();
    const env = await UnityEnvironment.connect({ communicator: comm, seed: 42, numAreas: 3, timeoutWaitMs: 5000, logger });
    expect(comm.inits).toEqual([
      { seed: 42, communicationVersion: "1.5.0", packageVersion: TRAINER_PACKAGE_VERSION, capabilities: allCapabilities(), numAreas: 3 },
    ]);
    expect(comm.timeouts).toEqual([5000]);
    expect(logger.lines).toContain("[INFO] Connected to Unity environment with package version 3.0.0-exp.1 and communication version 1.5.0");
    expect(env.unityPackageVersion).toBe("3.0.0-exp.1");
    expect(env.unityCommunicationVersion).toBe("1.5.0");
    expect(env.unityCapabilities?.multiAgentGroups).toBe(true);
    const { comm: c2 } = await connect([]);
    expect(c2.inits[0]!.numAreas).toBe(1);
  });

  it("sends RESET with environment parameters first, then engine configuration (docs/protocol.md §5.9)", async () => {
    const { comm, env } = await connect([output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)]), output({ [BALL]: ballAgents(0) })], {
      environmentParameters: new Map([["mass", { kind: "float", value: 2 }]]),
      engineConfig: { timeScale: 20 },
    });
    await env.reset();
    const input = comm.inputs[0]!.rlInput!;
    expect(input.command).toBe(CommandProto.RESET);
    expect(input.agentActions).toEqual({});
    const expected = encodeSideChannelMessages([environmentParameterMessage("mass", { kind: "float", value: 2 }), ...engineConfigMessages({ timeScale: 20 })]);
    const sent = new Uint8Array(input.sideChannel);
    expect(sent).toEqual(expected);
    // The engine part is byte-for-byte the example of docs/protocol.md §5.9, and it comes last.
    const timeScale20 = [0x2c, 0x34, 0x51, 0xe9, 0x7e, 0x4f, 0xea, 0x11, 0xb2, 0x38, 0x78, 0x4f, 0x43, 0x87, 0xd1, 0xf7, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xa0, 0x41];
    expect(Array.from(sent.subarray(sent.length - 28))).toEqual(timeScale20);
    expect(Array.from(sent.subarray(0, 4))).toEqual([0x1e, 0x89, 0x4c, 0x53]);
    // Queues are drained: the next step sends no side-channel bytes.
    await env.step();
    expect(comm.inputs[1]!.rlInput!.sideChannel.length).toBe(0);
    expect(comm.inputs[1]!.rlInput!.command).toBe(CommandProto.STEP);
    expect(comm.timeouts).toEqual([1234, 1234, 1234]);
  });

  it("announces behaviors on reset and mid-run, and logs each once", async () => {
    const seen: string[] = [];
    const { env, logger } = await connect(
      [
        output({ [BALL]: ballAgents(0, 1) }, [brain(BALL, 2)]),
        output({ [BALL]: ballAgents(0, 1), [GRID]: [agentInfo(5, { observations: [vectorObs([1, 2])] })] }, [brain(GRID, 0, [5])]),
      ],
      { onNewBehavior: (name, spec) => seen.push(`${name}:${spec.actionSpec}`) },
    );
    await env.reset();
    expect([...env.behaviorSpecs.keys()]).toEqual([BALL]);
    expect(() => env.getSteps(GRID)).toThrow(UnknownBehaviorError);
    expect(Array.from(env.getSteps(BALL)[0].agentId)).toEqual([0, 1]);
    await env.step();
    expect([...env.behaviorSpecs.keys()]).toEqual([BALL, GRID]);
    expect(Array.from(env.getSteps(GRID)[0].obs[0]!)).toEqual([1, 2]);
    expect(seen).toEqual([`${BALL}:2 continuous`, `${GRID}:discrete branches [5]`]);
    expect(logger.lines.filter((l) => l.startsWith("[INFO] Connected new brain"))).toEqual([
      `[INFO] Connected new brain: ${BALL}`,
      `[INFO] Connected new brain: ${GRID}`,
    ]);
  });

  it("sends one action per non-done agent in wire order, zeros for dropped agents, and omits behaviors without decisions", async () => {
    const infos = [
      agentInfo(1, { observations: [vectorObs([1, 0, 0])] }),
      agentInfo(2, { observations: [vectorObs([2, 0, 0])], done: true }),
      agentInfo(3, { observations: [vectorObs([NaN, 0, 0])] }),
      agentInfo(4, { observations: [vectorObs([4, 0, 0])] }),
    ];
    const gridTerminalOnly = [agentInfo(9, { observations: [vectorObs([0, 0])], done: true })];
    const { comm, env, logger } = await connect([
      output({ [BALL]: infos, [GRID]: gridTerminalOnly }, [brain(BALL, 2), brain(GRID, 0, [5])]),
      output({ [BALL]: [], [GRID]: [] }),
      output({}),
    ]);
    await env.reset();
    const [decision, terminal] = env.getSteps(BALL);
    expect(Array.from(decision.agentId)).toEqual([1, 4]);
    expect(Array.from(terminal.agentId)).toEqual([2]);
    expect(logger.lines).toContain(`[WARNING] Dropped step of agent 3 of behavior ${BALL}: observation 0 has NaN`);
    expect(env.getDroppedSinceLastStep().map((d) => d.agentId)).toEqual([3]);

    env.setActions(BALL, new ActionTuple(2, Float32Array.of(0.5, -0.5, 0.25, 0.75), new Int32Array(0)));
    await env.step();
    const sent = comm.inputs[1]!.rlInput!.agentActions;
    expect(Object.keys(sent)).toEqual([BALL]); // GRID had only a terminal step
    expect(sent[BALL]!.value.map((a) => a.continuousActions)).toEqual([[0.5, -0.5], [0, 0], [0.25, 0.75]]);
    expect(env.getDroppedSinceLastStep()).toEqual([]);
    // Both behaviors now have empty batches; the next step sends no actions at all.
    expect(env.getSteps(BALL)[0].length).toBe(0);
    expect(env.getSteps(GRID)[1].length).toBe(0);
    await env.step();
    expect(comm.inputs[2]!.rlInput!.agentActions).toEqual({});
  });

  it("sends zero actions when none were set, and discards actions set before a reset", async () => {
    const { comm, env } = await connect([
      output({ [BALL]: ballAgents(0, 1) }, [brain(BALL, 2)]),
      output({ [BALL]: ballAgents(0, 1) }),
      output({ [BALL]: ballAgents(0, 1) }),
    ]);
    await env.reset();
    env.setActions(BALL, new ActionTuple(2, Float32Array.of(1, 1, 1, 1), new Int32Array(0)));
    await env.reset();
    expect(comm.inputs[1]!.rlInput!.agentActions).toEqual({});
    await env.step();
    expect(comm.inputs[2]!.rlInput!.agentActions[BALL]!.value.map((a) => a.continuousActions)).toEqual([[0, 0], [0, 0]]);
  });

  it("validates actions against the spec and the decision count", async () => {
    const { env } = await connect([output({ [BALL]: ballAgents(0, 1) }, [brain(BALL, 2)])]);
    await env.reset();
    expect(() => env.setActions(BALL, new ActionTuple(1, Float32Array.of(0, 0), new Int32Array(0)))).toThrow(ActionShapeError);
    expect(() => env.setActions(BALL, new ActionTuple(2, new Float32Array(3), new Int32Array(0)))).toThrow(/continuous has 3 values/);
    expect(() => env.setActions("Nope?team=0", ActionTuple.empty(env.behaviorSpecs.get(BALL)!.actionSpec, 2))).toThrow(UnknownBehaviorError);
  });

  it("routes stats to onStats, logs unknown channels at debug and survives a malformed blob", async () => {
    const stats: [string, number, StatsAggregationMethod][] = [];
    const unknown: SideChannelMessage = { channelId: "11111111-2222-3333-4444-555555555555", payload: Uint8Array.of(1) };
    const { env, logger } = await connect(
      [
        output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)], [statsMessage("Environment/Foo", 1.5, StatsAggregationMethod.SUM), unknown]),
        output({ [BALL]: ballAgents(0) }, [], Uint8Array.of(1, 2, 3, 4, 5)),
      ],
      { onStats: (k, v, m) => stats.push([k, v, m]) },
    );
    await env.reset();
    expect(stats).toEqual([["Environment/Foo", 1.5, StatsAggregationMethod.SUM]]);
    expect(logger.lines).toContain("[DEBUG] Unknown side channel data received. Channel type: 11111111-2222-3333-4444-555555555555.");
    await env.step();
    expect(logger.lines.filter((l) => l.startsWith("[WARNING] Ignoring malformed side-channel data"))).toHaveLength(1);
    expect(env.getSteps(BALL)[0].length).toBe(1);
  });

  it("refuses a session whose behavior is re-announced with a different spec", async () => {
    const { env } = await connect([
      output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)]),
      output({ [BALL]: ballAgents(0) }, [brain(BALL, 3)]),
    ]);
    await env.reset();
    const err = await env.step().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnitySessionRefusedError);
    expect((err as Error).message).toBe(
      `Refusing Unity session: behavior ${BALL}: re-announced with a different spec: actions changed from 2 continuous to 3 continuous`,
    );
    await expect(env.step()).rejects.toBe(err);
  });

  it("accepts a re-announcement with the same spec", async () => {
    const { env } = await connect([output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)]), output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)])]);
    await env.reset();
    await env.step();
    expect(env.getSteps(BALL)[0].length).toBe(1);
  });

  it("refuses agents of a behavior never announced, and an announced spec that is invalid", async () => {
    const a = await connect([output({ [BALL]: ballAgents(0) })]);
    await expect(a.env.reset()).rejects.toThrow(`Refusing Unity session: behavior ${BALL}: Unity sent agents for a behavior it never announced`);
    const b = await connect([output({ [BALL]: ballAgents(0) }, [brain(BALL, 0, [3, 0])])]);
    await expect(b.env.reset()).rejects.toThrow(UnitySessionRefusedError);
    await expect(b.env.reset()).rejects.toThrow(/discrete branch 1 has size 0/);
    expect(b.env.behaviorSpecs.size).toBe(0);
  });

  it("refuses a behavior with a variable-length (BufferSensor) observation in one line, before it reaches a trainer", async () => {
    const buffer = ObservationProto.fromPartial({ shape: [20, 6], dimensionProperties: [4, 1], floatData: { data: new Array<number>(120).fill(0) }, name: "BufferSensor" });
    const announced: string[] = [];
    const { env } = await connect([output({ [BALL]: [agentInfo(0, { observations: [vectorObs([1, 2, 3]), buffer] })] }, [brain(BALL, 2)])], {
      onNewBehavior: (name) => announced.push(name),
    });
    const err = await env.reset().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnitySessionRefusedError);
    expect((err as Error).message).toBe(
      `Refusing Unity session: behavior ${BALL}: observation 1 is a variable-length observation (BufferSensor, shape [20, 6]), which mlagents-ts does not support yet`,
    );
    expect((err as Error).message).not.toContain("\n");
    expect(env.behaviorSpecs.size).toBe(0);
    expect(announced).toEqual([]);
  });

  it("waits for the first agent of a behavior announced without agents", async () => {
    const { env } = await connect([output({ [BALL]: [] }, [brain(BALL, 2)]), output({ [BALL]: ballAgents(3) }, [brain(BALL, 2)])]);
    await env.reset();
    expect(env.behaviorSpecs.size).toBe(0);
    await env.step();
    expect(Array.from(env.getSteps(BALL)[0].agentId)).toEqual([3]);
  });

  it("propagates a stopped Unity, refuses step before reset, and closes the communicator once", async () => {
    const fresh = await connect([]);
    await expect(fresh.env.step()).rejects.toThrow(EnvStateError);
    const { comm, env } = await connect([output({ [BALL]: ballAgents(0) }, [brain(BALL, 2)]), new UnityStoppedError("status-400")]);
    await env.reset();
    await expect(env.step()).rejects.toBeInstanceOf(UnityStoppedError);
    await env.close();
    await env.close();
    expect(comm.closeCalls).toBe(1);
    await expect(env.step()).rejects.toThrow("Cannot step: the environment is closed");
  });
});
