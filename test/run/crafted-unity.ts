// A scripted Unity for the run-level fault tests: the generated gRPC client sending hand-built
// 3DBall messages, so each test can put exactly one fault on the wire and read the trainer's answer.
import type * as grpc from "@grpc/grpc-js";
import { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { BrainParametersProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import { ObservationProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";
import type { UnityMessageProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_message.js";
import type { UnityOutputProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import { TestUnity } from "../protocol/unity-test-client.js";

export const BALL = "3DBall?team=0";
export const BALL_OBS = 8;

export function ballObs(seed: number, size = BALL_OBS): ObservationProto {
  const data = Array.from({ length: size }, (_, i) => Math.sin(seed * 7 + i) * 0.5);
  return ObservationProto.fromPartial({ shape: [size], floatData: { data }, dimensionProperties: [1], name: `VectorSensor_size${size}` });
}

export function ballAgent(id: number, step: number, fields: Partial<AgentInfoProto> = {}): AgentInfoProto {
  return AgentInfoProto.fromPartial({ id, reward: 0.1, observations: [ballObs(step + id)], ...fields });
}

export function ballBrain(name = BALL, continuous = 2, branches: number[] = []): BrainParametersProto {
  return BrainParametersProto.fromPartial({
    brainName: name,
    isTraining: true,
    actionSpec: { numContinuousActions: continuous, numDiscreteActions: branches.length, discreteBranchSizes: branches },
  });
}

export interface StepParts {
  readonly infos?: Record<string, AgentInfoProto[]>;
  readonly announce?: BrainParametersProto[];
  readonly sideChannel?: Uint8Array;
}

export function stepOutput(p: StepParts): UnityOutputProto {
  const agentInfos: Record<string, { value: AgentInfoProto[] }> = {};
  for (const [name, value] of Object.entries(p.infos ?? {})) agentInfos[name] = { value };
  return {
    rlOutput: { agentInfos, sideChannel: Buffer.from(p.sideChannel ?? new Uint8Array(0)) },
    rlInitializationOutput: p.announce
      ? { name: "", communicationVersion: "", logPath: "", brainParameters: p.announce, packageVersion: "", capabilities: undefined }
      : undefined,
  };
}

/** The gRPC error of a failed call, or null when the call got a reply. */
export async function grpcError(p: Promise<unknown>): Promise<grpc.ServiceError | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return e as grpc.ServiceError;
  }
}

export class CraftedUnity extends TestUnity {
  private stepIndex = 0;

  constructor(
    port: number,
    readonly agents = 4,
  ) {
    super(port);
  }

  /** Handshake and RPC #2; resolves with the trainer's reply to RPC #2 (RESET). */
  async open(version = "1.5.0"): Promise<UnityMessageProto> {
    const r1 = await this.handshake(version);
    if (r1.header?.status !== 200) return r1;
    return this.empty();
  }

  /** The agents' infos for the next step; the first step also announces the behavior. */
  nextInfos(): AgentInfoProto[] {
    const s = this.stepIndex++;
    return Array.from({ length: this.agents }, (_, i) => ballAgent(i, s));
  }

  /** One valid step; `mutate` may change the infos / parts before they are sent. */
  sendStep(mutate?: (p: { infos: Record<string, AgentInfoProto[]>; announce?: BrainParametersProto[]; sideChannel?: Uint8Array }) => void): Promise<UnityMessageProto> {
    const parts: { infos: Record<string, AgentInfoProto[]>; announce?: BrainParametersProto[]; sideChannel?: Uint8Array } = {
      infos: { [BALL]: this.nextInfos() },
    };
    if (this.stepIndex === 1) parts.announce = [ballBrain()];
    mutate?.(parts);
    return this.send({ header: { status: 200, message: "" }, unityOutput: stepOutput(parts) });
  }

  /** A full valid session of `steps` steps; returns the number of actions received per step. */
  async validSession(steps: number, goodbye = true): Promise<number[]> {
    await this.open();
    const counts: number[] = [];
    for (let i = 0; i < steps; i++) {
      const r = await this.sendStep();
      counts.push(r.unityInput?.rlInput?.agentActions[BALL]?.value.length ?? 0);
    }
    if (goodbye) await this.goodbye().catch(() => undefined);
    return counts;
  }
}
