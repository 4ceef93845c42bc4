// Side channels: framing, primitive encodings and the built-in channels.
export {
  type SideChannelMessage,
  encodeSideChannelMessages,
  decodeSideChannelMessages,
  uuidToBytesLE,
  bytesLEToUuid,
} from "./framing.js";
export { OutgoingMessage, IncomingMessage } from "./message-io.js";
export {
  ENGINE_CONFIGURATION_CHANNEL_ID,
  ENVIRONMENT_PARAMETERS_CHANNEL_ID,
  STATS_CHANNEL_ID,
  TRAINING_ANALYTICS_CHANNEL_ID,
  FLOAT_PROPERTIES_CHANNEL_ID,
} from "./channel-ids.js";
export {
  type EngineConfig,
  EngineConfigurationType,
  DEFAULT_ENGINE_CONFIG,
  engineConfigMessages,
  applyEngineConfigMessage,
} from "./engine-configuration.js";
export {
  type EnvironmentParameterValue,
  environmentParameterMessage,
  parseEnvironmentParameterMessage,
} from "./environment-parameters.js";
export {
  StatsAggregationMethod,
  type StatsSummary,
  statsMessage,
  parseStatsMessage,
  StatsAggregator,
} from "./stats.js";
export { floatPropertyMessage, parseFloatPropertyMessage } from "./float-properties.js";
export { rawBytesMessage } from "./raw-bytes.js";
export { SideChannelError } from "../errors.js";
