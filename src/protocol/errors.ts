// Typed errors of the protocol layer. Each message is built from the fields, says what happened and,
// where the user can act, what to do; none carries a stack into user-facing output.
import { status } from "@grpc/grpc-js";

/** Base class: every protocol failure also knows the gRPC status it maps to. */
export class ProtocolError extends Error {
  readonly grpcCode: status;
  constructor(message: string, grpcCode: status = status.INTERNAL) {
    super(message);
    this.name = new.target.name;
    this.grpcCode = grpcCode;
  }
}

export type UnityStoppedReason = "status-400" | "disconnected" | "replaced" | "closed-by-trainer";

const stoppedText: Record<UnityStoppedReason, string> = {
  "status-400": "Unity closed the connection (it sent status 400: Play mode stopped or the player quit)",
  disconnected: "Unity disconnected without saying goodbye (the connection closed or the call was cancelled)",
  replaced: "this session was replaced by a newer Unity connection",
  "closed-by-trainer": "the trainer ended this Unity session",
};

/** Unity is gone: it said so (status 400), vanished, or another Unity connection took its place. */
export class UnityStoppedError extends ProtocolError {
  constructor(readonly reason: UnityStoppedReason) {
    super(`Communicator has exited: ${stoppedText[reason]}.`, status.UNAVAILABLE);
  }
}

/** No message from Unity within the configured wait. */
export class UnityTimeoutError extends ProtocolError {
  constructor(readonly seconds: number) {
    super(
      `The Unity environment took too long to respond (nothing received within ${formatSeconds(seconds)} s). ` +
        "Check that Unity is in Play mode (or the player is running) and not paused, or raise --timeout-wait.",
      status.DEADLINE_EXCEEDED,
    );
  }
}

/** Unity's communication version does not pass the rule of docs/protocol.md §2.4. */
export class IncompatibleVersionError extends ProtocolError {
  constructor(
    readonly unityVersion: string,
    readonly trainerVersion: string,
  ) {
    const major = /^(\d+)\./.exec(trainerVersion)?.[1] ?? trainerVersion;
    super(
      `The communication API version is not compatible between Unity and mlagents-ts: ` +
        `trainer API ${trainerVersion}, Unity API ${JSON.stringify(unityVersion)}. ` +
        `Use a com.unity.ml-agents package with communication version ${major}.x, or upgrade mlagents-ts.`,
      status.FAILED_PRECONDITION,
    );
  }
}

/** Another process (often a previous trainer or worker) already listens on the port. */
export class PortInUseError extends ProtocolError {
  constructor(
    readonly port: number,
    readonly host?: string,
  ) {
    super(
      `Couldn't start the trainer server: port ${port}${host ? ` on ${host}` : ""} is already in use ` +
        "(is another trainer still running?). Stop it, or choose other ports with --base-port.",
      status.UNAVAILABLE,
    );
  }
}

/** A message bigger than the receive cap; the cap is raised with --max-message-mb. */
export class MessageTooLargeError extends ProtocolError {
  constructor(
    readonly size: number,
    readonly cap: number,
  ) {
    super(
      `Unity sent a message of ${size >= 0 ? `${size} bytes` : "unknown size"}, over the receive limit of ${cap} bytes ` +
        `(${(cap / (1024 * 1024)).toFixed(1)} MiB). Raise it with --max-message-mb.`,
      status.RESOURCE_EXHAUSTED,
    );
  }
}

/** Bytes or a message that break the protocol (undecodable, missing a required part). */
export class MalformedMessageError extends ProtocolError {
  constructor(readonly detail: string) {
    super(`Malformed message from Unity: ${detail}.`, status.INVALID_ARGUMENT);
  }
}

/** A side-channel blob or payload that cannot be parsed (or a value that cannot be encoded). */
export class SideChannelError extends ProtocolError {
  constructor(
    readonly detail: string,
    readonly offset?: number,
  ) {
    super(`Side channel error${offset === undefined ? "" : ` at byte offset ${offset}`}: ${detail}.`, status.INVALID_ARGUMENT);
  }
}

/** The communicator was closed; no more sessions. */
export class CommunicatorClosedError extends ProtocolError {
  constructor() {
    super("The communicator is closed; no further exchanges with Unity are possible.", status.UNAVAILABLE);
  }
}

/** Maps anything thrown to a gRPC status for an answer to Unity (one place, as grpc-js serverErrorToStatus). */
export function toGrpcStatus(error: unknown): { code: status; details: string } {
  if (error instanceof ProtocolError) return { code: error.grpcCode, details: error.message };
  return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}

function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3).replace(/0+$/, "");
}
