// The transport seen by the environment layer: one lock-step conversation with Unity at a time.
// Implemented by the gRPC server (rpc-communicator.ts) and by an in-process loopback for tests.
import type { UnityInputProto } from "./generated/mlagents_envs/communicator_objects/unity_input.js";
import type { UnityOutputProto } from "./generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInitializationInputProto } from "./generated/mlagents_envs/communicator_objects/unity_rl_initialization_input.js";
import type { UnityRLInitializationOutputProto } from "./generated/mlagents_envs/communicator_objects/unity_rl_initialization_output.js";

export interface Communicator {
  /**
   * Waits up to timeoutMs for Unity's handshake (RPC #1), checks the communication version,
   * answers with `init`, and parks Unity's RPC #2 until the first exchange() answers it.
   * Called again after a session ended, it waits for the next session on the same port.
   * Rejects with UnityTimeoutError, IncompatibleVersionError or CommunicatorClosedError.
   */
  initialize(init: UnityRLInitializationInputProto, timeoutMs: number): Promise<UnityRLInitializationOutputProto>;

  /**
   * Answers the parked Unity call with `input` and waits up to timeoutMs for Unity's next message.
   * Rejects with UnityStoppedError (status 400, disconnect, or a new handshake replaced this session),
   * UnityTimeoutError, or ProtocolError subclasses for malformed input.
   */
  exchange(input: UnityInputProto, timeoutMs: number): Promise<UnityOutputProto>;

  /** Answers any parked call with status 400 ("trainer is closing") and stops serving. */
  close(): Promise<void>;
}
