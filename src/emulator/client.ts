// UnityEmulator: the Unity side of the wire (a gRPC client, like com.unity.ml-agents' RpcCommunicator).
// Handshake (docs/protocol.md §2.3): RPC #1 announces "AcademySingleton" with versions and capabilities; RPC #2 is
// empty and its reply must carry rl_input (normally RESET). Then the Academy's step loop exchanges
// observations for actions until the trainer answers status != 200, sends QUIT, or we stop.
import { credentials, Metadata, status as grpcStatus, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import type { UnityMessageProto } from "../protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import { UnityToExternalProtoClient } from "../protocol/generated/mlagents_envs/communicator_objects/unity_to_external.js";
import { createLogger, errorMessage, type Logger } from "../util/logger.js";
import { Academy } from "./academy.js";
import type { EmulatedEnvironment } from "./environments/environment.js";
import { getBuiltinEnvironment } from "./environments/registry.js";
import { EmulatorError, HandshakeError, TrainerUnreachableError } from "./errors.js";
import { allCapabilities } from "../protocol/versions.js";

export const UNITY_COMMUNICATION_VERSION = "1.5.0";
export const UNITY_PACKAGE_VERSION = "3.0.0-exp.1";

export interface EmulatorFault {
  /**
   * crash: drop the connection abruptly while the trainer holds a request (process.exit(3) with
   * exitOnCrash); hang: never send the next request; stop: send status 400 like pressing Stop.
   */
  kind: "crash" | "hang" | "stop";
  /** Step requests answered before the fault strikes. */
  afterSteps: number;
}

export interface UnityEmulatorOptions {
  /** Built-in environment name (see BUILTIN_ENVIRONMENTS) or an environment object. */
  env: string | EmulatedEnvironment;
  port: number;
  /** Default "localhost", as Unity dials. */
  host?: string;
  /** Game RNG seed; default: the seed in the trainer's handshake reply. */
  seed?: number;
  /** Training areas; default: num_areas from the trainer's handshake reply. */
  numAreas?: number;
  fault?: EmulatorFault;
  logger?: Logger;
  /** Stop like Unity's Dispose (status 400) after this many step requests. */
  maxRequests?: number;
  /** Default "3.0.0-exp.1" (Release 21); "3.0.0" for Release 22. */
  packageVersion?: string;
  /** For the process entry point: a crash fault really exits the process with code 3. */
  exitOnCrash?: boolean;
}

export type EmulatorStopReason =
  | "trainer-closed" // the trainer answered status != 200
  | "quit-command" // the trainer sent CommandProto.QUIT
  | "max-requests"
  | "stopped" // stop() was called
  | "fault-stop"
  | "fault-hang"
  | "fault-crash"
  | "connection-lost" // an RPC failed after the handshake
  | "protocol-error"; // the trainer's reply broke a rule Unity relies on

export interface EmulatorResult {
  reason: EmulatorStopReason;
  /** Step requests answered by the trainer (the two handshake RPCs not counted). */
  requests: number;
  /** Academy steps simulated. */
  steps: number;
  /** Agent episodes that ended (terminal infos sent). */
  episodes: number;
  /** A one-line explanation for connection-lost and protocol-error. */
  message?: string;
}

/** Reply #2's wait has no deadline (the trainer holds it until ready), like Unity. */
const GOODBYE_DEADLINE_MS = 2000;
const CRASH_DELAY_MS = 50;

export class UnityEmulator {
  readonly address: string;
  private readonly environment: EmulatedEnvironment;
  private readonly logger: Logger;
  private readonly client: InstanceType<typeof UnityToExternalProtoClient>;
  private academyRef: Academy | undefined;
  private inFlight: ClientUnaryCall | undefined;
  private stopRequested = false;
  private closed = false;
  private hung = false;
  private running: Promise<EmulatorResult> | undefined;
  private requests = 0;

  constructor(private readonly options: UnityEmulatorOptions) {
    this.environment = typeof options.env === "string" ? getBuiltinEnvironment(options.env) : options.env;
    this.logger = options.logger ?? createLogger();
    this.address = `${options.host ?? "localhost"}:${options.port}`;
    this.client = new UnityToExternalProtoClient(this.address, credentials.createInsecure(), {
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
  }

  /** The simulated scene (available once the handshake reply arrived). */
  get academy(): Academy | undefined {
    return this.academyRef;
  }

  /** Connects, trains until the session ends, and reports why. Rejects only for handshake failures. */
  run(): Promise<EmulatorResult> {
    this.running ??= this.session();
    return this.running;
  }

  /**
   * Like leaving Play mode: after the pending exchange, send {header{status: 400}} and close. If the
   * trainer never answers the pending exchange within timeoutMs, the call is cancelled instead.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopRequested = true;
    if (this.hung || !this.running) {
      this.close();
      return;
    }
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([this.running.then(() => undefined, () => undefined), timer]);
    if (!this.closed) {
      this.inFlight?.cancel();
      this.close();
    }
  }

  private async session(): Promise<EmulatorResult> {
    try {
      return await this.loop();
    } finally {
      if (!this.hung) this.close();
    }
  }

  private async loop(): Promise<EmulatorResult> {
    const academy = await this.handshake();
    if (academy === undefined) return this.result("trainer-closed");
    const fault = this.options.fault;
    const maxRequests = this.options.maxRequests ?? Infinity;
    for (;;) {
      if (this.stopRequested) return this.goodbye("stopped");
      if (this.requests >= maxRequests) return this.goodbye("max-requests");
      if (fault && this.requests >= fault.afterSteps) {
        if (fault.kind === "stop") return this.goodbye("fault-stop");
        if (fault.kind === "hang") {
          this.hung = true;
          this.logger.warn(`Fault injected: hanging after ${this.requests} requests (no further requests will be sent)`);
          return this.result("fault-hang");
        }
      }
      let output;
      try {
        output = academy.stepUntilRequest();
      } catch (error) {
        return this.result("protocol-error", errorMessage(error));
      }
      const request: UnityMessageProto = { header: { status: 200, message: "" }, unityOutput: output, unityInput: undefined };
      if (fault?.kind === "crash" && this.requests >= fault.afterSteps) return this.crash(request);
      let reply: UnityMessageProto;
      try {
        reply = await this.exchange(request);
      } catch (error) {
        if (this.stopRequested) return this.result("stopped");
        return this.result("connection-lost", `the exchange with the trainer at ${this.address} failed: ${describe(error)}`);
      }
      this.requests++;
      if (reply.header?.status !== 200) return this.result("trainer-closed");
      try {
        const outcome = academy.completeStep(reply.unityInput?.rlInput);
        if (outcome === "quit") return this.goodbye("quit-command");
      } catch (error) {
        this.logger.error(errorMessage(error));
        return this.goodbye("protocol-error", errorMessage(error));
      }
    }
  }

  /** Both handshake RPCs; undefined when the trainer closed (400) on Reply #2 after a valid Reply #1. */
  private async handshake(): Promise<Academy | undefined> {
    let reply1: UnityMessageProto;
    try {
      reply1 = await this.exchange({
        header: { status: 200, message: "" },
        unityOutput: {
          rlOutput: undefined,
          rlInitializationOutput: {
            name: "AcademySingleton",
            communicationVersion: UNITY_COMMUNICATION_VERSION,
            logPath: "",
            brainParameters: [],
            packageVersion: this.options.packageVersion ?? UNITY_PACKAGE_VERSION,
            capabilities: allCapabilities(), // Release 21/22 packages report all seven
          },
        },
        unityInput: undefined,
      });
    } catch (error) {
      const code = (error as Partial<ServiceError>).code;
      if (code === grpcStatus.UNAVAILABLE) throw new TrainerUnreachableError(this.address, describe(error));
      throw new HandshakeError(`the handshake with the trainer at ${this.address} failed: ${describe(error)}`);
    }
    const init = reply1.unityInput?.rlInitializationInput;
    if (reply1.header?.status !== 200 || !init || !init.capabilities) {
      throw new HandshakeError(
        `the trainer at ${this.address} answered the handshake without rl_initialization_input and its capabilities ` +
          `(status ${reply1.header?.status ?? "missing"}); Unity would perform inference instead`,
      );
    }
    if (!init.capabilities.baseRLCapabilities) this.logger.warn("The trainer reports baseRLCapabilities = false");
    const academy = new Academy(this.environment, {
      seed: this.options.seed ?? init.seed,
      numAreas: this.options.numAreas ?? Math.max(1, init.numAreas),
      trainerHybridActions: init.capabilities.hybridActions,
      logger: this.logger,
    });
    this.academyRef = academy;

    let reply2: UnityMessageProto;
    try {
      reply2 = await this.exchange({ header: { status: 200, message: "" }, unityOutput: undefined, unityInput: undefined });
    } catch (error) {
      throw new HandshakeError(`the trainer at ${this.address} dropped the second handshake call: ${describe(error)}`);
    }
    if (reply2.header?.status !== 200) {
      this.logger.info(`The trainer closed the connection during the handshake (status ${reply2.header?.status ?? "missing"})`);
      return undefined;
    }
    const rlInput = reply2.unityInput?.rlInput;
    if (!rlInput) {
      throw new HandshakeError(`the trainer's second handshake reply has no rl_input; Unity would disconnect`);
    }
    this.logger.info(
      `Connected to trainer at ${this.address} (communication version ${init.communicationVersion || "?"}, ` +
        `package version ${init.packageVersion || "?"}, seed ${init.seed}, ${academy.agents.length} agents of "${this.environment.name}")`,
    );
    if (academy.applyInput(rlInput) === "quit") return undefined;
    return academy;
  }

  private exchange(request: UnityMessageProto, deadlineMs?: number): Promise<UnityMessageProto> {
    return new Promise((resolve, reject) => {
      const callback = (error: ServiceError | null, response: UnityMessageProto): void => {
        this.inFlight = undefined;
        if (error) reject(error);
        else resolve(response);
      };
      this.inFlight =
        deadlineMs === undefined
          ? this.client.exchange(request, callback)
          : this.client.exchange(request, new Metadata(), { deadline: Date.now() + deadlineMs }, callback);
    });
  }

  /** Unity's Dispose: one last request with status 400, reply ignored. */
  private async goodbye(reason: EmulatorStopReason, message?: string): Promise<EmulatorResult> {
    try {
      await this.exchange({ header: { status: 400, message: "" }, unityOutput: undefined, unityInput: undefined }, GOODBYE_DEADLINE_MS);
    } catch {
      // The trainer may close without answering; Unity ignores errors here too.
    }
    return this.result(reason, message);
  }

  private async crash(request: UnityMessageProto): Promise<EmulatorResult> {
    this.logger.warn(`Fault injected: crashing after ${this.requests} requests`);
    const pending = this.exchange(request).catch(() => undefined);
    await Promise.race([pending, new Promise((r) => setTimeout(r, CRASH_DELAY_MS))]);
    if (this.options.exitOnCrash) process.exit(3);
    this.inFlight?.cancel();
    this.close();
    return this.result("fault-crash");
  }

  private result(reason: EmulatorStopReason, message?: string): EmulatorResult {
    const a = this.academyRef;
    const r: EmulatorResult = { reason, requests: this.requests, steps: a?.totalStepCount ?? 0, episodes: a?.completedEpisodes ?? 0 };
    if (message !== undefined) r.message = message;
    return r;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

function describe(error: unknown): string {
  const e = error as Partial<ServiceError>;
  if (typeof e.code === "number" && typeof e.details === "string") return `${grpcStatus[e.code]}: ${e.details}`;
  if (error instanceof EmulatorError) return error.message;
  return errorMessage(error);
}
