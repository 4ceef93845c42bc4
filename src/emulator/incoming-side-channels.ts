// Unity's SideChannelManager.ProcessSideChannelData for the channels the package registers by
// default (docs/protocol.md §5.3): engine configuration and environment parameters are applied in order,
// training analytics is accepted and ignored, anything else is dropped with a debug line.
import {
  applyEngineConfigMessage,
  decodeSideChannelMessages,
  ENGINE_CONFIGURATION_CHANNEL_ID,
  ENVIRONMENT_PARAMETERS_CHANNEL_ID,
  parseEnvironmentParameterMessage,
  STATS_CHANNEL_ID,
  TRAINING_ANALYTICS_CHANNEL_ID,
  type EngineConfig,
} from "../protocol/side-channel/index.js";
import type { Logger } from "../util/logger.js";
import { errorMessage } from "../util/logger.js";
import type { EnvironmentParameters } from "./environment-parameters.js";
import { EmulatorProtocolError } from "./errors.js";

export interface SideChannelTargets {
  readonly parameters: EnvironmentParameters;
  readonly engineConfig: EngineConfig;
  readonly logger: Logger;
}

export function applyIncomingSideChannels(blob: Uint8Array, into: SideChannelTargets): void {
  if (blob.length === 0) return;
  let messages;
  try {
    messages = decodeSideChannelMessages(blob);
  } catch (error) {
    // Unity throws on a malformed blob too.
    throw new EmulatorProtocolError(`malformed side channel data from the trainer: ${errorMessage(error)}`);
  }
  for (const { channelId, payload } of messages) {
    switch (channelId) {
      case ENGINE_CONFIGURATION_CHANNEL_ID:
        try {
          applyEngineConfigMessage(payload, into.engineConfig);
        } catch (error) {
          into.logger.warn(`Unknown engine configuration received from the trainer: ${errorMessage(error)}`);
        }
        break;
      case ENVIRONMENT_PARAMETERS_CHANNEL_ID:
        try {
          const { key, value } = parseEnvironmentParameterMessage(payload);
          into.parameters.set(key, value);
          into.logger.debug(`Environment parameter "${key}" set to ${JSON.stringify(value)}`);
        } catch (error) {
          into.logger.warn(`Ignored a bad environment parameter message: ${errorMessage(error)}`);
        }
        break;
      case TRAINING_ANALYTICS_CHANNEL_ID:
        into.logger.debug(`Training analytics message received (${payload.length} bytes), ignored`);
        break;
      case STATS_CHANNEL_ID:
        // Unity's StatsSideChannel throws when it receives anything: it only sends.
        into.logger.warn("The trainer sent a message on the Stats channel, which only goes from Unity to the trainer; ignored");
        break;
      default:
        into.logger.debug(`Unknown side channel data received. Channel Id is: ${channelId}`);
    }
  }
}
