// A minimal trainer-side gRPC server for emulator tests: every incoming Exchange is queued with its
// raw bytes, and the test answers it explicitly (lock-step, like the real trainer).
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import type { AgentActionProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_action.js";
import { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import { UnityToExternalProtoService } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_to_external.js";

export interface PendingCall {
  raw: Buffer;
  request: UnityMessageProto;
  respond(message: UnityMessageProto): void;
  /** Resolves if the client cancels or the connection drops before we answer. */
  cancelled: Promise<void>;
}

export class FakeTrainer {
  private queue: PendingCall[] = [];
  private waiters: ((c: PendingCall) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeTrainer> {
    const server = new Server();
    let trainer: FakeTrainer | undefined;
    // Raw bytes in, so tests can check exactly what went over the wire.
    const service = {
      exchange: { ...UnityToExternalProtoService.exchange, requestDeserialize: (b: Buffer) => b },
    };
    server.addService(service, {
      exchange: (call: ServerUnaryCall<Buffer, UnityMessageProto>, callback: sendUnaryData<UnityMessageProto>) => {
        let answered = false;
        const pending: PendingCall = {
          raw: call.request,
          request: UnityMessageProto.decode(call.request),
          respond: (m) => {
            answered = true;
            callback(null, m);
          },
          cancelled: new Promise((resolve) => call.on("cancelled", () => !answered && resolve())),
        };
        trainer!.push(pending);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("localhost:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    trainer = new FakeTrainer(server, port);
    return trainer;
  }

  private push(call: PendingCall): void {
    const w = this.waiters.shift();
    if (w) w(call);
    else this.queue.push(call);
  }

  /** The next call, or rejects after timeoutMs (default generous: a spawned emulator starts slowly under load). */
  next(timeoutMs = 30_000): Promise<PendingCall> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no call within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (c: PendingCall): void => {
        clearTimeout(timer);
        resolve(c);
      };
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

export const ALL_CAPABILITIES = {
  baseRLCapabilities: true,
  concatenatedPngObservations: true,
  compressedChannelMapping: true,
  hybridActions: true,
  trainingAnalytics: true,
  variableLengthObservation: true,
  multiAgentGroups: true,
};

export function handshakeReply(seed = 7, numAreas = 1): UnityMessageProto {
  return {
    header: { status: 200, message: "" },
    unityInput: {
      rlInitializationInput: {
        seed,
        communicationVersion: "1.5.0",
        packageVersion: "1.0.0",
        capabilities: { ...ALL_CAPABILITIES },
        numAreas,
      },
      rlInput: undefined,
    },
    unityOutput: undefined,
  };
}

export function rlReply(
  command: CommandProto,
  actions: Record<string, AgentActionProto[]> = {},
  sideChannel: Uint8Array = new Uint8Array(0),
): UnityMessageProto {
  const agentActions: Record<string, { value: AgentActionProto[] }> = {};
  for (const [k, v] of Object.entries(actions)) agentActions[k] = { value: v };
  return {
    header: { status: 200, message: "" },
    unityInput: { rlInput: { agentActions, command, sideChannel: Buffer.from(sideChannel) }, rlInitializationInput: undefined },
    unityOutput: undefined,
  };
}

export const resetReply = (sideChannel?: Uint8Array): UnityMessageProto => rlReply(CommandProto.RESET, {}, sideChannel);

export const closeReply = (): UnityMessageProto => ({ header: { status: 400, message: "" }, unityInput: undefined, unityOutput: undefined });

export function action(continuous: number[] = [], discrete: number[] = []): AgentActionProto {
  return { vectorActionsDeprecated: [], value: 0, continuousActions: continuous, discreteActions: discrete };
}

/** Answers both handshake calls and returns the first step request. */
export async function completeHandshake(trainer: FakeTrainer, resetSideChannel?: Uint8Array, seed = 7, numAreas = 1): Promise<PendingCall> {
  (await trainer.next()).respond(handshakeReply(seed, numAreas));
  (await trainer.next()).respond(resetReply(resetSideChannel));
  return trainer.next();
}
