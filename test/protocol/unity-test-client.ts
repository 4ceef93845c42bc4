// A minimal Unity stand-in for the server tests: the generated grpc client, promisified.
import * as grpc from "@grpc/grpc-js";
import { CommandProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import type { UnityInputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_input.js";
import type { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import type { UnityOutputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInitializationInputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_rl_initialization_input.js";
import { UnityToExternalProtoClient } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_to_external.js";
import { EXCHANGE_PATH } from "../../src/protocol/exchange-service.js";
import { allCapabilities } from "../../src/protocol/versions.js";

// grpc-js shares one connection between clients of the same target unless told otherwise; each
// TestUnity stands for a separate Unity process, so it gets its own connection.
const ownConnection = { "grpc.use_local_subchannel_pool": 1 };

export class TestUnity {
  readonly client: UnityToExternalProtoClient;
  constructor(port: number, host = "127.0.0.1") {
    this.client = new UnityToExternalProtoClient(`${host}:${port}`, grpc.credentials.createInsecure(), ownConnection);
  }

  send(message: Partial<UnityMessageProto>): Promise<UnityMessageProto> {
    const full: UnityMessageProto = { header: undefined, unityOutput: undefined, unityInput: undefined, ...message };
    return new Promise((resolve, reject) => {
      this.client.exchange(full, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  handshake(version = "1.5.0"): Promise<UnityMessageProto> {
    return this.send({ header: ok(), unityOutput: { rlOutput: undefined, rlInitializationOutput: handshakeOutput(version) } });
  }

  empty(): Promise<UnityMessageProto> {
    return this.send({ header: ok() });
  }

  step(agentCount: number, sideChannel = Buffer.alloc(0)): Promise<UnityMessageProto> {
    return this.send({ header: ok(), unityOutput: stepOutput(agentCount, sideChannel) });
  }

  goodbye(): Promise<UnityMessageProto> {
    return this.send({ header: { status: 400, message: "" } });
  }

  close(): void {
    this.client.close();
  }
}

export const ok = () => ({ status: 200, message: "" });

export function handshakeOutput(version: string) {
  return {
    name: "AcademySingleton",
    communicationVersion: version,
    logPath: "",
    brainParameters: [],
    packageVersion: "3.0.0-exp.1",
    capabilities: allCapabilities(),
  };
}

export function stepOutput(agentCount: number, sideChannel = Buffer.alloc(0)): UnityOutputProto {
  const value = Array.from({ length: agentCount }, (_, i) => ({
    reward: i,
    done: false,
    maxStepReached: false,
    id: i,
    actionMask: [],
    observations: [],
    groupId: 0,
    groupReward: 0,
  }));
  return { rlOutput: { agentInfos: { "3DBall?team=0": { value } }, sideChannel }, rlInitializationOutput: undefined };
}

export function initInput(seed = 7): UnityRLInitializationInputProto {
  return { seed, communicationVersion: "1.5.0", packageVersion: "0.1.0", capabilities: allCapabilities(), numAreas: 1 };
}

export function rlInput(command: CommandProto, sideChannel = Buffer.alloc(0)): UnityInputProto {
  return { rlInput: { agentActions: {}, command, sideChannel }, rlInitializationInput: undefined };
}

/** A client that sends arbitrary bytes on the Exchange path. */
export function rawClient(port: number): grpc.Client & {
  exchange(req: Buffer, cb: (err: grpc.ServiceError | null, res: Buffer) => void): grpc.ClientUnaryCall;
} {
  const Ctor = grpc.makeGenericClientConstructor(
    {
      exchange: {
        path: EXCHANGE_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    "communicator_objects.UnityToExternalProto",
  );
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), ownConnection) as never;
}
