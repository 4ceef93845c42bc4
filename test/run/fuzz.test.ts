// Property-based fuzzing at the run level: random sequences of valid, mutated and garbage messages
// (bytes, fields, order, timing) on one connection to a listening runTraining. Every call must be
// answered within a deadline, the run must stay up, serve the next valid session, and its step
// count and checkpoint must stay intact.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { ObservationProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";
import { encodeReply } from "../../src/protocol/exchange-service.js";
import type { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import { CheckpointStore } from "../../src/trainers/checkpoint/checkpoint-store.js";
import { handshakeOutput, rawClient } from "../protocol/unity-test-client.js";
import { BALL, ballAgent, ballBrain, CraftedUnity, stepOutput } from "./crafted-unity.js";
import { removeDir, stackLines, startRun, tempDir, tinyOptions, type StartedRun } from "./helpers.js";
import * as path from "node:path";

const DEADLINE_MS = 5000;
let dir: string;
let run: StartedRun;

beforeAll(async () => {
  dir = tempDir();
  const o = tinyOptions(dir, { keepCheckpoints: 3 });
  o.env_settings.max_message_mb = 1;
  o.env_settings.timeout_wait = 2;
  run = await startRun(o);
});
afterAll(() => removeDir(dir));

const ok = { status: 200, message: "" };
const msg = (m: Partial<UnityMessageProto>): Uint8Array => encodeReply({ header: ok, unityOutput: undefined, unityInput: undefined, ...m });

/** Field-level mutations of a 3DBall step. */
const agentMutation = fc.oneof(
  fc.record({ kind: fc.constant("reward" as const), v: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e38, -0) }),
  fc.record({ kind: fc.constant("id" as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ kind: fc.constant("obsLen" as const), v: fc.nat(20) }),
  fc.record({ kind: fc.constant("obsShape" as const), v: fc.array(fc.integer({ min: -5, max: 12 }), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant("obsValue" as const), v: fc.constantFrom(Number.NaN, Infinity, 3.4e38) }),
  fc.record({ kind: fc.constant("noObs" as const), v: fc.constant(0) }),
  fc.record({ kind: fc.constant("done" as const), v: fc.boolean() }),
);

const brainMutation = fc.record({
  name: fc.constantFrom(BALL, "F?team=0", "G?team=1", "", "../x?team=0"),
  continuous: fc.integer({ min: -3, max: 4 }),
  branches: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }),
  countDelta: fc.integer({ min: -1, max: 1 }),
  obsShape: fc.array(fc.integer({ min: -2, max: 6 }), { minLength: 0, maxLength: 3 }),
});

type Action =
  | { kind: "handshake"; version: string }
  | { kind: "empty" }
  | { kind: "step"; mutations: { agent: number; m: unknown }[] }
  | { kind: "goodbye"; status: number }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "truncate"; cut: number }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "brain"; b: unknown }
  | { kind: "sidechannel"; bytes: Uint8Array }
  | { kind: "sleep"; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("handshake" as const), version: fc.constantFrom("1.5.0", "1.0.0", "2.0.0", "", "x.y", "1.99.0") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("empty" as const) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("step" as const), mutations: fc.array(fc.record({ agent: fc.nat(3), m: agentMutation }), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("goodbye" as const), status: fc.constantFrom(400, 500, 0, 201) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), cut: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("brain" as const), b: brainMutation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sidechannel" as const), bytes: fc.uint8Array({ maxLength: 48 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 60 }) }) },
);

let stepIndex = 0;
function stepInfos(): AgentInfoProto[] {
  const s = stepIndex++;
  return Array.from({ length: 4 }, (_, i) => ballAgent(i, s));
}

function applyAgentMutation(info: AgentInfoProto, m: { kind: string; v: unknown }): void {
  if (info.observations.length === 0) info.observations = [ObservationProto.fromPartial({ shape: [8], floatData: { data: [] } })];
  switch (m.kind) {
    case "reward":
      info.reward = m.v as number;
      break;
    case "id":
      info.id = m.v as number;
      break;
    case "obsLen":
      info.observations[0]!.floatData = { data: [] };
      info.observations[0]!.floatData.data = Array.from({ length: m.v as number }, () => 0.5);
      break;
    case "obsShape":
      info.observations[0]!.shape = m.v as number[];
      break;
    case "obsValue": {
      // A non-finite value inside an otherwise well-formed float list (no holes: holes are not
      // encodable, so they would test the generator, not the trainer).
      const obs = info.observations[0];
      if (!obs) break;
      const data = (obs.floatData ??= { data: [] }).data;
      while (data.length < 2) data.push(0);
      data[1] = m.v as number;
      break;
    }
    case "noObs":
      info.observations = [];
      break;
    case "done":
      info.done = m.v as boolean;
      info.maxStepReached = m.v as boolean;
      break;
  }
}

function bytesFor(a: Action): Uint8Array | null {
  switch (a.kind) {
    case "handshake":
      return msg({ unityOutput: { rlOutput: undefined, rlInitializationOutput: handshakeOutput(a.version) } });
    case "empty":
      return msg({});
    case "goodbye":
      return msg({ header: { status: a.status, message: "" } });
    case "bytes":
      return a.bytes;
    case "step": {
      const infos = stepInfos();
      for (const { agent, m } of a.mutations) applyAgentMutation(infos[agent]!, m as { kind: string; v: unknown });
      return msg({ unityOutput: stepOutput({ infos: { [BALL]: infos }, announce: stepIndex % 5 === 1 ? [ballBrain()] : undefined }) });
    }
    case "truncate": {
      const full = msg({ unityOutput: stepOutput({ infos: { [BALL]: stepInfos() }, announce: [ballBrain()] }) });
      return full.subarray(0, Math.max(0, full.length - a.cut));
    }
    case "flip": {
      const full = Uint8Array.from(msg({ unityOutput: stepOutput({ infos: { [BALL]: stepInfos() }, announce: [ballBrain()] }) }));
      full[a.at % full.length]! ^= 1 << a.bit;
      return full;
    }
    case "brain": {
      const b = a.b as { name: string; continuous: number; branches: number[]; countDelta: number; obsShape: number[] };
      const brain = ballBrain(b.name, b.continuous, b.branches);
      brain.actionSpec!.numDiscreteActions = b.branches.length + b.countDelta;
      const n = b.obsShape.reduce((x, y) => x * Math.max(0, y), 1);
      const obs = ObservationProto.fromPartial({ shape: b.obsShape, floatData: { data: Array.from({ length: Math.min(n, 512) }, () => 0.1) } });
      return msg({ unityOutput: stepOutput({ infos: { [BALL]: stepInfos(), [b.name]: [ballAgent(40, 0, { observations: [obs] })] }, announce: [brain] }) });
    }
    case "sidechannel":
      return msg({ unityOutput: stepOutput({ infos: { [BALL]: stepInfos() }, sideChannel: a.bytes }) });
    case "sleep":
      return null;
  }
}

type Raw = ReturnType<typeof rawClient>;
/** Sends and resolves with "reply" / the gRPC code, or "TIMEOUT" past the deadline. */
function call(c: Raw, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("TIMEOUT"), DEADLINE_MS);
    c.exchange(Buffer.from(bytes), (e) => {
      clearTimeout(timer);
      resolve(e ? `code ${e.code}` : "reply");
    });
  });
}

describe("fuzzed message sequences against a listening run", () => {
  it("every call is answered in time; the run serves the next valid session with its steps intact", async () => {
    const trainerSteps = (): number => run.trainers.get("3DBall")?.stepCount ?? 0;
    let lastSteps = 0;
    const dump = (): string => run.lines.filter((l) => !l.startsWith("\t")).slice(-25).join("\n");
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
        const c = rawClient(run.port);
        // A valid opening half the time, so mutations also hit a live session.
        const seq: Action[] = actions[0]!.kind === "step" ? [{ kind: "handshake", version: "1.5.0" }, { kind: "empty" }, ...actions] : actions;
        for (const a of seq) {
          if (a.kind === "sleep") {
            await new Promise((r) => setTimeout(r, a.ms));
            continue;
          }
          const answer = await call(c, bytesFor(a)!);
          expect(answer, `${a.kind} was not answered within ${DEADLINE_MS} ms`).not.toBe("TIMEOUT");
        }
        c.close();
        // The step count never goes back, and the next valid session is served and counted.
        expect(trainerSteps()).toBeGreaterThanOrEqual(lastSteps);
        const before = trainerSteps();
        const u = new CraftedUnity(run.port);
        expect(await u.validSession(3).catch((e: unknown) => `${String(e)}\n${dump()}`)).toEqual([4, 4, 4]);
        u.close();
        expect(trainerSteps()).toBe(before + 8);
        lastSteps = trainerSteps();
      }),
      { numRuns: 60, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined, endOnFailure: true },
    );
    const result = await run.abort();
    expect(result.exitCode).toBe(0);
    // The fuzz reached the interesting paths: dropped agent steps, refused and ended sessions.
    const seen = (re: RegExp): number => run.lines.filter((l) => re.test(l)).length;
    if (process.env.FUZZ_REPORT) console.log({ dropped: seen(/Dropped step/), refused: seen(/Refusing Unity session/), malformed: seen(/Malformed message|INVALID_ARGUMENT/), stopped: seen(/Unity stopped at step/) });
    expect(seen(/Dropped step|Refusing Unity session/)).toBeGreaterThan(0);
    expect(seen(/Unity stopped at step/)).toBeGreaterThan(0);
    expect(stackLines(run.lines)).toEqual([]);
    // The checkpoint on disk holds the run's final step count and loads.
    const latest = await new CheckpointStore({ runDir: path.join(dir, "r"), behaviorName: "3DBall" }).loadLatest();
    expect(latest?.step).toBe(lastSteps);
  }, 90_000);
});
