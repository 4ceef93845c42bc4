// EnvironmentParametersChannel (docs/protocol.md §5.5): trainer -> Unity, a constant or a seeded sampler per key.
import { SideChannelError } from "../errors.js";
import { ENVIRONMENT_PARAMETERS_CHANNEL_ID } from "./channel-ids.js";
import type { SideChannelMessage } from "./framing.js";
import { IncomingMessage, OutgoingMessage } from "./message-io.js";

export type EnvironmentParameterValue =
  | { kind: "float"; value: number }
  | { kind: "uniform"; seed: number; min: number; max: number }
  | { kind: "gaussian"; seed: number; mean: number; stDev: number }
  | { kind: "multirangeuniform"; seed: number; intervals: [number, number][] };

const DATA_FLOAT = 0;
const DATA_SAMPLER = 1;
const SAMPLER_UNIFORM = 0;
const SAMPLER_GAUSSIAN = 1;
const SAMPLER_MULTIRANGE = 2;

export function environmentParameterMessage(key: string, value: EnvironmentParameterValue): SideChannelMessage {
  const m = new OutgoingMessage().writeString(key);
  switch (value.kind) {
    case "float":
      m.writeInt32(DATA_FLOAT).writeFloat32(value.value);
      break;
    case "uniform":
      m.writeInt32(DATA_SAMPLER).writeInt32(value.seed).writeInt32(SAMPLER_UNIFORM).writeFloat32(value.min).writeFloat32(value.max);
      break;
    case "gaussian":
      m.writeInt32(DATA_SAMPLER).writeInt32(value.seed).writeInt32(SAMPLER_GAUSSIAN).writeFloat32(value.mean).writeFloat32(value.stDev);
      break;
    case "multirangeuniform":
      m.writeInt32(DATA_SAMPLER).writeInt32(value.seed).writeInt32(SAMPLER_MULTIRANGE).writeFloat32List(value.intervals.flat());
      break;
  }
  return { channelId: ENVIRONMENT_PARAMETERS_CHANNEL_ID, payload: m.toBytes() };
}

/** Unity side. Unknown data/sampler types, short payloads and odd interval lists throw SideChannelError. */
export function parseEnvironmentParameterMessage(payload: Uint8Array): { key: string; value: EnvironmentParameterValue } {
  const m = new IncomingMessage(payload);
  const need = (bytes: number, what: string): void => {
    if (m.remaining < bytes) throw new SideChannelError(`environment parameter ${what} needs ${bytes} more bytes, got ${m.remaining}`);
  };
  need(4, "key");
  const key = m.readString();
  need(4, `"${key}" data type`);
  const dataType = m.readInt32();
  if (dataType === DATA_FLOAT) {
    need(4, `"${key}" value`);
    return { key, value: { kind: "float", value: m.readFloat32() } };
  }
  if (dataType !== DATA_SAMPLER) throw new SideChannelError(`environment parameter "${key}" has unknown data type ${dataType}`);
  need(8, `"${key}" sampler header`);
  const seed = m.readInt32();
  const sampler = m.readInt32();
  switch (sampler) {
    case SAMPLER_UNIFORM:
      need(8, `"${key}" uniform bounds`);
      return { key, value: { kind: "uniform", seed, min: m.readFloat32(), max: m.readFloat32() } };
    case SAMPLER_GAUSSIAN:
      need(8, `"${key}" gaussian parameters`);
      return { key, value: { kind: "gaussian", seed, mean: m.readFloat32(), stDev: m.readFloat32() } };
    case SAMPLER_MULTIRANGE: {
      need(4, `"${key}" interval list`);
      const flat = m.readFloat32List();
      if (flat.length % 2 !== 0) {
        throw new SideChannelError(`environment parameter "${key}" has ${flat.length} interval bounds; expected pairs`);
      }
      const intervals: [number, number][] = [];
      for (let i = 0; i < flat.length; i += 2) intervals.push([flat[i]!, flat[i + 1]!]);
      return { key, value: { kind: "multirangeuniform", seed, intervals } };
    }
    default:
      throw new SideChannelError(`environment parameter "${key}" has unknown sampler type ${sampler}`);
  }
}
