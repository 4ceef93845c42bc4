// The .ckpt container: small, self-checking, so a truncated or corrupted file is recognised
// instead of being fed to a trainer. Layout (little-endian):
//   "MLTSCKPT" | u32 formatVersion | u32 headerLength | header JSON | u64 payloadLength | payload |
//   SHA-256 of every byte before it (32 bytes).
import { createHash } from "node:crypto";

export const CHECKPOINT_MAGIC = "MLTSCKPT";
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface CheckpointHeader {
  readonly behaviorName: string;
  readonly step: number;
  /** Seconds since the epoch (ML-Agents' creation_time unit). */
  readonly creationTime: number;
  /** Trainer kind and package version that wrote it (informational). */
  readonly trainer?: string;
  readonly version?: string;
}

export class CheckpointFormatError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`Checkpoint ${file} is not usable: ${reason}.`);
    this.name = "CheckpointFormatError";
  }
}

const MAGIC = new TextEncoder().encode(CHECKPOINT_MAGIC);
const DIGEST = 32;

export function encodeCheckpoint(header: CheckpointHeader, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = MAGIC.length + 8 + json.length + 8 + payload.length;
  const out = new Uint8Array(body + DIGEST);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let o = MAGIC.length;
  view.setUint32(o, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(o + 4, json.length, true);
  o += 8;
  out.set(json, o);
  o += json.length;
  view.setBigUint64(o, BigInt(payload.length), true);
  o += 8;
  out.set(payload, o);
  out.set(createHash("sha256").update(out.subarray(0, body)).digest(), body);
  return out;
}

/** Checks magic, version, lengths and checksum; returns the header and a view of the payload. */
export function decodeCheckpoint(bytes: Uint8Array, file = "<memory>"): { header: CheckpointHeader; payload: Uint8Array } {
  const fail = (reason: string): never => {
    throw new CheckpointFormatError(file, reason);
  };
  if (bytes.length < MAGIC.length + 8 + 8 + DIGEST) fail("file is truncated");
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail("not an mlagents-ts checkpoint");
  const body = bytes.length - DIGEST;
  const digest = createHash("sha256").update(bytes.subarray(0, body)).digest();
  if (!digest.equals(bytes.subarray(body))) fail("checksum mismatch (truncated or corrupted)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = MAGIC.length;
  const version = view.getUint32(o, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) fail(`format version ${version} is not supported`);
  const headerLength = view.getUint32(o + 4, true);
  o += 8;
  if (o + headerLength + 8 > body) fail("header length is out of range");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(o, o + headerLength))) as CheckpointHeader;
  } catch {
    return fail("header is not valid JSON");
  }
  if (typeof header.step !== "number" || typeof header.behaviorName !== "string") fail("header lacks step or behaviorName");
  o += headerLength;
  const payloadLength = Number(view.getBigUint64(o, true));
  o += 8;
  if (o + payloadLength !== body) fail("payload length does not match the file size");
  return { header, payload: bytes.subarray(o, body) };
}
