// FloatPropertiesChannel (docs/protocol.md §5.7): key + float32, either direction; optional, user-registered.
import { SideChannelError } from "../errors.js";
import { FLOAT_PROPERTIES_CHANNEL_ID } from "./channel-ids.js";
import type { SideChannelMessage } from "./framing.js";
import { IncomingMessage, OutgoingMessage } from "./message-io.js";

export function floatPropertyMessage(key: string, value: number, channelId = FLOAT_PROPERTIES_CHANNEL_ID): SideChannelMessage {
  return { channelId, payload: new OutgoingMessage().writeString(key).writeFloat32(value).toBytes() };
}

export function parseFloatPropertyMessage(payload: Uint8Array): { key: string; value: number } {
  const m = new IncomingMessage(payload);
  if (m.remaining < 4) throw new SideChannelError(`float property message of ${payload.length} bytes has no key`);
  const key = m.readString();
  if (m.remaining < 4) throw new SideChannelError(`float property "${key}" has no value`);
  return { key, value: m.readFloat32() };
}
