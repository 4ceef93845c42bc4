// BaseEnv over a Communicator (mlagents_envs environment.py): handshake, RESET/STEP with queued side
// channels, behavior discovery, and per-behavior batches. The wire stays strict lock-step: one
// exchange per reset()/step(); actions go out positionally for every non-done agent of the last reply.
import type { Communicator } from "../protocol/communicator.js";
import type { AgentActionProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_action.js";
import type { AgentInfoProto } from "../protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import type { UnityRLCapabilitiesProto } from "../protocol/generated/mlagents_envs/communicator_objects/capabilities.js";
import { CommandProto } from "../protocol/generated/mlagents_envs/communicator_objects/command.js";
import type { UnityOutputProto } from "../protocol/generated/mlagents_envs/communicator_objects/unity_output.js";
import {
  decodeSideChannelMessages,
  encodeSideChannelMessages,
  engineConfigMessages,
  environmentParameterMessage,
  parseStatsMessage,
  ENGINE_CONFIGURATION_CHANNEL_ID,
  ENVIRONMENT_PARAMETERS_CHANNEL_ID,
  STATS_CHANNEL_ID,
  type EngineConfig,
  type EnvironmentParameterValue,
  type SideChannelMessage,
  type StatsAggregationMethod,
} from "../protocol/side-channel/index.js";
import { COMMUNICATION_API_VERSION, TRAINER_PACKAGE_VERSION, allCapabilities } from "../protocol/versions.js";
import { createLogger, errorMessage, type Logger } from "../util/logger.js";
import { ActionTuple } from "./action-tuple.js";
import type { BaseEnv } from "./base-env.js";
import type { BehaviorSpec } from "./behavior-spec.js";
import { BehaviorSpecError, EnvStateError, UnitySessionRefusedError, UnknownBehaviorError } from "./errors.js";
import { actionsToProto, behaviorSpecDifference, behaviorSpecFromProto, emptySteps, stepsFromProto, validateActions, type DroppedStep } from "./rpc-utils.js";
import type { DecisionSteps, TerminalSteps } from "./steps.js";

export interface UnityEnvironmentOptions {
  communicator: Communicator;
  seed: number;
  /** Training areas Unity should replicate (docs/protocol.md §2.3); default 1. */
  numAreas?: number;
  /** Bound on the handshake and on every reply from Unity (docs/protocol.md §2.10). */
  timeoutWaitMs: number;
  /** Sent with the first reset. */
  engineConfig?: EngineConfig;
  /** Sent with the first reset, before the engine configuration (docs/protocol.md §5.9). */
  environmentParameters?: ReadonlyMap<string, EnvironmentParameterValue>;
  logger?: Logger;
  onStats?: (key: string, value: number, method: StatsAggregationMethod) => void;
  onNewBehavior?: (name: string, spec: BehaviorSpec) => void;
}

/** Where each non-done agent of the last reply sits: Unity expects one action per wire entry. */
interface WireOrder {
  readonly ids: Int32Array;
  readonly rows: Int32Array;
}

export class UnityEnvironment implements BaseEnv {
  readonly unityPackageVersion: string;
  readonly unityCommunicationVersion: string;
  readonly unityCapabilities: UnityRLCapabilitiesProto | undefined;

  private readonly communicator: Communicator;
  private readonly timeoutWaitMs: number;
  private readonly logger: Logger;
  private readonly onStats: UnityEnvironmentOptions["onStats"];
  private readonly onNewBehavior: UnityEnvironmentOptions["onNewBehavior"];

  private readonly specs = new Map<string, BehaviorSpec>();
  private steps = new Map<string, [DecisionSteps, TerminalSteps]>();
  private wire = new Map<string, WireOrder>();
  private pendingActions = new Map<string, ActionTuple>();
  private dropped: DroppedStep[] = [];
  private readonly queuedParameters = new Map<string, SideChannelMessage>();
  private queuedEngine: SideChannelMessage[] = [];
  private queuedOther: SideChannelMessage[] = [];
  private hasReset = false;
  private closed = false;
  private refused: UnitySessionRefusedError | null = null;

  private constructor(opts: UnityEnvironmentOptions, unity: { packageVersion: string; communicationVersion: string; capabilities?: UnityRLCapabilitiesProto }) {
    this.communicator = opts.communicator;
    this.timeoutWaitMs = opts.timeoutWaitMs;
    this.logger = opts.logger ?? createLogger();
    this.onStats = opts.onStats;
    this.onNewBehavior = opts.onNewBehavior;
    this.unityPackageVersion = unity.packageVersion;
    this.unityCommunicationVersion = unity.communicationVersion;
    this.unityCapabilities = unity.capabilities;
  }

  /** Handshake (docs/protocol.md §2.3): waits for Unity, answers with seed/versions/capabilities/num_areas. */
  static async connect(opts: UnityEnvironmentOptions): Promise<UnityEnvironment> {
    const out = await opts.communicator.initialize(
      {
        seed: opts.seed,
        communicationVersion: COMMUNICATION_API_VERSION,
        packageVersion: TRAINER_PACKAGE_VERSION,
        capabilities: allCapabilities(),
        numAreas: opts.numAreas ?? 1,
      },
      opts.timeoutWaitMs,
    );
    const env = new UnityEnvironment(opts, out);
    env.logger.info(`Connected to Unity environment with package version ${out.packageVersion} and communication version ${out.communicationVersion}`);
    if (!out.capabilities?.baseRLCapabilities) {
      env.logger.warn("Unity reports no base RL capabilities; it may be an unsupported com.unity.ml-agents version.");
    }
    for (const [key, value] of opts.environmentParameters ?? []) env.queueEnvironmentParameter(key, value);
    if (opts.engineConfig) env.queueEngineConfig(opts.engineConfig);
    return env;
  }

  get behaviorSpecs(): ReadonlyMap<string, BehaviorSpec> {
    return this.specs;
  }

  /** Queued for the next reset/step; a later value for the same key replaces the earlier one. */
  queueEnvironmentParameter(key: string, value: EnvironmentParameterValue): void {
    this.queuedParameters.delete(key);
    this.queuedParameters.set(key, environmentParameterMessage(key, value));
  }

  /** Queued for the next reset/step (only the fields that are set are sent). */
  queueEngineConfig(cfg: EngineConfig): void {
    this.queuedEngine.push(...engineConfigMessages(cfg));
  }

  /** Any other trainer -> Unity message (e.g. training analytics); sent after the built-in channels. */
  queueSideChannelMessage(message: SideChannelMessage): void {
    this.queuedOther.push(message);
  }

  async reset(): Promise<void> {
    this.checkUsable("reset");
    this.pendingActions.clear();
    const out = await this.communicator.exchange(
      { rlInput: { agentActions: {}, command: CommandProto.RESET, sideChannel: this.drainSideChannels() }, rlInitializationInput: undefined },
      this.timeoutWaitMs,
    );
    this.processOutput(out);
    this.hasReset = true;
  }

  async step(): Promise<void> {
    this.checkUsable("step");
    if (!this.hasReset) throw new EnvStateError("step", "call reset() first");
    const agentActions: Record<string, { value: AgentActionProto[] }> = {};
    for (const [name, order] of this.wire) {
      if (order.ids.length === 0) continue; // docs/protocol.md §2.6: omit behaviors without decision agents
      agentActions[name] = { value: this.wireActions(name, order) };
    }
    this.pendingActions.clear();
    const out = await this.communicator.exchange(
      { rlInput: { agentActions, command: CommandProto.STEP, sideChannel: this.drainSideChannels() }, rlInitializationInput: undefined },
      this.timeoutWaitMs,
    );
    this.processOutput(out);
  }

  getSteps(behaviorName: string): [DecisionSteps, TerminalSteps] {
    const spec = this.specOf(behaviorName);
    let s = this.steps.get(behaviorName);
    if (!s) {
      s = emptySteps(spec);
      this.steps.set(behaviorName, s);
    }
    return s;
  }

  setActions(behaviorName: string, actions: ActionTuple): void {
    const spec = this.specOf(behaviorName);
    validateActions(actions, spec.actionSpec, this.getSteps(behaviorName)[0].length, behaviorName);
    this.pendingActions.set(behaviorName, actions);
  }

  /** Agent steps dropped at the boundary in the last reset()/step() (each was also logged once). */
  getDroppedSinceLastStep(): readonly DroppedStep[] {
    return this.dropped;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.communicator.close();
  }

  private checkUsable(operation: string): void {
    if (this.closed) throw new EnvStateError(operation, "the environment is closed");
    if (this.refused) throw this.refused;
  }

  private specOf(behaviorName: string): BehaviorSpec {
    const spec = this.specs.get(behaviorName);
    if (!spec) throw new UnknownBehaviorError(behaviorName, [...this.specs.keys()]);
    return spec;
  }

  /** One action per wire entry; zero actions for agents without a set action or whose step was dropped. */
  private wireActions(name: string, order: WireOrder): AgentActionProto[] {
    const spec = this.specs.get(name)!.actionSpec;
    const set = this.pendingActions.get(name);
    const out = ActionTuple.empty(spec, order.ids.length);
    if (set) {
      const c = spec.continuousSize;
      const d = spec.discreteSize;
      order.rows.forEach((row, i) => {
        if (row < 0) return;
        out.continuous.set(set.continuous.subarray(row * c, (row + 1) * c), i * c);
        out.discrete.set(set.discrete.subarray(row * d, (row + 1) * d), i * d);
      });
    }
    return actionsToProto(out, spec, name);
  }

  /** Environment parameters first, then engine configuration, then the rest (docs/protocol.md §5.9). */
  private drainSideChannels(): Buffer {
    const msgs = [...this.queuedParameters.values(), ...this.queuedEngine, ...this.queuedOther];
    this.queuedParameters.clear();
    this.queuedEngine = [];
    this.queuedOther = [];
    const bytes = encodeSideChannelMessages(msgs);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private processOutput(out: UnityOutputProto): void {
    const infos = out.rlOutput?.agentInfos ?? {};
    const newSpecs = this.newBehaviorSpecs(out, infos);
    for (const [name, list] of Object.entries(infos)) {
      if ((list?.value?.length ?? 0) > 0 && !this.specs.has(name) && !newSpecs.has(name)) {
        this.refuse(new UnitySessionRefusedError(name, "Unity sent agents for a behavior it never announced"));
      }
    }
    for (const [name, spec] of newSpecs) {
      this.specs.set(name, spec);
      this.logger.info(`Connected new brain: ${name}`);
      this.onNewBehavior?.(name, spec);
    }

    this.steps = new Map();
    this.wire = new Map();
    this.dropped = [];
    for (const [name, spec] of this.specs) {
      const parsed = stepsFromProto(infos[name]?.value ?? [], spec, name);
      this.steps.set(name, [parsed.decision, parsed.terminal]);
      this.wire.set(name, { ids: parsed.decisionWireIds, rows: parsed.decisionWireRows });
      for (const d of parsed.dropped) {
        this.logger.warn(d.reason);
        this.dropped.push(d);
      }
    }
    this.handleSideChannel(out.rlOutput?.sideChannel);
  }

  /** Specs announced in this message (docs/protocol.md §2.8), checked before anything is committed. */
  private newBehaviorSpecs(out: UnityOutputProto, infos: Record<string, { value: AgentInfoProto[] }>): Map<string, BehaviorSpec> {
    const found = new Map<string, BehaviorSpec>();
    for (const brain of out.rlInitializationOutput?.brainParameters ?? []) {
      const name = brain.brainName;
      const first = infos[name]?.value[0];
      if (!first) {
        this.logger.debug(`Behavior ${name} was announced without agents; waiting for its first agent.`);
        continue;
      }
      let spec: BehaviorSpec;
      try {
        spec = behaviorSpecFromProto(brain, first);
      } catch (e) {
        if (e instanceof BehaviorSpecError) this.refuse(new UnitySessionRefusedError(name, e.problem));
        throw e;
      }
      const known = this.specs.get(name) ?? found.get(name);
      if (known) {
        const diff = behaviorSpecDifference(known, spec);
        if (diff) this.refuse(new UnitySessionRefusedError(name, `re-announced with a different spec: ${diff}`));
        continue;
      }
      found.set(name, spec);
    }
    return found;
  }

  private refuse(error: UnitySessionRefusedError): never {
    this.refused = error;
    throw error;
  }

  private handleSideChannel(blob: Uint8Array | undefined): void {
    if (!blob || blob.length === 0) return;
    let msgs: SideChannelMessage[];
    try {
      msgs = decodeSideChannelMessages(blob);
    } catch (e) {
      this.logger.warn(`Ignoring malformed side-channel data from Unity: ${errorMessage(e)}`);
      return;
    }
    for (const m of msgs) {
      switch (m.channelId) {
        case STATS_CHANNEL_ID: {
          let stat: ReturnType<typeof parseStatsMessage>;
          try {
            stat = parseStatsMessage(m.payload);
          } catch (e) {
            this.logger.warn(`Ignoring malformed stats message from Unity: ${errorMessage(e)}`);
            break;
          }
          this.onStats?.(stat.key, stat.value, stat.method);
          break;
        }
        case ENGINE_CONFIGURATION_CHANNEL_ID:
        case ENVIRONMENT_PARAMETERS_CHANNEL_ID:
          this.logger.warn(`Ignoring a message from Unity on the trainer-to-Unity channel ${m.channelId}.`);
          break;
        default:
          this.logger.debug(`Unknown side channel data received. Channel type: ${m.channelId}.`);
      }
    }
  }
}
