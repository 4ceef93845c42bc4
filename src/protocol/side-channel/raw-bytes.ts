// RawBytesChannel (docs/protocol.md §5.7): arbitrary bytes on a user-chosen channel id.
import { uuidToBytesLE, type SideChannelMessage } from "./framing.js";

export function rawBytesMessage(channelId: string, bytes: Uint8Array): SideChannelMessage {
  uuidToBytesLE(channelId); // validates the id now rather than when the blob is built
  return { channelId: channelId.toLowerCase(), payload: bytes.slice() };
}
