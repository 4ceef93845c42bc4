// Issue 7 item 3 at the run level: every kind of bad input from the Unity side, one named test each,
// against ONE listening runTraining. Each test checks the exact answer (gRPC status or session
// refusal), the one log line that names the fault and the behavior/agent, and that the run then
// serves the next valid session and keeps counting. The table in /root/.lead/fault-table.md says
// the same thing in words.
import * as net from "node:net";
import * as path from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { CompressionTypeProto, ObservationProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";
import { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import { encodeReply } from "../../src/protocol/exchange-service.js";
import { handshakeOutput, rawClient } from "../protocol/unity-test-client.js";
import { encodePng } from "../env/helpers/protos.js";
import { BALL, ballAgent, ballBrain, CraftedUnity, grpcError, stepOutput } from "./crafted-unity.js";
import { readStatus, removeDir, stackLines, startRun, tempDir, tinyOptions, type StartedRun } from "./helpers.js";

let dir: string;
let run: StartedRun;
let mark = 0;

beforeAll(async () => {
  dir = tempDir();
  const o = tinyOptions(dir, { keepCheckpoints: 100 });
  o.env_settings.max_message_mb = 1;
  o.env_settings.timeout_wait = 3;
  run = await startRun(o);
});
afterAll(async () => {
  const steps = run.trainers.get("3DBall")!.stepCount;
  const result = await run.abort();
  // Every valid session's steps are in the final checkpoint, and no stack trace was ever logged.
  expect(result.exitCode).toBe(0);
  expect(readStatus(path.join(dir, "r"))["3DBall"]!.final_checkpoint!.steps).toBe(steps);
  expect(stackLines(run.lines)).toEqual([]);
  removeDir(dir);
});
beforeEach(() => {
  mark = run.lines.length;
});

/** Lines logged since the test began, without the per-session chatter (and debug lines unless asked). */
function newLines(debug = false): string[] {
  return run.lines
    .slice(mark)
    .filter((l) => debug || !l.startsWith("[DEBUG]"))
    .filter((l) => !/Handshake complete|Connected to Unity|Connected new brain|Exported |Hyperparameters|^\t|\n\t|Communicator has exited|Step: \d+\. Time/.test(l));
}

const SESSION_END = (what: string): RegExp => new RegExp(`^\\[INFO\\] ${what} at step [\\d,]+; checkpoint saved to .+; press Play to continue, Ctrl\\+C to finish\\.$`);

/** Waits for this test's session-end line (checkpoint written), then lets stragglers arrive. */
async function sessionEnded(): Promise<void> {
  await run.waitForLine(/at step [\d,]+; checkpoint saved to .+; press Play/, 10_000, mark);
  await settle();
}

async function settle(ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The run serves a new, valid session afterwards and its 3DBall step count grows by 2 x 4 agents. */
async function servesNextSession(): Promise<void> {
  await settle();
  const before = run.trainers.get("3DBall")?.stepCount ?? 0;
  const u = new CraftedUnity(run.port);
  const from = run.lines.length;
  expect(await u.validSession(3)).toEqual([4, 4, 4]);
  u.close();
  expect(run.trainers.get("3DBall")!.stepCount).toBe(before + 8);
  // Its goodbye is handled (stop line written) before the next test starts counting lines. The
  // line names this session's final step: a late line of an earlier session cannot stand in for it.
  const total = run.steps().toLocaleString("en-US");
  await run.waitForLine(new RegExp(`^\\[INFO\\] Unity stopped at step ${total}; checkpoint saved to .+; press Play`), 20_000, from);
}

/** A valid session with `steps` steps sent and answered, left open for the fault. */
async function openSession(steps = 2): Promise<CraftedUnity> {
  const u = new CraftedUnity(run.port);
  await u.open();
  for (let i = 0; i < steps; i++) await u.sendStep();
  return u;
}

type Raw = ReturnType<typeof rawClient>;
function sendRaw(c: Raw, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => c.exchange(Buffer.from(bytes), (e, r) => (e ? reject(e) : resolve(r))));
}
const encode = (m: Partial<UnityMessageProto>): Buffer => encodeReply({ header: { status: 200, message: "" }, unityOutput: undefined, unityInput: undefined, ...m });

/** A session driven with raw bytes on one connection, so the bad bytes come from the session's own Unity. */
async function rawSession(): Promise<Raw> {
  const c = rawClient(run.port);
  await sendRaw(c, encode({ unityOutput: { rlOutput: undefined, rlInitializationOutput: handshakeOutput("1.5.0") } }));
  await sendRaw(c, encode({}));
  const u = new CraftedUnity(run.port); // only used to build the infos
  await sendRaw(c, encode({ unityOutput: stepOutput({ infos: { [BALL]: u.nextInfos() }, announce: [ballBrain()] }) }));
  u.close();
  return c;
}

/** Replaces one 5-byte varint in an encoded message (same length, so no length prefix changes). */
function spliceVarint(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const varint = (v: number): number[] => {
    const out: number[] = [];
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  };
  const a = varint(from);
  const b = varint(to);
  expect(a.length).toBe(b.length);
  const out = Uint8Array.from(bytes);
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((x, k) => out[i + k] === x)) {
      out.set(b, i);
      return out;
    }
  }
  throw new Error("sentinel not found");
}

function actionsOf(reply: UnityMessageProto, behavior = BALL): number[][] {
  return reply.unityInput!.rlInput!.agentActions[behavior]!.value.map((a) => a.continuousActions);
}

describe("bad input from the Unity side never ends the run", () => {
  it("undecodable bytes from a stray connection: INVALID_ARGUMENT, one warning, session unaffected", async () => {
    const err = (await sendRaw(rawClient(run.port), Uint8Array.of(0xff, 0xff, 0xff, 0x01, 0x02)).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe("request is not a valid UnityMessageProto");
    await settle();
    expect(newLines()).toEqual([expect.stringMatching(/^\[WARNING\] Answered INVALID_ARGUMENT: 5 bytes from 127\.0\.0\.1:\d+ are not a UnityMessageProto \(.+\)\.$/)]);
    await servesNextSession();
  });

  it("undecodable bytes from the session's Unity: INVALID_ARGUMENT, session ended with one line, checkpoint saved", async () => {
    const c = await rawSession();
    const err = (await sendRaw(c, Uint8Array.of(0x0a, 0x05, 0xff, 0xff)).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    await sessionEnded();
    const lines = newLines();
    expect(lines.filter((l) => l.includes("not a UnityMessageProto"))).toEqual([
      expect.stringMatching(/^\[WARNING\] Malformed message from Unity: 4 bytes from 127\.0\.0\.1:\d+ are not a UnityMessageProto \(.+\)\.$/),
    ]);
    expect(lines).toContainEqual(expect.stringMatching(SESSION_END("Unity session ended \\(see the line above\\)")));
    c.close();
    await servesNextSession();
  });

  it("a truncated message: INVALID_ARGUMENT naming the premature end", async () => {
    const c = await rawSession();
    const u = new CraftedUnity(run.port);
    const full = encode({ unityOutput: stepOutput({ infos: { [BALL]: u.nextInfos() } }) });
    u.close();
    const err = (await sendRaw(c, full.subarray(0, full.length - 7)).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    await sessionEnded();
    expect(newLines().filter((l) => l.includes("UnityMessageProto"))).toEqual([expect.stringMatching(/Malformed message from Unity: \d+ bytes from .+ are not a UnityMessageProto \(premature EOF\)\.$/)]);
    c.close();
    await servesNextSession();
  });

  it("a wrong status (500) mid-session: treated as Unity's goodbye, answered with status 400, checkpoint and stop line", async () => {
    const u = await openSession();
    const reply = await u.send({ header: { status: 500, message: "" } });
    expect(reply.header?.status).toBe(400);
    await sessionEnded();
    expect(newLines()).toEqual([expect.stringMatching(SESSION_END("Unity stopped"))]);
    u.close();
    await servesNextSession();
  });

  it("a step message without a handshake: FAILED_PRECONDITION and one warning", async () => {
    const u = new CraftedUnity(run.port);
    const err = await grpcError(u.sendStep());
    expect(err?.code).toBe(status.FAILED_PRECONDITION);
    expect(err?.details).toBe("no session for this connection: start with the handshake (rl_initialization_output with communication_version)");
    await settle();
    expect(newLines()).toEqual([expect.stringMatching(/^\[WARNING\] Rejected a call from 127\.0\.0\.1:\d+: no session for this connection: start with the handshake/)]);
    u.close();
    await servesNextSession();
  });

  it("a handshake out of order (mid-session): starts a new session; the old one ends with a stop line", async () => {
    const u = await openSession();
    const r = await u.handshake();
    expect(r.unityInput?.rlInitializationInput?.communicationVersion).toBe("1.5.0");
    await sessionEnded();
    expect(newLines()).toEqual([expect.stringMatching(SESSION_END("Unity stopped"))]);
    u.close();
    await servesNextSession();
  });

  it("a step message without unity_output after the handshake: INVALID_ARGUMENT, session ended", async () => {
    const u = await openSession();
    const err = await grpcError(u.send({ header: { status: 200, message: "" } }));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe("a step message must carry unity_output");
    await sessionEnded();
    const lines = newLines();
    expect(lines.filter((l) => l.includes("lacks unity_output"))).toEqual([expect.stringMatching(/^\[WARNING\] Malformed message from Unity: a step message from 127\.0\.0\.1:\d+ lacks unity_output\.$/)]);
    expect(lines).toContainEqual(expect.stringMatching(SESSION_END("Unity session ended \\(see the line above\\)")));
    u.close();
    await servesNextSession();
  });

  describe("per-agent faults: only that agent's step is dropped (zero action), the session goes on", () => {
    const cases: [string, (infos: AgentInfoProto[]) => void, RegExp][] = [
      ["missing observations", (i) => (i[1]!.observations = []), /agent 1 of behavior 3DBall\?team=0: has 0 observations, expected 1$/],
      ["an extra observation", (i) => i[1]!.observations.push(i[0]!.observations[0]!), /agent 1 of behavior 3DBall\?team=0: has 2 observations, expected 1$/],
      [
        "a mis-sized observation",
        (i) => (i[1]!.observations = [ObservationProto.fromPartial({ shape: [5], floatData: { data: [1, 2, 3, 4, 5] } })]),
        /agent 1 of behavior 3DBall\?team=0: observation 0 has shape \[5\], expected \[8\]$/,
      ],
      [
        "an observation whose float count disagrees with its shape",
        (i) => i[1]!.observations[0]!.floatData!.data.pop(),
        /agent 1 of behavior 3DBall\?team=0: observation 0 has 7 floats, expected 8$/,
      ],
      ["a NaN reward", (i) => (i[1]!.reward = Number.NaN), /agent 1 of behavior 3DBall\?team=0: reward is NaN$/],
      ["an infinite reward", (i) => (i[1]!.reward = -Infinity), /agent 1 of behavior 3DBall\?team=0: reward is -Infinity$/],
      ["a NaN observation", (i) => (i[1]!.observations[0]!.floatData!.data[2] = Number.NaN), /agent 1 of behavior 3DBall\?team=0: observation 0 has NaN$/],
      ["an infinite observation", (i) => (i[1]!.observations[0]!.floatData!.data[2] = Infinity), /agent 1 of behavior 3DBall\?team=0: observation 0 has Inf$/],
      ["a duplicate agent id", (i) => (i[1]!.id = 0), /agent 0 of behavior 3DBall\?team=0: duplicate agent id 0 in decision steps$/],
      ["a negative agent id", (i) => (i[1]!.id = -5), /agent -5 of behavior 3DBall\?team=0: negative agent id -5$/],
      [
        "invalid PNG bytes",
        (i) =>
          (i[1]!.observations = [
            ObservationProto.fromPartial({ shape: [8], compressionType: CompressionTypeProto.PNG, compressedData: Buffer.from("not a png"), dimensionProperties: [1] }),
          ]),
        /agent 1 of behavior 3DBall\?team=0: observation 0 is an invalid PNG observation: .+$/,
      ],
    ];
    for (const [name, mutate, line] of cases) {
      it(name, async () => {
        const u = await openSession();
        const reply = await u.sendStep((p) => mutate(p.infos[BALL]!));
        const actions = actionsOf(reply);
        expect(actions).toHaveLength(4); // one action per wire entry, as Unity expects
        expect(actions[1]).toEqual([0, 0]); // the dropped step gets a zero action
        expect(actions[3]!.some((v) => v !== 0)).toBe(true); // the others are the policy's
        expect(await u.sendStep()).toBeDefined();
        const dropped = newLines().filter((l) => l.includes("Dropped step"));
        expect(dropped).toHaveLength(1);
        expect(dropped[0]).toMatch(/^\[WARNING\] Dropped step of /);
        expect(dropped[0]).toMatch(line);
        await u.goodbye().catch(() => undefined);
        u.close();
        await servesNextSession();
      });
    }

    it("an invalid PNG in a visual behavior", async () => {
      const u = await openSession();
      const cam = "Cam?team=0";
      const png = encodePng(20, 20, (x, y) => [x * 10, y * 10, 0]);
      const visual = (bytes: Uint8Array): ObservationProto[] => [
        ObservationProto.fromPartial({ shape: [3, 20, 20], compressionType: CompressionTypeProto.PNG, compressedData: Buffer.from(bytes), dimensionProperties: [1, 2, 2] }),
      ];
      await u.sendStep((p) => {
        p.announce = [ballBrain(cam, 0, [3])];
        p.infos[cam] = [ballAgent(100, 0, { observations: visual(png) }), ballAgent(101, 0, { observations: visual(png) })];
      });
      const bad = png.slice();
      bad.fill(0x55, 40, 80); // inside IDAT: the checksum no longer matches
      const reply = await u.sendStep((p) => {
        p.infos[cam] = [ballAgent(100, 1, { observations: visual(png) }), ballAgent(101, 1, { observations: visual(bad) })];
      });
      expect(reply.unityInput!.rlInput!.agentActions[cam]!.value.map((a) => a.discreteActions)).toEqual([[expect.any(Number)], [0]]);
      const dropped = newLines().filter((l) => l.includes("Dropped step"));
      expect(dropped).toEqual([expect.stringMatching(/^\[WARNING\] Dropped step of agent 101 of behavior Cam\?team=0: observation 0 is an invalid PNG observation: .+/)]);
      await u.goodbye().catch(() => undefined);
      u.close();
      await servesNextSession();
    });
  });

  describe("session faults: the session is refused (status 400 to Unity), checkpoint, one line, run waits", () => {
    const refusals: [string, (p: { infos: Record<string, AgentInfoProto[]>; announce?: ReturnType<typeof ballBrain>[] }) => void, string][] = [
      [
        "a negative observation shape",
        (p) => {
          p.announce = [ballBrain("Neg?team=0")];
          p.infos["Neg?team=0"] = [ballAgent(9, 0, { observations: [ObservationProto.fromPartial({ shape: [-3], floatData: { data: [1, 2, 3] } })] })];
        },
        "behavior Neg?team=0: observation 0 has a negative dimension in shape [-3]",
      ],
      [
        "an observation shape too large to allocate",
        (p) => {
          p.announce = [ballBrain("Huge?team=0")];
          p.infos["Huge?team=0"] = [
            ballAgent(9, 0, { observations: [ObservationProto.fromPartial({ shape: [100000, 100000, 3], dimensionProperties: [1, 2, 2], floatData: { data: [1] } })] }),
          ];
        },
        "behavior Huge?team=0: observation 0 has shape [100000, 100000, 3] = 30000000000 floats per agent, over the cap of 67108864",
      ],
      [
        "agents of a behavior never announced",
        (p) => (p.infos["Ghost?team=0"] = [ballAgent(20, 0)]),
        "behavior Ghost?team=0: Unity sent agents for a behavior it never announced",
      ],
      [
        "an action spec with a negative size",
        (p) => {
          p.announce = [ballBrain("NegAct?team=0", -2)];
          p.infos["NegAct?team=0"] = [ballAgent(20, 0)];
        },
        "behavior NegAct?team=0: negative number of continuous actions -2",
      ],
      [
        "an action spec with a zero-size branch",
        (p) => {
          p.announce = [ballBrain("Zero?team=0", 0, [3, 0])];
          p.infos["Zero?team=0"] = [ballAgent(20, 0)];
        },
        "behavior Zero?team=0: discrete branch 1 has size 0; every branch needs at least one action",
      ],
      [
        "an action spec whose branch count disagrees with its branch sizes",
        (p) => {
          const b = ballBrain("Count?team=0", 0, [3, 2]);
          b.actionSpec!.numDiscreteActions = 3;
          p.announce = [b];
          p.infos["Count?team=0"] = [ballAgent(20, 0)];
        },
        "behavior Count?team=0: num_discrete_actions is 3 but discrete_branch_sizes has 2 entries [3, 2]",
      ],
      [
        "a new behavior whose first agent has no observations (the spec is built from it)",
        (p) => {
          p.announce = [ballBrain("NoObs?team=0")];
          p.infos["NoObs?team=0"] = [ballAgent(20, 0, { observations: [] })];
        },
        "behavior NoObs?team=0: it announces no observations; a trainer needs at least one",
      ],
      [
        "a changed spec for a behavior the run already trains",
        (p) => {
          p.announce = [ballBrain(BALL, 3)];
        },
        "behavior 3DBall?team=0: re-announced with a different spec: actions changed from",
      ],
    ];
    for (const [name, mutate, reason] of refusals) {
      it(name, async () => {
        const u = await openSession();
        const reply = await u.sendStep(mutate);
        expect(reply.header?.status).toBe(400);
        await sessionEnded();
        const lines = newLines();
        expect(lines, lines.join("\n")).toHaveLength(1);
        expect(lines[0]).toMatch(SESSION_END("Unity session ended \\(Refusing Unity session: .+\\)"));
        expect(lines[0]).toContain(`(Refusing Unity session: ${reason}`);
        // Unity's next message gets the clear end-of-session answer.
        expect((await u.send({ header: { status: 200, message: "" }, unityOutput: stepOutput({}) })).header?.status).toBe(400);
        u.close();
        await servesNextSession();
      });
    }

    it("a shape dimension over 2^31 (wraps to a negative int32 on the wire)", async () => {
      const c = await rawSession();
      const u = new CraftedUnity(run.port);
      const infos = u.nextInfos();
      u.close();
      const sentinel = 2 ** 28 + 1; // a 5-byte varint, as 2^31 + 5 is
      const msg = encode({
        unityOutput: stepOutput({
          infos: { [BALL]: infos, "Wide?team=0": [ballAgent(9, 0, { observations: [ObservationProto.fromPartial({ shape: [sentinel], floatData: { data: [1] } })] })] },
          announce: [ballBrain("Wide?team=0")],
        }),
      });
      const reply = UnityMessageProto.decode(await sendRaw(c, spliceVarint(msg, sentinel, 2 ** 31 + 5)));
      expect(reply.header?.status).toBe(400);
      await sessionEnded();
      expect(newLines()).toEqual([expect.stringMatching(/Unity session ended \(Refusing Unity session: behavior Wide\?team=0: observation 0 has a negative dimension in shape \[-2147483643\]\) at step/)]);
      c.close();
      await servesNextSession();
    });

    it("a refused first message: 'Unity session refused' line, status 400", async () => {
      const u = new CraftedUnity(run.port);
      await u.open();
      const reply = await u.sendStep((p) => {
        p.announce = [ballBrain(BALL, 0, [0])];
      });
      expect(reply.header?.status).toBe(400);
      await settle(300);
      expect(newLines()).toEqual([
        "[WARNING] Unity session refused: Refusing Unity session: behavior 3DBall?team=0: discrete branch 0 has size 0; every branch needs at least one action Waiting for the next connection.",
      ]);
      u.close();
      await servesNextSession();
    });
  });

  describe("side channels and versions", () => {
    it("malformed side-channel framing: the blob is ignored with one warning, the step is used", async () => {
      const u = await openSession();
      const blob = new Uint8Array(20);
      blob.fill(0xab, 0, 16);
      new DataView(blob.buffer).setInt32(16, 0x7fffffff, true);
      const reply = await u.sendStep((p) => (p.sideChannel = blob));
      expect(actionsOf(reply)).toHaveLength(4);
      expect(newLines()).toEqual([
        "[WARNING] Ignoring malformed side-channel data from Unity: Side channel error at byte offset 0: payload length 2147483647 runs past the end (0 bytes left).",
      ]);
      await u.goodbye().catch(() => undefined);
      u.close();
      await servesNextSession();
    });

    it("an unknown side channel: ignored, one debug line naming the channel id", async () => {
      const u = await openSession();
      const blob = new Uint8Array(16 + 4 + 3);
      blob.fill(0xab, 0, 16);
      new DataView(blob.buffer).setInt32(16, 3, true);
      const reply = await u.sendStep((p) => (p.sideChannel = blob));
      expect(actionsOf(reply)).toHaveLength(4);
      expect(newLines(true)).toEqual(["[DEBUG] Unknown side channel data received. Channel type: abababab-abab-abab-abab-abababababab."]);
      await u.goodbye().catch(() => undefined);
      u.close();
      await servesNextSession();
    });

    it("an incompatible communication version: RPC #1 answered, RPC #2 gets status 400, one error line", async () => {
      const u = new CraftedUnity(run.port);
      const r1 = await u.handshake("2.0.0");
      expect(r1.header?.status).toBe(200);
      expect(r1.unityInput?.rlInitializationInput?.communicationVersion).toBe("1.5.0");
      expect((await u.empty()).header?.status).toBe(400);
      await settle();
      expect(newLines(), newLines().join("\n")).toEqual([
        '[ERROR] The communication API version is not compatible between Unity and mlagents-ts: trainer API 1.5.0, Unity API "2.0.0". Use a com.unity.ml-agents package with communication version 1.x, or upgrade mlagents-ts.',
      ]);
      u.close();
      await servesNextSession();
    });
  });

  describe("connections and sizes", () => {
    it("a message over the size cap: RESOURCE_EXHAUSTED, one line naming --max-message-mb", async () => {
      const u = await openSession();
      const err = await grpcError(u.sendStep((p) => (p.infos[BALL]![0]!.observations[0]!.name = "x".repeat(2 * 1024 * 1024))));
      expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err?.details).toMatch(/^Received message larger than max \(\d+ vs 1048576\)$/);
      await sessionEnded();
      const lines = newLines();
      expect(lines.filter((l) => l.includes("--max-message-mb"))).toEqual([
        expect.stringMatching(/^\[WARNING\] Unity sent a message of \d+ bytes, over the receive limit of 1048576 bytes \(1\.0 MiB\)\. Raise it with --max-message-mb\.$/),
      ]);
      expect(lines).toContainEqual(expect.stringMatching(SESSION_END("Unity session ended \\(see the line above\\)")));
      u.close();
      await servesNextSession();
    });

    it("a silent client and half an HTTP/2 preface cost nothing while a real Unity connects", async () => {
      const silent = net.connect(run.port, "127.0.0.1");
      const half = net.connect(run.port, "127.0.0.1");
      half.write("PRI * HTTP/2.0\r\n");
      await settle();
      await servesNextSession();
      await servesNextSession();
      expect(silent.destroyed).toBe(false); // still held open: it just never matters
      expect(newLines().filter((l) => /WARNING|ERROR/.test(l))).toEqual([]);
      silent.destroy();
      half.destroy();
    });

    it("Unity going silent mid-session: after --timeout-wait the run checkpoints and waits", async () => {
      const u = await openSession();
      // Send nothing: the trainer's wait (timeout_wait 3 s here) runs out.
      await sessionEnded();
      expect(newLines()).toEqual([expect.stringMatching(SESSION_END("Unity stopped"))]);
      const err = await grpcError(u.sendStep());
      expect(err?.code).toBe(status.FAILED_PRECONDITION);
      expect(err?.details).toMatch(/^this Unity session has ended: The Unity environment took too long to respond/);
      u.close();
      await servesNextSession();
    });
  });
});
