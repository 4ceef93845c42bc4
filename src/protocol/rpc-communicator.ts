// The trainer-side gRPC server (docs/protocol.md §2, §10): Unity calls Exchange; we park each call and
// answer it when the trainer has the next input, so exactly one call is outstanding (lock-step).
// A session is one Unity connection from its handshake (RPC #1) on; a newer handshake replaces it.
import * as grpc from "@grpc/grpc-js";
import type * as net from "node:net";
import { createLogger, type Logger } from "../util/logger.js";
import type { Communicator } from "./communicator.js";
import {
  CommunicatorClosedError,
  IncompatibleVersionError,
  MalformedMessageError,
  MessageTooLargeError,
  ProtocolError,
  UnityStoppedError,
  UnityTimeoutError,
} from "./errors.js";
import { encodeReply, exchangeServiceDefinition, type DecodedRequest } from "./exchange-service.js";
import { statusReply, wrapCall, type IncomingCall } from "./incoming-call.js";
import type { UnityInputProto } from "./generated/mlagents_envs/communicator_objects/unity_input.js";
import type { UnityMessageProto } from "./generated/mlagents_envs/communicator_objects/unity_message.js";
import type { UnityOutputProto } from "./generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInitializationInputProto } from "./generated/mlagents_envs/communicator_objects/unity_rl_initialization_input.js";
import type { UnityRLInitializationOutputProto } from "./generated/mlagents_envs/communicator_objects/unity_rl_initialization_output.js";
import { listenSockets, type SocketListener } from "./socket-listener.js";
import { COMMUNICATION_API_VERSION, isVersionCompatible } from "./versions.js";

export interface RpcCommunicatorOptions {
  port: number;
  /** Bind only this address. Default: loopback, 127.0.0.1 and [::1]. */
  host?: string;
  /** Largest message accepted from Unity (default 64 MiB; --max-message-mb). */
  maxMessageBytes?: number;
  logger?: Logger;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Unity's Grpc.Core client keeps gRPC's default 4 MiB receive limit. */
export const UNITY_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 1000;
const MAX_REMEMBERED_PEERS = 64;
const GOODBYE = Symbol("answer with status 400");

interface Session {
  readonly peer: string;
  /** False until RPC #2 (the one message allowed without unity_output) has arrived. */
  expectOutput: boolean;
  /** The call the trainer answers next. */
  parked: IncomingCall | null;
  /** The parked call's message, when it arrived while the trainer was not waiting. */
  unread: UnityMessageProto | null;
  ended: ProtocolError | null;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

export class RpcCommunicator implements Communicator {
  private session: Session | null = null;
  private waiter: (Waiter<UnityMessageProto> & { session: Session }) | null = null;
  private pendingHandshake: IncomingCall | null = null;
  private handshakeWaiter: Waiter<IncomingCall> | null = null;
  /** Connections whose session is over: what their next call gets. */
  private readonly endedPeers = new Map<string, string | typeof GOODBYE>();
  private readonly sockets = new Set<net.Socket>();
  private listener: SocketListener | null = null;
  private busy = false;
  private closed = false;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: grpc.Server,
    private readonly maxMessageBytes: number,
    private readonly log: Logger,
  ) {}

  static async listen(opts: RpcCommunicatorOptions): Promise<RpcCommunicator> {
    const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const log = opts.logger ?? createLogger();
    let self: RpcCommunicator | null = null;
    const server = new grpc.Server({
      "grpc.max_receive_message_length": maxMessageBytes,
      interceptors: [(_method, call) => self!.watchStatus(call)],
    });
    const comm = (self = new RpcCommunicator(server, maxMessageBytes, log));
    server.addService(exchangeServiceDefinition, {
      exchange: (call: grpc.ServerUnaryCall<DecodedRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        comm.onCall(call, callback),
    });
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    try {
      comm.listener = await listenSockets(opts.port, opts.host, (socket) => comm.onSocket(socket, injector));
    } catch (e) {
      server.forceShutdown();
      throw e;
    }
    log.debug(`Listening for Unity on ${comm.listener.addresses.join(", ")}`);
    return comm;
  }

  get port(): number {
    return this.listener!.port;
  }

  get addresses(): readonly string[] {
    return this.listener!.addresses;
  }

  async initialize(init: UnityRLInitializationInputProto, timeoutMs: number): Promise<UnityRLInitializationOutputProto> {
    this.enter();
    try {
      const deadline = Date.now() + timeoutMs;
      this.dropSession();
      const call = await this.waitForHandshake(timeoutMs);
      const out = call.message.unityOutput!.rlInitializationOutput!;
      const initReply = encodeReply({
        header: { status: 200, message: "" },
        unityOutput: undefined,
        unityInput: { rlInput: undefined, rlInitializationInput: init },
      });
      if (!isVersionCompatible(out.communicationVersion, COMMUNICATION_API_VERSION)) {
        // As Python: answer RPC #1 normally, then status 400 to RPC #2, so Unity names the version clash.
        call.reply(initReply);
        this.rememberPeer(call.peer, GOODBYE);
        const error = new IncompatibleVersionError(out.communicationVersion, COMMUNICATION_API_VERSION);
        this.log.error(error.message);
        throw error;
      }
      if (!out.capabilities?.baseRLCapabilities) {
        this.log.warn("Unity reports baseRLCapabilities = false; its package may be too old for this trainer.");
      }
      const session: Session = { peer: call.peer, expectOutput: false, parked: null, unread: null, ended: null };
      this.session = session;
      call.reply(initReply);
      await this.nextMessage(session, Math.max(0, deadline - Date.now())); // RPC #2, parked until exchange()
      // The environment layer logs the "Connected to Unity environment ..." line.
      this.log.debug(`Handshake complete with ${call.peer}`);
      return out;
    } finally {
      this.busy = false;
    }
  }

  async exchange(input: UnityInputProto, timeoutMs: number): Promise<UnityOutputProto> {
    this.enter();
    try {
      const session = this.session;
      if (!session) throw new ProtocolError("exchange() needs a Unity session: call initialize() first");
      if (session.ended) {
        this.session = null;
        throw session.ended;
      }
      const call = session.parked;
      if (!call) throw new ProtocolError("no Unity call is waiting for an answer");
      session.parked = null;
      const reply = encodeReply({ header: { status: 200, message: "" }, unityOutput: undefined, unityInput: input });
      if (reply.length > UNITY_MAX_RECEIVE_BYTES) {
        this.log.warn(`Reply to Unity is ${reply.length} bytes, over Unity's 4 MiB receive limit; Unity will disconnect.`);
      }
      call.reply(reply);
      const message = await this.nextMessage(session, timeoutMs);
      return message.unityOutput!; // nextMessage only delivers step messages that carry it
    } finally {
      this.busy = false;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- trainer side helpers ----

  private enter(): void {
    if (this.closed) throw new CommunicatorClosedError();
    if (this.busy) throw new ProtocolError("initialize()/exchange() is already running; the protocol is lock-step");
    this.busy = true;
  }

  /** The trainer starts over: tell a still-connected Unity to stop (status 400). */
  private dropSession(): void {
    const s = this.session;
    this.session = null;
    if (!s || s.ended) return;
    s.parked?.reply(statusReply(400));
    s.parked = null;
    this.endSession(s, new UnityStoppedError("closed-by-trainer"), GOODBYE);
  }

  private waitForHandshake(timeoutMs: number): Promise<IncomingCall> {
    const ready = this.pendingHandshake;
    if (ready) {
      this.pendingHandshake = null;
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter<IncomingCall> = { resolve, reject };
      w.timer = this.timer(timeoutMs, () => {
        if (this.handshakeWaiter !== w) return;
        this.handshakeWaiter = null;
        reject(new UnityTimeoutError(timeoutMs / 1000));
      });
      this.handshakeWaiter = w;
    });
  }

  private nextMessage(session: Session, timeoutMs: number): Promise<UnityMessageProto> {
    if (session.unread) {
      const m = session.unread;
      session.unread = null;
      return Promise.resolve(m);
    }
    if (session.ended) {
      if (this.session === session) this.session = null;
      return Promise.reject(session.ended);
    }
    return new Promise((resolve, reject) => {
      const w = { session, resolve, reject } as Waiter<UnityMessageProto> & { session: Session };
      w.timer = this.timer(timeoutMs, () => this.endSession(session, new UnityTimeoutError(timeoutMs / 1000)));
      this.waiter = w;
    });
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    // setTimeout overflows above 2^31-1 ms; treat that (and Infinity) as "no deadline".
    return Number.isFinite(ms) && ms < 2 ** 31 - 1 ? setTimeout(fn, Math.max(0, ms)) : undefined;
  }

  /** Ends a session once; the error goes to a waiting trainer call, or to the next exchange(). */
  private endSession(s: Session, error: ProtocolError, peerAnswer?: string | typeof GOODBYE): void {
    if (s.ended) return;
    s.ended = error;
    if (s.parked && !s.parked.answered) s.parked.fail(grpc.status.FAILED_PRECONDITION, stripPrefix(error.message));
    s.parked = null;
    this.rememberPeer(s.peer, peerAnswer ?? `this Unity session has ended: ${stripPrefix(error.message)}`);
    // Stops and timeouts reach the trainer as errors; broken input is worth a line right away.
    if (error instanceof MalformedMessageError || error instanceof MessageTooLargeError) this.log.warn(error.message);
    else this.log.debug(error.message);
    const w = this.waiter;
    if (w?.session === s) {
      this.waiter = null;
      clearTimeout(w.timer);
      if (this.session === s) this.session = null;
      w.reject(error);
    }
  }

  private rememberPeer(peer: string, answer: string | typeof GOODBYE): void {
    this.endedPeers.delete(peer);
    this.endedPeers.set(peer, answer);
    if (this.endedPeers.size > MAX_REMEMBERED_PEERS) this.endedPeers.delete(this.endedPeers.keys().next().value!);
  }

  // ---- Unity side: incoming calls and connections ----

  private onSocket(socket: net.Socket, injector: grpc.ConnectionInjector): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.add(socket);
    socket.on("error", () => undefined); // a reset connection shows up as "close" below
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.onPeerGone(peer);
    });
    injector.injectConnection(socket);
  }

  private onPeerGone(peer: string): void {
    this.endedPeers.delete(peer);
    if (this.pendingHandshake?.peer === peer) this.pendingHandshake = null;
    const s = this.session;
    if (s && !s.ended && s.peer === peer) this.endSession(s, new UnityStoppedError("disconnected"));
  }

  private onCall(call: grpc.ServerUnaryCall<DecodedRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    let incoming: IncomingCall | null = null;
    try {
      const peer = call.getPeer();
      const request = call.request;
      if (this.closed) {
        callback(null, statusReply(400));
        return;
      }
      if (!request.ok) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: "request is not a valid UnityMessageProto" });
        const detail = `${request.size} bytes from ${peer} are not a UnityMessageProto (${request.error})`;
        const s = this.session;
        if (s && !s.ended && s.peer === peer) this.endSession(s, new MalformedMessageError(detail));
        else this.log.warn(`Answered INVALID_ARGUMENT: ${detail}.`);
        return;
      }
      incoming = wrapCall(call, callback, peer, request.message);
      if (request.message.unityOutput?.rlInitializationOutput?.communicationVersion) this.onHandshake(incoming);
      else this.onSessionCall(incoming);
    } catch (e) {
      // Never let a handler throw into grpc-js (or leave a call hanging).
      this.log.error(`Internal error while handling a Unity call: ${e instanceof Error ? e.message : String(e)}`);
      if (!incoming?.answered) callback({ code: grpc.status.INTERNAL, details: "internal trainer error" });
    }
  }

  private onHandshake(call: IncomingCall): void {
    const s = this.session;
    if (s && !s.ended) this.endSession(s, new UnityStoppedError("replaced"), "this session was replaced by a newer Unity connection");
    this.endedPeers.delete(call.peer);
    const previous = this.pendingHandshake;
    if (previous) previous.fail(grpc.status.FAILED_PRECONDITION, "this handshake was replaced by a newer Unity connection");
    const w = this.handshakeWaiter;
    if (w) {
      this.handshakeWaiter = null;
      this.pendingHandshake = null;
      clearTimeout(w.timer);
      w.resolve(call);
      return;
    }
    this.pendingHandshake = call;
    call.onCancel(() => {
      if (this.pendingHandshake === call) this.pendingHandshake = null;
    });
  }

  private onSessionCall(call: IncomingCall): void {
    const s = this.session;
    if (!s || s.ended || s.peer !== call.peer) {
      const answer = this.endedPeers.get(call.peer);
      if (answer === GOODBYE) return call.reply(statusReply(400));
      const details =
        answer ??
        (s && !s.ended
          ? "another Unity connection is active on this port"
          : "no session for this connection: start with the handshake (rl_initialization_output with communication_version)");
      if (answer === undefined) this.log.warn(`Rejected a call from ${call.peer}: ${details}.`);
      return call.fail(grpc.status.FAILED_PRECONDITION, details);
    }
    if (s.parked) {
      this.log.warn(`Rejected a second concurrent call from ${call.peer}: only one Exchange may be outstanding.`);
      return call.fail(grpc.status.FAILED_PRECONDITION, "only one Exchange may be outstanding at a time");
    }
    if ((call.message.header?.status ?? 0) !== 200) {
      call.reply(statusReply(400)); // Unity's goodbye; it ignores the answer
      return this.endSession(s, new UnityStoppedError("status-400"), GOODBYE);
    }
    if (s.expectOutput && !call.message.unityOutput) {
      call.fail(grpc.status.INVALID_ARGUMENT, "a step message must carry unity_output");
      return this.endSession(s, new MalformedMessageError(`a step message from ${call.peer} lacks unity_output`));
    }
    s.expectOutput = true;
    s.parked = call;
    call.onCancel(() => {
      if (s.parked === call) {
        s.parked = null;
        this.endSession(s, new UnityStoppedError("disconnected"));
      }
    });
    const w = this.waiter;
    if (w?.session === s) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(call.message);
    } else {
      s.unread = call.message;
    }
  }

  /** grpc-js rejects oversized messages before our handler runs; this is where we get to log it. */
  private watchStatus(call: grpc.ServerInterceptingCallInterface): grpc.ServerInterceptingCall {
    // `call` is grpc-js's base call, which sends that status through its own sendStatus: wrap it.
    const send = call.sendStatus.bind(call);
    call.sendStatus = (st) => {
      const m = st.code === grpc.status.RESOURCE_EXHAUSTED ? /Received message larger than max \((\d+) vs/.exec(st.details) : null;
      if (m) {
        const error = new MessageTooLargeError(Number(m[1]), this.maxMessageBytes);
        const s = this.session;
        const peer = call.getPeer();
        if (s && !s.ended && s.peer === peer) this.endSession(s, error);
        else this.log.error(error.message);
      }
      send(st);
    };
    return new grpc.ServerInterceptingCall(call);
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    const error = new CommunicatorClosedError();
    const hw = this.handshakeWaiter;
    this.handshakeWaiter = null;
    if (hw) {
      clearTimeout(hw.timer);
      hw.reject(error);
    }
    const s = this.session;
    this.session = null;
    if (s && !s.ended) {
      s.parked?.reply(statusReply(400)); // "trainer is closing": Unity leaves Play mode / quits
      s.parked = null;
      s.ended = error;
    }
    const w = this.waiter;
    this.waiter = null;
    if (w) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.pendingHandshake?.reply(statusReply(400));
    this.pendingHandshake = null;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    for (const socket of this.sockets) socket.destroy(); // silent clients never finished HTTP/2 setup
    await this.listener?.close();
  }
}

function stripPrefix(message: string): string {
  return message.replace(/^Communicator has exited: /, "").replace(/\.$/, "");
}

