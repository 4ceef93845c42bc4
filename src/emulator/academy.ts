// The Unity-side step loop (docs/protocol.md §2.12): one Academy step per FixedUpdate, in Unity's order:
// pre-step (DecisionRequesters), agent step counters +1, send state (queue decision infos),
// decide (one batched Exchange if anything was queued), act (OnActionReceived, then MaxStep).
// The Exchange itself is the caller's: stepUntilRequest() runs steps until one has something to
// send and returns the request; completeStep() applies the reply and finishes that step.
import type { AgentActionProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_action.js";
import type { AgentInfoProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import type { BrainParametersProto } from "../protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import { CommandProto } from "../protocol/generated/mlagents_envs/communicator_objects/command.js";
import { SpaceTypeProto } from "../protocol/generated/mlagents_envs/communicator_objects/space_type.js";
import type { UnityOutputProto } from "../protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import type { UnityRLInputProto } from "../protocol/generated/mlagents_envs/communicator_objects/unity_rl_input.js";
import type { UnityRLOutputProto_ListAgentInfoProto } from "../protocol/generated/mlagents_envs/communicator_objects/unity_rl_output.js";
import { encodeSideChannelMessages, type EngineConfig } from "../protocol/side-channel/index.js";
import { createLogger, type Logger } from "../util/logger.js";
import { EmulatedAgent } from "./agent.js";
import type { BehaviorDefinition, EmulatedEnvironment, SceneContext } from "./environments/environment.js";
import { EnvironmentParameters } from "./environment-parameters.js";
import { EmulatorError, EmulatorProtocolError } from "./errors.js";
import { applyIncomingSideChannels } from "./incoming-side-channels.js";
import { Rng } from "./rng.js";
import { StatsRecorder } from "./stats-recorder.js";

// Process-wide counters, as in Unity: agent ids start at 0, group ids at 1.
let nextAgentId = 0;
let nextGroupId = 1;

export interface AcademyOptions {
  /** Seed of the game's random source (Unity: the handshake seed). */
  seed?: number;
  /** Training areas to replicate (handshake num_areas). */
  numAreas?: number;
  /** Without the trainer's hybridActions capability Unity also fills the deprecated action fields. */
  trainerHybridActions?: boolean;
  logger?: Logger;
  /** Steps without any info before stepUntilRequest gives up (a scene whose agents never ask). */
  maxIdleSteps?: number;
}

export type InputOutcome = "continue" | "quit";

interface OutgoingBehavior {
  infos: AgentInfoProto[];
  deciders: EmulatedAgent[];
}

export class Academy implements SceneContext {
  readonly parameters = new EnvironmentParameters();
  readonly stats = new StatsRecorder();
  readonly engineConfig: EngineConfig = {};
  readonly random: Rng;
  readonly agents: EmulatedAgent[] = [];
  /** Academy.StepCount: steps since the last reset. */
  stepCount = 0;
  totalStepCount = 0;
  /** Academy.EpisodeCount: environment resets. */
  episodeCount = 0;
  /** Terminal infos sent (agent episodes completed). */
  completedEpisodes = 0;

  readonly logger: Logger;
  private readonly maxIdleSteps: number;
  private readonly trainerHybridActions: boolean;
  private readonly behaviorsByName = new Map<string, BehaviorDefinition>();
  /** Behaviors that have put observations, in first-seen order: their keys stay in every request. */
  private readonly outgoing = new Map<string, OutgoingBehavior>();
  private readonly announced = new Set<string>();
  /** The decision agents of the last request, per behavior: actions apply to them positionally. */
  private awaitingActions = new Map<string, EmulatedAgent[]>();
  private needsCommunication = false;
  private hadFirstReset = false;
  private stepOpen = false;

  constructor(
    readonly environment: EmulatedEnvironment,
    options: AcademyOptions = {},
  ) {
    this.logger = options.logger ?? createLogger({ level: "warn" });
    this.random = new Rng(options.seed ?? 0);
    this.maxIdleSteps = options.maxIdleSteps ?? 1_000_000;
    this.trainerHybridActions = options.trainerHybridActions ?? true;
    const numAreas = Math.max(1, options.numAreas ?? 1);
    for (let area = 0; area < numAreas; area++) {
      for (const behavior of environment.behaviors) {
        const fullName = `${behavior.name}?team=0`;
        this.behaviorsByName.set(fullName, behavior);
        let groupId = 0;
        for (let i = 0; i < behavior.agentsPerArea; i++) {
          if (behavior.groupSize && i % behavior.groupSize === 0) groupId = nextGroupId++;
          const agent = new EmulatedAgent(nextAgentId++, behavior, fullName, groupId, (a, info) => this.putObservations(a, info));
          agent.logic = environment.createAgent(behavior, agent, this, area);
          this.agents.push(agent);
        }
      }
    }
  }

  /** Runs Academy steps until one has queued an info; returns that step's request (the step stays open). */
  stepUntilRequest(): UnityOutputProto {
    if (this.stepOpen) throw new EmulatorError("stepUntilRequest called while a step waits for its reply");
    for (let idle = 0; idle < this.maxIdleSteps; idle++) {
      if (!this.hadFirstReset) this.forcedFullReset();
      const step = this.stepCount;
      for (const agent of this.agents) agent.makeRequests(step);
      this.stepCount++;
      this.totalStepCount++;
      for (const agent of this.agents) agent.stepCount++;
      for (const agent of this.agents) agent.sendInfo();
      if (this.needsCommunication) {
        this.stepOpen = true;
        return this.buildRequest();
      }
      this.act();
    }
    throw new EmulatorError(`no agent of "${this.environment.name}" asked for a decision in ${this.maxIdleSteps} steps`);
  }

  /** Applies the trainer's reply to the open step and finishes it. */
  completeStep(input: UnityRLInputProto | undefined): InputOutcome {
    if (!this.stepOpen) throw new EmulatorError("completeStep called without an open step");
    this.stepOpen = false;
    const outcome = this.applyInput(input);
    if (outcome === "quit") return outcome;
    this.act();
    return outcome;
  }

  /**
   * Unity's order on a reply: side channels, then the command, then actions. Also used on its own
   * for the handshake's Reply #2, which arrives outside any step.
   */
  applyInput(input: UnityRLInputProto | undefined): InputOutcome {
    if (!input) return "continue";
    applyIncomingSideChannels(input.sideChannel, this);
    if (input.command === CommandProto.QUIT) return "quit";
    if (input.command === CommandProto.RESET) {
      // Unity empties its lists of agents awaiting actions (the behavior keys stay).
      for (const name of this.awaitingActions.keys()) this.awaitingActions.set(name, []);
      this.forcedFullReset();
    }
    this.applyActions(input.agentActions);
    this.awaitingActions = new Map();
    return "continue";
  }

  /** Academy.ForcedFullReset: every agent starts a new episode, with no terminal infos. */
  forcedFullReset(): void {
    this.stepCount = 0;
    this.episodeCount++;
    for (const agent of this.agents) agent.forceReset();
    this.hadFirstReset = true;
  }

  private act(): void {
    for (const agent of this.agents) agent.act();
  }

  private putObservations(agent: EmulatedAgent, info: AgentInfoProto): void {
    let queue = this.outgoing.get(agent.fullName);
    if (!queue) {
      queue = { infos: [], deciders: [] };
      this.outgoing.set(agent.fullName, queue);
    }
    queue.infos.push(info);
    if (info.done) this.completedEpisodes++;
    else queue.deciders.push(agent);
    this.needsCommunication = true;
  }

  private buildRequest(): UnityOutputProto {
    const agentInfos: Record<string, UnityRLOutputProto_ListAgentInfoProto> = {};
    const brainParameters: BrainParametersProto[] = [];
    this.awaitingActions = new Map();
    for (const [name, queue] of this.outgoing) {
      agentInfos[name] = { value: queue.infos };
      if (queue.infos.length > 0 && !this.announced.has(name)) {
        this.announced.add(name);
        brainParameters.push(this.brainParameters(name));
      }
      this.awaitingActions.set(name, queue.deciders);
      this.outgoing.set(name, { infos: [], deciders: [] });
    }
    this.needsCommunication = false;
    const output: UnityOutputProto = {
      rlOutput: { agentInfos, sideChannel: Buffer.from(encodeSideChannelMessages(this.stats.drain())) },
      rlInitializationOutput: undefined,
    };
    if (brainParameters.length > 0) {
      output.rlInitializationOutput = {
        name: "",
        communicationVersion: "",
        logPath: "",
        brainParameters,
        packageVersion: "",
        capabilities: undefined,
      };
    }
    return output;
  }

  private brainParameters(fullName: string): BrainParametersProto {
    const spec = this.behaviorsByName.get(fullName)!.actionSpec;
    const params: BrainParametersProto = {
      vectorActionSizeDeprecated: [],
      vectorActionDescriptionsDeprecated: [],
      vectorActionSpaceTypeDeprecated: SpaceTypeProto.discrete,
      brainName: fullName,
      isTraining: true,
      actionSpec: {
        numContinuousActions: spec.continuousSize,
        numDiscreteActions: spec.discreteSize,
        discreteBranchSizes: [...spec.discreteBranches],
        actionDescriptions: [],
      },
    };
    if (!this.trainerHybridActions) {
      if (spec.isHybrid) {
        throw new EmulatorError(`behavior ${fullName} mixes continuous and discrete actions, but the trainer lacks hybridActions`);
      }
      if (spec.continuousSize > 0) {
        params.vectorActionSizeDeprecated = [spec.continuousSize];
        params.vectorActionSpaceTypeDeprecated = SpaceTypeProto.continuous;
      } else {
        params.vectorActionSizeDeprecated = [...spec.discreteBranches];
      }
    }
    return params;
  }

  private applyActions(actions: UnityRLInputProto["agentActions"]): void {
    for (const [name, list] of Object.entries(actions)) {
      const agents = this.awaitingActions.get(name);
      if (agents === undefined) {
        throw new EmulatorProtocolError(`the trainer sent actions for behavior "${name}", which had no agents in the last request`);
      }
      // Unity skips a behavior with no decision agents, or an empty action list.
      if (agents.length === 0 || list.value.length === 0) continue;
      if (list.value.length !== agents.length) {
        throw new EmulatorProtocolError(
          `the trainer sent ${list.value.length} actions for behavior "${name}", but ${agents.length} agents requested a decision`,
        );
      }
      for (let i = 0; i < agents.length; i++) setStoredAction(agents[i]!, list.value[i]!, name);
    }
  }
}

function setStoredAction(agent: EmulatedAgent, action: AgentActionProto, behavior: string): void {
  const spec = agent.behavior.actionSpec;
  const { continuousActions: c, discreteActions: d } = action;
  if (c.length !== spec.continuousSize || d.length !== spec.discreteSize) {
    throw new EmulatorProtocolError(
      `action for agent ${agent.id} of "${behavior}" has ${c.length} continuous and ${d.length} discrete values; ` +
        `expected ${spec.continuousSize} and ${spec.discreteSize}`,
    );
  }
  for (let j = 0; j < c.length; j++) {
    if (!Number.isFinite(c[j]!)) {
      throw new EmulatorProtocolError(`continuous action ${j} for agent ${agent.id} of "${behavior}" is ${c[j]}`);
    }
    agent.continuous[j] = c[j]!;
  }
  for (let j = 0; j < d.length; j++) {
    const v = d[j]!;
    if (!Number.isInteger(v) || v < 0 || v >= spec.discreteBranches[j]!) {
      throw new EmulatorProtocolError(
        `discrete action ${v} for agent ${agent.id} of "${behavior}" is outside branch ${j} of size ${spec.discreteBranches[j]}`,
      );
    }
    agent.discrete[j] = v;
  }
}
