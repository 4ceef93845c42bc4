// Our own definition of communicator_objects.UnityToExternalProto/Exchange. Unlike the generated
// one, its request deserializer never throws (undecodable bytes become a value the handler answers
// with INVALID_ARGUMENT), and replies are pre-serialized so their size can be checked once.
import type { ServiceDefinition } from "@grpc/grpc-js";
import { UnityMessageProto } from "./generated/mlagents_envs/communicator_objects/unity_message.js";
import { UnityToExternalProtoService } from "./generated/mlagents_envs/communicator_objects/unity_to_external.js";

export type DecodedRequest =
  | { ok: true; message: UnityMessageProto; size: number }
  | { ok: false; error: string; size: number };

export const EXCHANGE_PATH = UnityToExternalProtoService.exchange.path;

export function decodeRequest(bytes: Buffer): DecodedRequest {
  try {
    return { ok: true, message: UnityMessageProto.decode(bytes), size: bytes.length };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), size: bytes.length };
  }
}

export function encodeReply(message: UnityMessageProto): Buffer {
  const bytes = UnityMessageProto.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const exchangeServiceDefinition: ServiceDefinition = {
  exchange: {
    path: EXCHANGE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: UnityMessageProto): Buffer => encodeReply(value),
    requestDeserialize: decodeRequest,
    responseSerialize: (value: Buffer): Buffer => value,
    responseDeserialize: (value: Buffer): Buffer => value,
    originalName: "exchange",
  },
};
