// bench/agents: the cost of one step message as the number of agents grows (3DBall).
// Usage: npx tsx bench/agents.ts [--agents 1000,10000,40000,100000] [--repeats 3] [--backend auto]
// Per message, on the trainer side, in the order a step runs: decode (bytes -> UnityMessageProto,
// what the gRPC deserializer does), checks (the boundary checks of src/env/rpc-utils.ts into
// batches), observe (agent processor, normalizer, replay buffer of the real SacTrainer with
// config/3dball.yaml), act (the trainer's policy forward), reply (actions -> bytes). The second
// message of a session is measured (the first has nothing to observe); the median over repeats
// is printed, wall and CPU time (CPU time is what a loaded shared machine distorts least).
// The Unity side (the emulator building the message, applying the reply) is printed apart.
import { loadRunOptions, behaviorSettings } from "../src/config/index.js";
import { ActionTuple } from "../src/env/action-tuple.js";
import type { BehaviorSpec } from "../src/env/behavior-spec.js";
import { actionsToProto, behaviorSpecFromProto, stepsFromProto } from "../src/env/rpc-utils.js";
import { Academy } from "../src/emulator/academy.js";
import { getBuiltinEnvironment } from "../src/emulator/environments/registry.js";
import { CommandProto } from "../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import { UnityMessageProto } from "../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import type { UnityOutputProto } from "../src/protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import { decodeRequest, encodeReply } from "../src/protocol/exchange-service.js";
import { initBackend } from "../src/trainers/backend.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import { createLogger } from "../src/util/logger.js";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { loadAverage, median } from "./support.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const counts = arg("agents", "1000,10000,40000,100000").split(",").map(Number);
const repeats = Number(arg("repeats", "3"));
const BEHAVIOR = "3DBall?team=0";
const STAGES = ["decode", "checks", "observe", "act", "reply"] as const;
type Stage = (typeof STAGES)[number] | "unity build" | "unity apply";
type Timing = { wall: number; cpu: number };

// A full collection before each stage, so that a stage pays for its own garbage, not its predecessor's.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

function timed<T>(into: Map<Stage, Timing[]>, stage: Stage, fn: () => T): T {
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const list = into.get(stage) ?? [];
  list.push({ wall, cpu: (c.user + c.system) / 1000 });
  into.set(stage, list);
  return result;
}

const stepReply = (agentActions: Record<string, { value: ReturnType<typeof actionsToProto> }>): UnityMessageProto => ({
  header: { status: 200, message: "" },
  unityOutput: undefined,
  unityInput: { rlInput: { agentActions, command: CommandProto.STEP, sideChannel: Buffer.alloc(0) }, rlInitializationInput: undefined },
});
const asMessage = (output: UnityOutputProto): UnityMessageProto => ({ header: { status: 200, message: "" }, unityOutput: output, unityInput: undefined });

/** One session of `agents` agents: two messages, the second one timed stage by stage. */
function session(agents: number, times: Map<Stage, Timing[]>, seed: number): number {
  const options = loadRunOptions("config/3dball.yaml", createLogger({ level: "warn" }));
  const academy = new Academy(getBuiltinEnvironment("3dball"), { seed, numAreas: Math.ceil(agents / 12) });
  let trainer: SacTrainer | null = null;
  let spec: BehaviorSpec | null = null;
  let bytes = 0;
  let replyMessage: UnityMessageProto | null = null;
  for (let message = 0; message < 2; message++) {
    const measure = message === 1 ? times : new Map<Stage, Timing[]>();
    if (replyMessage) timed(measure, "unity apply", () => academy.completeStep(replyMessage!.unityInput?.rlInput));
    const wire = timed(measure, "unity build", () => encodeReply(asMessage(academy.stepUntilRequest())));
    bytes = wire.length;
    const decoded = timed(measure, "decode", () => decodeRequest(wire));
    if (!decoded.ok) throw new Error(`the emulator's message did not decode: ${decoded.error}`);
    const output = decoded.message.unityOutput!;
    const infos = output.rlOutput!.agentInfos[BEHAVIOR]!.value;
    const brain = output.rlInitializationOutput?.brainParameters[0];
    spec ??= behaviorSpecFromProto(brain!, infos[0]!);
    trainer ??= new SacTrainer({ behaviorName: "3DBall", spec, settings: behaviorSettings(options, "3DBall"), seed });
    const parsed = timed(measure, "checks", () => stepsFromProto(infos, spec!, BEHAVIOR));
    if (parsed.dropped.length > 0) throw new Error(`dropped steps: ${parsed.dropped[0]!.reason}`);
    timed(measure, "observe", () => trainer!.observe(parsed.decision, parsed.terminal));
    const actions = timed(measure, "act", () => trainer!.act(parsed.decision));
    const reply = timed(measure, "reply", () => {
      const value = actionsToProto(new ActionTuple(actions.length, actions.continuous, actions.discrete), spec!.actionSpec, BEHAVIOR);
      return encodeReply(stepReply({ [BEHAVIOR]: { value } }));
    });
    replyMessage = UnityMessageProto.decode(reply);
  }
  return bytes;
}

const backend = await initBackend(arg("backend", "auto"));
const load = loadAverage();
console.log(`bench/agents: 3DBall, one step message, median of ${repeats}; backend ${backend.name}; node ${process.versions.node}; ${os.cpus().length} cores; load average ${load}`);
console.log(`Trainer side, ms wall (ms CPU):`);
console.log(`| agents | message | ${STAGES.join(" | ")} | total | Unity side: build, apply |`);
console.log(`|---:|---:|${STAGES.map(() => "---:|").join("")}---:|---:|`);
for (const n of counts) {
  const times = new Map<Stage, Timing[]>();
  let bytes = 0;
  for (let r = 0; r < repeats; r++) bytes = session(n, times, r + 1);
  const cell = (s: Stage): string => {
    const t = times.get(s)!;
    return `${median(t.map((x) => x.wall)).toFixed(0)} (${median(t.map((x) => x.cpu)).toFixed(0)})`;
  };
  const totalWall = STAGES.reduce((a, s) => a + median(times.get(s)!.map((x) => x.wall)), 0);
  const totalCpu = STAGES.reduce((a, s) => a + median(times.get(s)!.map((x) => x.cpu)), 0);
  const mib = (bytes / 2 ** 20).toFixed(2);
  console.log(`| ${n} | ${mib} MiB | ${STAGES.map(cell).join(" | ")} | ${totalWall.toFixed(0)} (${totalCpu.toFixed(0)}) | ${cell("unity build")}, ${cell("unity apply")} |`);
}
console.log(`load average at the end: ${loadAverage()}`);
