// Public surface of the protocol layer (wire side): the gRPC server, side channels, versions, errors.
export type { Communicator } from "./communicator.js";
export {
  RpcCommunicator,
  type RpcCommunicatorOptions,
  DEFAULT_MAX_MESSAGE_BYTES,
  UNITY_MAX_RECEIVE_BYTES,
} from "./rpc-communicator.js";
export { EXCHANGE_PATH } from "./exchange-service.js";
export { COMMUNICATION_API_VERSION, TRAINER_PACKAGE_VERSION, isVersionCompatible, allCapabilities } from "./versions.js";
export {
  ProtocolError,
  UnityStoppedError,
  type UnityStoppedReason,
  UnityTimeoutError,
  IncompatibleVersionError,
  PortInUseError,
  MessageTooLargeError,
  MalformedMessageError,
  SideChannelError,
  CommunicatorClosedError,
  toGrpcStatus,
} from "./errors.js";
export * from "./side-channel/index.js";
