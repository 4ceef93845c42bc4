// The side_channel bytes of UnityRLInput/UnityRLOutput (docs/protocol.md §5.1): a run of
// [16-byte channel GUID (bytes_le) | int32 LE payload length | payload] records.
import { SideChannelError } from "../errors.js";

export interface SideChannelMessage {
  /** Canonical lowercase UUID, e.g. "e951342c-4f7e-11ea-b238-784f4387d1f7". */
  channelId: string;
  payload: Uint8Array;
}

const HEADER_BYTES = 20;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** .NET Guid.ToByteArray() / Python uuid.bytes_le: first three groups byte-reversed, the rest as written. */
export function uuidToBytesLE(uuid: string): Uint8Array {
  if (!UUID_RE.test(uuid)) throw new SideChannelError(`channel id ${JSON.stringify(uuid)} is not a canonical UUID`);
  const hex = uuid.replace(/-/g, "");
  const be = new Uint8Array(16);
  for (let i = 0; i < 16; i++) be[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return reorder(be);
}

/** Inverse of uuidToBytesLE; returns the canonical lowercase form. */
export function bytesLEToUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new SideChannelError(`a channel id needs 16 bytes, got ${bytes.length}`);
  const be = reorder(bytes);
  const hex = Array.from(be, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The reordering is its own inverse.
function reorder(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  for (let i = 0; i < 16; i++) out[i] = src[order[i]!]!;
  return out;
}

export function encodeSideChannelMessages(msgs: readonly SideChannelMessage[]): Uint8Array {
  let total = 0;
  for (const m of msgs) total += HEADER_BYTES + m.payload.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const m of msgs) {
    out.set(uuidToBytesLE(m.channelId), offset);
    view.setInt32(offset + 16, m.payload.length, true);
    out.set(m.payload, offset + HEADER_BYTES);
    offset += HEADER_BYTES + m.payload.length;
  }
  return out;
}

/** Splits a blob into messages; throws SideChannelError naming the offset of a broken record. */
export function decodeSideChannelMessages(blob: Uint8Array): SideChannelMessage[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const msgs: SideChannelMessage[] = [];
  let offset = 0;
  while (offset < blob.length) {
    const left = blob.length - offset;
    if (left < HEADER_BYTES) {
      throw new SideChannelError(`truncated message header (${left} bytes left, a header needs ${HEADER_BYTES})`, offset);
    }
    const length = view.getInt32(offset + 16, true);
    if (length < 0) throw new SideChannelError(`negative payload length ${length}`, offset);
    if (length > left - HEADER_BYTES) {
      throw new SideChannelError(`payload length ${length} runs past the end (${left - HEADER_BYTES} bytes left)`, offset);
    }
    const channelId = bytesLEToUuid(blob.subarray(offset, offset + 16));
    // A copy: the payload must not alias a gRPC buffer that may be reused.
    const payload = blob.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    msgs.push({ channelId, payload });
    offset += HEADER_BYTES + length;
  }
  return msgs;
}
