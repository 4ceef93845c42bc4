// Drives one built-in environment through the Academy (no gRPC) with a policy per decision agent.
import { Academy } from "../../../src/emulator/academy.js";
import type { EmulatedEnvironment } from "../../../src/emulator/environments/environment.js";
import type { AgentActionProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/agent_action.js";
import type { AgentInfoProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { CommandProto } from "../../../src/protocol/generated/mlagents_envs/communicator_objects/command.js";
import { encodeSideChannelMessages, environmentParameterMessage } from "../../../src/protocol/side-channel/index.js";

export interface Episode {
  agentId: number;
  /** Sum of rewards over the episode's infos (decisions and the terminal). */
  reward: number;
  decisions: number;
  interrupted: boolean;
}

export function startAcademy(env: EmulatedEnvironment, seed = 1, params: Record<string, number> = {}): Academy {
  const academy = new Academy(env, { seed });
  const side = encodeSideChannelMessages(Object.entries(params).map(([k, v]) => environmentParameterMessage(k, { kind: "float", value: v })));
  academy.applyInput({ agentActions: {}, command: CommandProto.RESET, sideChannel: Buffer.from(side) });
  return academy;
}

/** Runs `requests` exchanges; returns completed episodes. */
export function runPolicy(
  academy: Academy,
  policy: (info: AgentInfoProto) => { continuous?: number[]; discrete?: number[] },
  requests: number,
  onInfo?: (info: AgentInfoProto) => void,
): Episode[] {
  const key = `${academy.environment.behaviors[0]!.name}?team=0`;
  const open = new Map<number, { reward: number; decisions: number }>();
  const episodes: Episode[] = [];
  for (let k = 0; k < requests; k++) {
    const infos = academy.stepUntilRequest().rlOutput!.agentInfos[key]!.value;
    const actions: AgentActionProto[] = [];
    for (const info of infos) {
      onInfo?.(info);
      const ep = open.get(info.id) ?? { reward: 0, decisions: 0 };
      ep.reward += info.reward;
      if (info.done) {
        episodes.push({ agentId: info.id, reward: ep.reward, decisions: ep.decisions, interrupted: info.maxStepReached });
        open.delete(info.id);
        continue;
      }
      ep.decisions++;
      open.set(info.id, ep);
      const a = policy(info);
      actions.push({ vectorActionsDeprecated: [], value: 0, continuousActions: a.continuous ?? [], discreteActions: a.discrete ?? [] });
    }
    academy.completeStep({ agentActions: { [key]: { value: actions } }, command: CommandProto.STEP, sideChannel: Buffer.alloc(0) });
  }
  return episodes;
}

/** A deterministic uniform source for policies. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
