// One Exchange call from Unity as the communicator sees it: the decoded message, who sent it, and
// answer-once helpers (a second answer, or one after cancellation, is a no-op).
import type * as grpc from "@grpc/grpc-js";
import { encodeReply, type DecodedRequest } from "./exchange-service.js";
import type { UnityMessageProto } from "./generated/mlagents_envs/communicator_objects/unity_message.js";

export interface IncomingCall {
  /** "address:port" of the connection: identifies a Unity session. */
  readonly peer: string;
  readonly message: UnityMessageProto;
  answered: boolean;
  reply(bytes: Buffer): void;
  fail(code: grpc.status, details: string): void;
  onCancel(fn: () => void): void;
}

/** A reply carrying only a header: status 400 means "trainer is closing" to Unity. */
export const statusReply = (status: number): Buffer => encodeReply({ header: { status, message: "" }, unityOutput: undefined, unityInput: undefined });

export function wrapCall(
  call: grpc.ServerUnaryCall<DecodedRequest, Buffer>,
  callback: grpc.sendUnaryData<Buffer>,
  peer: string,
  message: UnityMessageProto,
): IncomingCall {
  const c: IncomingCall = {
    peer,
    message,
    answered: false,
    reply(bytes) {
      if (c.answered) return;
      c.answered = true;
      callback(null, bytes);
    },
    fail(code, details) {
      if (c.answered) return;
      c.answered = true;
      callback({ code, details });
    },
    onCancel(fn) {
      call.once("cancelled", fn);
    },
  };
  return c;
}
