import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  CommunicatorClosedError,
  IncompatibleVersionError,
  MalformedMessageError,
  PortInUseError,
  UnityTimeoutError,
} from "../../src/protocol/errors.js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import { RpcCommunicator } from "../../src/protocol/rpc-communicator.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { initInput, rawClient, rlInput, TestUnity } from "./unity-test-client.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function server(opts: { maxMessageBytes?: number } = {}) {
  const logger = createMemoryLogger();
  const comm = await RpcCommunicator.listen({ port: 0, logger, ...opts });
  open.push(comm);
  return { comm, logger };
}

function unity(port: number, host?: string): TestUnity {
  const u = new TestUnity(port, host);
  open.push(u);
  return u;
}

/** Full two-RPC handshake; leaves Unity's RPC #2 parked and returns its pending reply. */
async function connect(comm: RpcCommunicator, u: TestUnity) {
  const init = comm.initialize(initInput(), 5000);
  const reply1 = await u.handshake();
  const rpc2 = u.empty();
  const out = await init;
  return { reply1, rpc2, out };
}

/** Polls a condition of the server's state: waits for the event, bounded only by the test timeout. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

const grpcCode = (p: Promise<unknown>) => p.then(() => "resolved", (e: grpc.ServiceError) => e.code);

describe("RpcCommunicator handshake and steps", () => {
  it("does the two-RPC handshake, answers RPC #2 with RESET, then exchanges steps", async () => {
    const { comm, logger } = await server();
    const u = unity(comm.port, "localhost"); // Unity dials "localhost": IPv4 or IPv6 loopback
    const { reply1, rpc2, out } = await connect(comm, u);
    expect(reply1.header?.status).toBe(200);
    expect(reply1.unityInput?.rlInitializationInput).toEqual(initInput());
    expect(out.name).toBe("AcademySingleton");
    expect(out.communicationVersion).toBe("1.5.0");
    expect(out.packageVersion).toBe("3.0.0-exp.1");
    expect(logger.lines.some((l) => l.includes("Handshake complete"))).toBe(true);

    const side = Buffer.from([1, 2, 3]);
    const first = comm.exchange(rlInput(CommandProto.RESET, side), 5000);
    const reply2 = await rpc2;
    expect(reply2.header?.status).toBe(200);
    expect(reply2.unityInput?.rlInput?.command).toBe(CommandProto.RESET);
    expect(Buffer.from(reply2.unityInput!.rlInput!.sideChannel)).toEqual(side);

    let pending = u.step(2);
    let obs = await first;
    for (let i = 3; i < 6; i++) {
      expect(obs.rlOutput?.agentInfos["3DBall?team=0"]?.value).toHaveLength(i - 1);
      const next = comm.exchange(rlInput(CommandProto.STEP), 5000);
      const reply = await pending;
      expect(reply.unityInput?.rlInput?.command).toBe(CommandProto.STEP);
      pending = u.step(i);
      obs = await next;
    }
    expect(obs.rlOutput?.agentInfos["3DBall?team=0"]?.value).toHaveLength(5);
  });

  it("parks a handshake that arrives before the trainer asks for it", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const reply1 = u.handshake();
    await until(() => comm["pendingHandshake"] !== null); // the server holds RPC #1, nobody asked yet
    const init = comm.initialize(initInput(3), 5000);
    expect((await reply1).unityInput?.rlInitializationInput?.seed).toBe(3);
    const rpc2 = u.empty();
    await init;
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await rpc2;
    const step = u.step(1);
    expect((await ex).rlOutput?.agentInfos["3DBall?team=0"]?.value).toHaveLength(1);
    await comm.close();
    expect((await step).header?.status).toBe(400);
  });
});

describe("RpcCommunicator: Unity stopping", () => {
  it("status 400 from Unity rejects the pending exchange with UnityStoppedError(status-400)", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await rpc2;
    const bye = u.goodbye();
    await expect(ex).rejects.toMatchObject({ name: "UnityStoppedError", reason: "status-400" });
    expect((await bye).header?.status).toBe(400);
    await expect(comm.exchange(rlInput(CommandProto.STEP), 100)).rejects.toThrow(/initialize\(\) first/);
  });

  it("a client that goes away while the trainer waits rejects with UnityStoppedError(disconnected)", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    const ex = comm.exchange(rlInput(CommandProto.RESET), 20_000);
    await rpc2;
    u.close();
    // Seen as a disconnect, not as the 20 s timeout (which would be a UnityTimeoutError).
    await expect(ex).rejects.toMatchObject({ name: "UnityStoppedError", reason: "disconnected" });
  });

  it("a client that goes away while its call is parked is reported by the next exchange", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u); // RPC #2 parked, trainer "busy"
    void rpc2.catch(() => undefined);
    // grpc-js's close() lets the parked call finish, so the connection goes away right after our
    // reply; the exchange that then waits for Unity's next message sees the disconnect (no sleep needed).
    u.close();
    await expect(comm.exchange(rlInput(CommandProto.RESET), 5000)).rejects.toMatchObject({ reason: "disconnected" });
  });

  // A timeout that never fires ends in the test's own timeout; how late it fires under load is not
  // asserted here (no upper bounds on a busy machine), only that it waits its full time.
  it("no message within the timeout rejects with UnityTimeoutError, not before it", async () => {
    const { comm } = await server();
    const t0 = Date.now();
    await expect(comm.initialize(initInput(), 200)).rejects.toBeInstanceOf(UnityTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(195);
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    const t1 = Date.now();
    const ex = comm.exchange(rlInput(CommandProto.RESET), 300);
    await rpc2;
    await expect(ex).rejects.toThrow(/nothing received within 0.3 s.*--timeout-wait/);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(295);
    // The late message of a timed-out session gets a clear error, not a hang.
    expect(await grpcCode(u.step(1))).toBe(grpc.status.FAILED_PRECONDITION);
  });
});

describe("RpcCommunicator: versions and sessions", () => {
  it("rejects an incompatible Unity with IncompatibleVersionError and serves the next compatible one", async () => {
    const { comm, logger } = await server();
    const old = unity(comm.port);
    const init = comm.initialize(initInput(), 5000).catch((e: unknown) => e);
    const reply1 = await old.handshake("2.0.0");
    expect(reply1.unityInput?.rlInitializationInput?.communicationVersion).toBe("1.5.0");
    const err = await init;
    expect(err).toBeInstanceOf(IncompatibleVersionError);
    expect((err as Error).message).toMatch(/trainer API 1\.5\.0, Unity API "2\.0\.0".*communication version 1\.x/);
    expect(logger.lines.filter((l) => l.includes("not compatible"))).toHaveLength(1);
    expect((await old.empty()).header?.status).toBe(400); // RPC #2 told to stop, as Python does

    const good = unity(comm.port);
    const { rpc2, out } = await connect(comm, good);
    expect(out.communicationVersion).toBe("1.5.0");
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    expect((await rpc2).unityInput?.rlInput?.command).toBe(CommandProto.RESET);
    void good.step(1);
    await ex;
  });

  it("a new handshake replaces the active session", async () => {
    const { comm } = await server();
    const a = unity(comm.port);
    const { rpc2 } = await connect(comm, a);
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await rpc2;
    const b = unity(comm.port);
    const bReply1 = b.handshake();
    await expect(ex).rejects.toMatchObject({ name: "UnityStoppedError", reason: "replaced" });
    const late = await a.step(1).catch((e: grpc.ServiceError) => e);
    expect(late).toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    expect((late as grpc.ServiceError).details, (late as grpc.ServiceError).details).toMatch(/replaced by a newer Unity connection/);

    const init = comm.initialize(initInput(9), 5000);
    expect((await bReply1).unityInput?.rlInitializationInput?.seed).toBe(9);
    const bRpc2 = b.empty();
    await init;
    const ex2 = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await bRpc2;
    void b.step(4);
    expect((await ex2).rlOutput?.agentInfos["3DBall?team=0"]?.value).toHaveLength(4);
  });

  it("a new handshake while the old session's call is parked answers that call with an error", async () => {
    const { comm } = await server();
    const a = unity(comm.port);
    const { rpc2 } = await connect(comm, a); // parked: the trainer is busy
    const b = unity(comm.port);
    const bReply1 = b.handshake();
    const parked = await rpc2.catch((e: grpc.ServiceError) => e);
    expect(parked).toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    await expect(comm.exchange(rlInput(CommandProto.RESET), 1000)).rejects.toMatchObject({ reason: "replaced" });
    const init = comm.initialize(initInput(), 5000);
    await bReply1;
    void b.empty();
    expect((await init).name).toBe("AcademySingleton");
  });

  it("a stray call from another client while one is parked is refused without disturbing the session", async () => {
    const { comm } = await server();
    const a = unity(comm.port);
    const { rpc2 } = await connect(comm, a); // a's RPC #2 is parked
    const stray = unity(comm.port);
    expect(await grpcCode(stray.step(1))).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await grpcCode(stray.empty())).toBe(grpc.status.FAILED_PRECONDITION);
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    expect((await rpc2).unityInput?.rlInput?.command).toBe(CommandProto.RESET);
    void a.step(2);
    expect((await ex).rlOutput?.agentInfos["3DBall?team=0"]?.value).toHaveLength(2);
  });

  it("a step message without unity_output ends the session with MalformedMessageError", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await rpc2;
    const bad = grpcCode(u.empty());
    await expect(ex).rejects.toBeInstanceOf(MalformedMessageError);
    expect(await bad).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe("RpcCommunicator: hostile input", () => {
  it("answers undecodable bytes with INVALID_ARGUMENT, logs one line, and serves the next client", async () => {
    const { comm, logger } = await server();
    const raw = rawClient(comm.port);
    open.push(raw);
    const code = await new Promise<number | undefined>((resolve) => {
      raw.exchange(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), (err) => resolve(err?.code));
    });
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(logger.lines.filter((l) => l.includes("not a UnityMessageProto"))).toHaveLength(1);
    const u = unity(comm.port);
    const { out } = await connect(comm, u);
    expect(out.name).toBe("AcademySingleton");
  });

  it("random bytes from many calls are all answered, and a real Unity still connects", async () => {
    const { comm } = await server();
    const raw = rawClient(comm.port);
    open.push(raw);
    const samples = fc.sample(fc.uint8Array({ maxLength: 120 }), { numRuns: 40, seed: 42 });
    const settled = samples.map(
      (bytes) => new Promise<number>((resolve) => raw.exchange(Buffer.from(bytes), (err) => resolve(err?.code ?? grpc.status.OK))),
    );
    const u = unity(comm.port);
    const { rpc2, out } = await connect(comm, u);
    expect(out.name).toBe("AcademySingleton");
    const ex = comm.exchange(rlInput(CommandProto.RESET), 5000);
    await rpc2;
    void u.step(1);
    await ex;
    await comm.close();
    const codes = await Promise.all(settled);
    for (const c of codes) expect([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION]).toContain(c);
    expect(codes).toContain(grpc.status.INVALID_ARGUMENT);
  });

  it("a silent TCP client and half an HTTP/2 preface do not block a real client or close()", async () => {
    const { comm } = await server();
    const silent = net.connect(comm.port, "127.0.0.1");
    const half = net.connect(comm.port, "127.0.0.1", () => half.write("PRI * HTTP/2.0\r\n"));
    const silentEnded = new Promise((r) => silent.once("close", r));
    for (const s of [silent, half]) s.on("error", () => undefined).resume();
    await Promise.all([silent, half].map((s) => new Promise((r) => (s.connecting ? s.once("connect", r) : r(null)))));
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    void rpc2.catch(() => undefined);
    await comm.close(); // resolves while both idle clients are still connected
    await silentEnded; // the server dropped the silent connection
    silent.destroy();
    half.destroy();
  });

  it("logs a message over the receive cap with the option that raises it", async () => {
    const { comm, logger } = await server({ maxMessageBytes: 2000 });
    const u = unity(comm.port);
    const big = await u.step(500).catch((e: grpc.ServiceError) => e);
    expect(big).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(logger.lines.filter((l) => l.includes("--max-message-mb"))).toHaveLength(1);
  });
});

describe("RpcCommunicator: reply size", () => {
  it("warns when a reply exceeds Unity's 4 MiB receive limit", async () => {
    const { comm, logger } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    const ex = comm.exchange(rlInput(CommandProto.RESET, Buffer.alloc(4 * 1024 * 1024 + 10)), 300);
    expect(await grpcCode(rpc2)).toBe(grpc.status.RESOURCE_EXHAUSTED); // as Unity's client would
    expect(logger.lines.filter((l) => l.includes("over Unity's 4 MiB receive limit"))).toHaveLength(1);
    await expect(ex).rejects.toBeInstanceOf(UnityTimeoutError); // this client stays connected but silent
  });
});

describe("RpcCommunicator: ports and closing", () => {
  it("rejects a port in use with PortInUseError naming --base-port", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise((r) => blocker.close(r)) });
    const port = (blocker.address() as net.AddressInfo).port;
    const err = await RpcCommunicator.listen({ port, logger: createMemoryLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toMatch(new RegExp(`port ${port}.*--base-port`));

    const { comm } = await server();
    await expect(RpcCommunicator.listen({ port: comm.port, logger: createMemoryLogger() })).rejects.toBeInstanceOf(PortInUseError);
  });

  it("binds only loopback by default", async () => {
    const { comm } = await server();
    expect(comm.addresses.length).toBeGreaterThanOrEqual(1);
    for (const a of comm.addresses) expect(a).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
  });

  it("close() answers a parked call with status 400, is idempotent, and ends the communicator", async () => {
    const { comm } = await server();
    const u = unity(comm.port);
    const { rpc2 } = await connect(comm, u);
    await Promise.all([comm.close(), comm.close()]);
    const reply = await rpc2;
    expect(reply.header?.status).toBe(400);
    expect(reply.unityInput).toBeUndefined();
    await expect(comm.initialize(initInput(), 100)).rejects.toBeInstanceOf(CommunicatorClosedError);
    await expect(comm.exchange(rlInput(CommandProto.STEP), 100)).rejects.toBeInstanceOf(CommunicatorClosedError);
  });

  it("close() rejects a trainer waiting for Unity", async () => {
    const { comm } = await server();
    const init = comm.initialize(initInput(), 10_000);
    await comm.close();
    await expect(init).rejects.toBeInstanceOf(CommunicatorClosedError);
  });

  it("refuses overlapping initialize/exchange calls", async () => {
    const { comm } = await server();
    const init = comm.initialize(initInput(), 300);
    await expect(comm.exchange(rlInput(CommandProto.STEP), 100)).rejects.toThrow(/lock-step/);
    await expect(init).rejects.toBeInstanceOf(UnityTimeoutError);
  });
});
