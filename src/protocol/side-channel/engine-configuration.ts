// EngineConfigurationChannel (docs/protocol.md §5.4): trainer -> Unity, one message per setting.
import { SideChannelError } from "../errors.js";
import { ENGINE_CONFIGURATION_CHANNEL_ID } from "./channel-ids.js";
import type { SideChannelMessage } from "./framing.js";
import { IncomingMessage, OutgoingMessage } from "./message-io.js";

export interface EngineConfig {
  width?: number;
  height?: number;
  qualityLevel?: number;
  timeScale?: number;
  targetFrameRate?: number;
  captureFrameRate?: number;
}

export enum EngineConfigurationType {
  SCREEN_RESOLUTION = 0,
  QUALITY_LEVEL = 1,
  TIME_SCALE = 2,
  TARGET_FRAME_RATE = 3,
  CAPTURE_FRAME_RATE = 4,
}

/** What mlagents-learn sends by default (its CLI defaults, not the LLAPI's EngineConfig.default_config()). */
export const DEFAULT_ENGINE_CONFIG: Readonly<Required<EngineConfig>> = Object.freeze({
  width: 84,
  height: 84,
  qualityLevel: 5,
  timeScale: 20,
  targetFrameRate: -1,
  captureFrameRate: 60,
});

/** Messages for every set field, in Python's order: resolution, quality, time scale, target fps, capture fps. */
export function engineConfigMessages(cfg: EngineConfig): SideChannelMessage[] {
  const out: SideChannelMessage[] = [];
  const push = (m: OutgoingMessage): void => {
    out.push({ channelId: ENGINE_CONFIGURATION_CHANNEL_ID, payload: m.toBytes() });
  };
  if ((cfg.width === undefined) !== (cfg.height === undefined)) {
    throw new SideChannelError("engine configuration needs width and height together");
  }
  if (cfg.width !== undefined && cfg.height !== undefined) {
    push(new OutgoingMessage().writeInt32(EngineConfigurationType.SCREEN_RESOLUTION).writeInt32(cfg.width).writeInt32(cfg.height));
  }
  if (cfg.qualityLevel !== undefined) {
    push(new OutgoingMessage().writeInt32(EngineConfigurationType.QUALITY_LEVEL).writeInt32(cfg.qualityLevel));
  }
  if (cfg.timeScale !== undefined) {
    push(new OutgoingMessage().writeInt32(EngineConfigurationType.TIME_SCALE).writeFloat32(cfg.timeScale));
  }
  if (cfg.targetFrameRate !== undefined) {
    push(new OutgoingMessage().writeInt32(EngineConfigurationType.TARGET_FRAME_RATE).writeInt32(cfg.targetFrameRate));
  }
  if (cfg.captureFrameRate !== undefined) {
    push(new OutgoingMessage().writeInt32(EngineConfigurationType.CAPTURE_FRAME_RATE).writeInt32(cfg.captureFrameRate));
  }
  return out;
}

/** Unity side: applies one message to `into` (mutated and returned). Unknown or short messages throw. */
export function applyEngineConfigMessage(payload: Uint8Array, into: EngineConfig): EngineConfig {
  const msg = new IncomingMessage(payload);
  const need = (bytes: number, what: string): void => {
    if (msg.remaining < bytes) {
      throw new SideChannelError(`engine configuration ${what} needs ${bytes} more bytes, got ${msg.remaining}`);
    }
  };
  need(4, "type");
  const type = msg.readInt32();
  switch (type) {
    case EngineConfigurationType.SCREEN_RESOLUTION:
      need(8, "SCREEN_RESOLUTION");
      into.width = msg.readInt32();
      into.height = msg.readInt32();
      return into;
    case EngineConfigurationType.QUALITY_LEVEL:
      need(4, "QUALITY_LEVEL");
      into.qualityLevel = msg.readInt32();
      return into;
    case EngineConfigurationType.TIME_SCALE:
      need(4, "TIME_SCALE");
      into.timeScale = msg.readFloat32();
      return into;
    case EngineConfigurationType.TARGET_FRAME_RATE:
      need(4, "TARGET_FRAME_RATE");
      into.targetFrameRate = msg.readInt32();
      return into;
    case EngineConfigurationType.CAPTURE_FRAME_RATE:
      need(4, "CAPTURE_FRAME_RATE");
      into.captureFrameRate = msg.readInt32();
      return into;
    default:
      throw new SideChannelError(`unknown engine configuration type ${type}`);
  }
}
