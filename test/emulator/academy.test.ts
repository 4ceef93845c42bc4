import { describe, expect, it } from "vitest";
import { Academy } from "../../src/emulator/academy.js";
import { EmulatorProtocolError } from "../../src/emulator/errors.js";
import type { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import type { UnityOutputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_rl_input.js";
import {
  decodeSideChannelMessages,
  encodeSideChannelMessages,
  engineConfigMessages,
  environmentParameterMessage,
  parseStatsMessage,
  STATS_CHANNEL_ID,
} from "../../src/protocol/side-channel/index.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { action } from "./fake-trainer.js";
import { probeEnvironment, type ProbeOptions } from "./probe-environment.js";

const KEY = "Probe?team=0";

function input(command: CommandProto, actions: Record<string, ReturnType<typeof action>[]> = {}, side: Uint8Array = new Uint8Array(0)): UnityRLInputProto {
  const agentActions: UnityRLInputProto["agentActions"] = {};
  for (const [k, v] of Object.entries(actions)) agentActions[k] = { value: v };
  return { agentActions, command, sideChannel: Buffer.from(side) };
}

function setup(opts: ProbeOptions = {}, side?: Uint8Array) {
  const env = probeEnvironment(opts);
  const logger = createMemoryLogger();
  const academy = new Academy(env, { seed: 1, logger });
  academy.applyInput(input(CommandProto.RESET, {}, side));
  return { env, academy, logger };
}

const infosOf = (out: UnityOutputProto, key = KEY): AgentInfoProto[] => out.rlOutput!.agentInfos[key]?.value ?? [];

/** Answers every decision agent with continuous action `value(id)`. */
function answer(academy: Academy, out: UnityOutputProto, value: (id: number) => number = () => 0): void {
  const deciders = infosOf(out).filter((i) => !i.done);
  academy.completeStep(input(CommandProto.STEP, { [KEY]: deciders.map((i) => action([value(i.id)], [0])) }));
}

describe("Academy step loop", () => {
  it("requests decisions every DecisionPeriod steps and repeats the last action in between", () => {
    const { env, academy } = setup({ agents: 1, decisionPeriod: 5 });
    const stepsAtRequest: number[] = [];
    for (let k = 0; k < 3; k++) {
      const out = academy.stepUntilRequest();
      stepsAtRequest.push(academy.totalStepCount);
      answer(academy, out, () => k + 0.5);
    }
    // Academy step 0, 5, 10 ask (counts are taken after the increment).
    expect(stepsAtRequest).toEqual([1, 6, 11]);
    // Each decision's action is applied on 5 consecutive steps.
    expect(env.created[0]!.actionLog.slice(0, 11)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 2.5]);
  });

  it("announces the behavior once, with the fully qualified name and action spec", () => {
    const { academy } = setup({ agents: 3 });
    const first = academy.stepUntilRequest();
    const brains = first.rlInitializationOutput!.brainParameters;
    expect(brains).toHaveLength(1);
    expect(brains[0]!.brainName).toBe(KEY);
    expect(brains[0]!.isTraining).toBe(true);
    expect(brains[0]!.actionSpec).toEqual({ numContinuousActions: 1, numDiscreteActions: 1, discreteBranchSizes: [2], actionDescriptions: [] });
    expect(brains[0]!.vectorActionSizeDeprecated).toEqual([]);
    expect(infosOf(first)).toHaveLength(3);
    answer(academy, first);
    const second = academy.stepUntilRequest();
    expect(second.rlInitializationOutput).toBeUndefined();
    expect(Object.keys(second.rlOutput!.agentInfos)).toEqual([KEY]);
  });

  it("gives agents process-wide unique, increasing ids", () => {
    const a = setup({ agents: 3 }).academy;
    const b = setup({ agents: 2 }).academy;
    const ids = [...a.agents, ...b.agents].map((x) => x.id);
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    const infoIds = infosOf(a.stepUntilRequest()).map((i) => i.id);
    expect(infoIds).toEqual(a.agents.map((x) => x.id));
  });

  it("ends episodes at MaxStep with max_step_reached, sent with the first decision of the new episode", () => {
    const { academy } = setup({ agents: 1, maxStep: 3, rewardPerAction: 0.25 });
    const seen: AgentInfoProto[][] = [];
    for (let k = 0; k < 4; k++) {
      const out = academy.stepUntilRequest();
      seen.push(infosOf(out));
      answer(academy, out);
    }
    expect(seen.slice(0, 3).map((l) => l.length)).toEqual([1, 1, 1]);
    const [terminal, decision] = seen[3]!;
    expect(terminal!.done).toBe(true);
    expect(terminal!.maxStepReached).toBe(true);
    expect(terminal!.reward).toBeCloseTo(0.25); // only the reward since the previous info
    expect(decision!.done).toBe(false);
    expect(decision!.id).toBe(terminal!.id);
    expect(terminal!.observations[0]!.floatData!.data[1]).toBe(3); // final obs of the old episode
    expect(decision!.observations[0]!.floatData!.data[1]).toBe(1); // new episode, one step in
    expect(academy.completedEpisodes).toBe(1);
  });

  it("EndEpisode sends done without max_step_reached, summing rewards since the last info", () => {
    const { academy } = setup({ agents: 1, decisionPeriod: 4, endAfterActions: 6, rewardPerAction: 0.5 });
    const out1 = academy.stepUntilRequest();
    expect(infosOf(out1)[0]!.reward).toBe(0);
    answer(academy, out1);
    const out2 = academy.stepUntilRequest();
    expect(infosOf(out2)[0]!.reward).toBe(2); // 4 actions since the first decision
    answer(academy, out2);
    // The 6th action (academy step 6) ends the episode; the terminal goes out at step 7 by itself,
    // before the next decision step (8): a request with only a terminal info.
    const out3 = academy.stepUntilRequest();
    expect(academy.totalStepCount).toBe(7);
    const infos = infosOf(out3);
    expect(infos).toHaveLength(1);
    expect(infos[0]!).toMatchObject({ done: true, maxStepReached: false, reward: 1 });
    academy.completeStep(input(CommandProto.STEP));
    const out4 = academy.stepUntilRequest();
    expect(academy.totalStepCount).toBe(9);
    expect(infosOf(out4)[0]!.done).toBe(false);
  });

  it("keeps the behavior key with an empty list and expects no actions for terminal-only requests", () => {
    const { academy } = setup({ agents: 1, decisionPeriod: 10, endAfterActions: 2 });
    answer(academy, academy.stepUntilRequest());
    const out = academy.stepUntilRequest();
    expect(infosOf(out).every((i) => i.done)).toBe(true);
    // An action for a behavior whose last request had no decision agents is skipped, like Unity.
    expect(() => academy.completeStep(input(CommandProto.STEP, { [KEY]: [action([1], [0])] }))).not.toThrow();
  });

  it("RESET restarts every agent without terminal infos", () => {
    const { env, academy } = setup({ agents: 2 });
    for (let k = 0; k < 3; k++) answer(academy, academy.stepUntilRequest());
    academy.stepUntilRequest();
    academy.completeStep(input(CommandProto.RESET));
    const out = academy.stepUntilRequest();
    const infos = infosOf(out);
    expect(infos.every((i) => !i.done)).toBe(true);
    expect(infos.map((i) => i.observations[0]!.floatData!.data[2])).toEqual([2, 2]); // episodes begun
    expect(infos.map((i) => i.observations[0]!.floatData!.data[1])).toEqual([1, 1]); // step counter restarted
    expect(academy.completedEpisodes).toBe(0);
    expect(academy.stepCount).toBe(1);
    expect(env.created.every((a) => a.episodesBegun === 2)).toBe(true);
  });

  it("applies actions positionally to the decision agents of the previous request", () => {
    const { env, academy } = setup({ agents: 3 });
    const out = academy.stepUntilRequest();
    const ids = infosOf(out).map((i) => i.id);
    academy.completeStep(input(CommandProto.STEP, { [KEY]: [action([0.1], [0]), action([0.2], [1]), action([0.3], [0])] }));
    expect(env.created.map((a) => a.lastAction)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(env.created.map((a) => a.lastDiscrete)).toEqual([0, 1, 0]);
    const next = infosOf(academy.stepUntilRequest());
    expect(next.map((i) => i.id)).toEqual(ids);
    expect(next.map((i) => i.observations[0]!.floatData!.data[0])).toEqual([0.1, 0.2, 0.3].map(Math.fround));
  });

  it("rejects a wrong number of actions, bad values and unknown behaviors", () => {
    const bad = (actions: Record<string, ReturnType<typeof action>[]>): (() => void) => {
      const { academy } = setup({ agents: 2 });
      academy.stepUntilRequest();
      return () => academy.completeStep(input(CommandProto.STEP, actions));
    };
    expect(bad({ [KEY]: [action([0], [0])] })).toThrow(/1 actions for behavior "Probe\?team=0", but 2 agents/);
    expect(bad({ [KEY]: [action([0], [0]), action([0], [2])] })).toThrow(EmulatorProtocolError);
    expect(bad({ [KEY]: [action([0], [0]), action([Number.NaN], [0])] })).toThrow(/continuous action 0/);
    expect(bad({ [KEY]: [action([0, 1], [0]), action([0], [0])] })).toThrow(/expected 1 and 1/);
    expect(bad({ "Other?team=0": [action([0], [0])] })).toThrow(/"Other\?team=0"/);
  });

  it("sends nothing while no agent asks: zero-info steps do not talk to the trainer", () => {
    const { academy } = setup({ agents: 1, decisionPeriod: 7 });
    answer(academy, academy.stepUntilRequest());
    academy.stepUntilRequest();
    expect(academy.totalStepCount).toBe(8);
  });
});

describe("action masks", () => {
  it("are empty until the agent first masks, then always full length", () => {
    const { academy } = setup({ agents: 1, maskFromStep: 3, maxStep: 3 });
    const masks: boolean[][] = [];
    const done: boolean[] = [];
    for (let k = 0; k < 6; k++) {
      const out = academy.stepUntilRequest();
      for (const i of infosOf(out)) {
        masks.push(i.actionMask);
        done.push(i.done);
      }
      answer(academy, out);
    }
    // steps 1, 2: never masked; 3: masked; 4: terminal repeats the last decision's mask,
    // new episode step 1: mask exists now, all false.
    expect(masks[0]).toEqual([]);
    expect(masks[1]).toEqual([]);
    expect(masks[2]).toEqual([false, true]);
    expect(done[3]).toBe(true);
    expect(masks[3]).toEqual([false, true]);
    expect(masks[4]).toEqual([false, false]);
  });
});

describe("observations", () => {
  it("are sorted by sensor name with Unity's dimension properties", () => {
    const sensors = [
      { name: "VectorSensor_size4", shape: [4] },
      { name: "CameraSensor", shape: [3, 4, 5] },
      { name: "vectorSensor_size2", shape: [2], observationType: 1 as const },
      { name: "RayPerceptionSensor", shape: [3, 4, 5], compression: "none" as const },
    ];
    const { academy } = setup({ agents: 1, sensors });
    const obs = infosOf(academy.stepUntilRequest())[0]!.observations;
    expect(obs.map((o) => o.name)).toEqual(["CameraSensor", "RayPerceptionSensor", "vectorSensor_size2", "VectorSensor_size4"]);
    expect(obs.map((o) => o.dimensionProperties)).toEqual([[1, 2, 2], [1, 2, 2], [1], [1]]);
    expect(obs.map((o) => o.compressionType)).toEqual([1, 0, 0, 0]);
    expect(obs[0]!.compressedData!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(obs[0]!.floatData).toBeUndefined();
    expect(obs[1]!.floatData!.data).toHaveLength(60);
    expect(obs[2]!.observationType).toBe(1);
    expect(obs.map((o) => o.shape)).toEqual([[3, 4, 5], [3, 4, 5], [2], [4]]);
  });
});

describe("side channels", () => {
  it("applies environment parameters before the RESET that reads them", () => {
    const side = encodeSideChannelMessages([environmentParameterMessage("probe", { kind: "float", value: 2.5 })]);
    const { env, academy } = setup({ agents: 2 }, side);
    expect(env.created.map((a) => a.param)).toEqual([2.5, 2.5]);
    expect(academy.parameters.keys()).toEqual(["probe"]);
  });

  it("samples parameters anew on every read, from the seeded sampler", () => {
    const side = encodeSideChannelMessages([environmentParameterMessage("probe", { kind: "uniform", seed: 3, min: 10, max: 20 })]);
    const { env } = setup({ agents: 3 }, side);
    const values = env.created.map((a) => a.param);
    expect(new Set(values).size).toBe(3);
    for (const v of values) expect(v).toBeGreaterThanOrEqual(10), expect(v).toBeLessThan(20);
    const again = setup({ agents: 3 }, side).env.created.map((a) => a.param);
    expect(again).toEqual(values);
  });

  it("stores the engine configuration and logs unknown channels at debug level", () => {
    const unknown = { channelId: "11111111-2222-3333-4444-555555555555", payload: new Uint8Array([1, 2]) };
    const side = encodeSideChannelMessages([...engineConfigMessages({ width: 84, height: 84, timeScale: 20 }), unknown]);
    const { academy, logger } = setup({}, side);
    expect(academy.engineConfig).toEqual({ width: 84, height: 84, timeScale: 20 });
    expect(logger.lines.some((l) => l.includes("DEBUG") && l.includes("11111111-2222-3333-4444-555555555555"))).toBe(true);
  });

  it("rejects a malformed blob", () => {
    const env = probeEnvironment();
    const academy = new Academy(env);
    expect(() => academy.applyInput(input(CommandProto.RESET, {}, new Uint8Array([1, 2, 3])))).toThrow(EmulatorProtocolError);
  });

  it("sends stats recorded by game code with the next request", () => {
    const { academy } = setup({ agents: 1 });
    academy.stats.add("Environment/Probe", 3, 2);
    const blob = academy.stepUntilRequest().rlOutput!.sideChannel;
    const msgs = decodeSideChannelMessages(blob);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.channelId).toBe(STATS_CHANNEL_ID);
    expect(parseStatsMessage(msgs[0]!.payload)).toEqual({ key: "Environment/Probe", value: 3, method: 2 });
  });

  it("QUIT stops before actions are applied", () => {
    const { env, academy } = setup({ agents: 1 });
    academy.stepUntilRequest();
    expect(academy.completeStep(input(CommandProto.QUIT, { [KEY]: [action([0.7], [0])] }))).toBe("quit");
    expect(env.created[0]!.actions).toBe(0);
  });
});

describe("areas and groups", () => {
  it("multiplies agents by num_areas and assigns process-wide group ids", () => {
    const env = probeEnvironment({ agents: 4, groupSize: 2 });
    const academy = new Academy(env, { numAreas: 2 });
    expect(academy.agents).toHaveLength(8);
    const groups = academy.agents.map((a) => a.groupId);
    expect(groups.every((g) => g >= 1)).toBe(true);
    expect(new Set(groups).size).toBe(4);
    expect(groups[0]).toBe(groups[1]);
    expect(groups[1]).not.toBe(groups[2]);
    academy.agents[0]!.addGroupReward(0.5);
    academy.applyInput(input(CommandProto.RESET));
    academy.agents[0]!.addGroupReward(0.5);
    const infos = infosOf(academy.stepUntilRequest());
    expect(infos[0]!.groupId).toBe(groups[0]);
    expect(infos[0]!.groupReward).toBe(0.5);
    expect(infos[1]!.groupReward).toBe(0);
  });

  it("fills the deprecated action fields when the trainer lacks hybridActions", () => {
    const env = probeEnvironment({ agents: 1 });
    const academy = new Academy(env, { trainerHybridActions: false });
    academy.applyInput(input(CommandProto.RESET));
    expect(() => academy.stepUntilRequest()).toThrow(/hybridActions/);
  });
});
