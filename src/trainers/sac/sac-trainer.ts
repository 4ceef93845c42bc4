// The SAC trainer of one behavior: composes the model (networks + losses), the replay buffer and
// the agent processor, and runs ML-Agents' update schedule (spec 9):
//   once buffer >= batch_size and step >= buffer_init_steps,
//   while (step - buffer_init_steps) / update_steps > steps_per_update: sample, update, update_steps += 1
// with update_steps starting at 1. Rewards are scaled by the extrinsic strength at sampling time,
// as ML-Agents evaluates reward signals (so a changed strength also applies to stored data).
// All state lives in the instance: many trainers can share one process (PBT, Mix&Match).
import type { ActionTuple as ActionTupleType } from "../../env/action-tuple.js";
import { ActionTuple } from "../../env/action-tuple.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import { observationSize } from "../../env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { SacHyperparameters, TrainerSettings } from "../../config/trainer-settings.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import { AgentProcessor } from "../common/agent-processor.js";
import { EpisodeStats, type EpisodeStatsState } from "../common/episode-stats.js";
import { ReplayBuffer, type ReplayBufferState, type ReplayLayout } from "../common/replay-buffer.js";
import { Rng } from "../common/rng.js";
import type { TransitionBatch } from "../common/transition.js";
import { decodePlain, encodePlain } from "../checkpoint/plain-codec.js";
import { StatsAccumulator } from "../stats/stats-accumulator.js";
import { StatsAggregationMethod, Tags, type TrainerSummary } from "../stats/trainer-summary.js";
import type { Trainer } from "../trainer.js";
import type { Logger } from "../../util/logger.js";
import { SacModel } from "./sac-model.js";
import { deserializeSacState, serializeSacState, type SacState } from "./sac-state.js";

/** What the trainer needs from a SAC model (SacModel implements it; tests use fakes). */
export interface SacModelLike {
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array };
  updateNormalizer(obs: readonly Float32Array[], n: number): void;
  update(batch: TransitionBatch): object;
  setLearningRate(lr: number): void;
  /** Hyperparameters the model keeps itself (Polyak tau, discount); optional for fakes. */
  setHyperparameters?(h: { tau?: number; gamma?: number }): void;
  getState(): unknown;
  setState(state: unknown): void;
  snapshot(): ActorSnapshot;
  dispose(): void;
}

export interface SacTrainerDeps {
  createModel(spec: BehaviorSpec, settings: TrainerSettings, seed: number): SacModelLike;
  serializeModelState(state: unknown): Uint8Array;
  deserializeModelState(bytes: Uint8Array): unknown;
  /** `own` model state with the network weights and normalizers of `source` (optimizer state kept). */
  takeWeights(own: unknown, source: unknown): unknown;
}

/** For SacState: every tensor except Adam moments, plus the normalizers; log alphas stay fresh. */
function takeSacWeights(own: unknown, source: unknown): unknown {
  const o = own as Partial<SacState>;
  const s = source as Partial<SacState>;
  if (!o.tensors || !s.tensors) return source;
  const tensors = { ...o.tensors };
  for (const [key, t] of Object.entries(s.tensors)) if (!key.startsWith("adam/")) tensors[key] = t;
  return { ...o, tensors, normalizers: s.normalizers ?? o.normalizers };
}

export const defaultSacDeps: SacTrainerDeps = {
  createModel: (spec, settings, seed) => new SacModel(spec, settings, seed),
  serializeModelState: (s) => serializeSacState(s as Parameters<typeof serializeSacState>[0]),
  deserializeModelState: (b) => deserializeSacState(b),
  takeWeights: takeSacWeights,
};

export interface SacTrainerOptions {
  readonly behaviorName: string;
  readonly spec: BehaviorSpec;
  readonly settings: TrainerSettings;
  readonly seed: number;
  /** false for --inference: act and report, never update. Default true. */
  readonly training?: boolean;
  readonly deps?: SacTrainerDeps;
  /** For the one-time group-reward warning. */
  readonly logger?: Logger;
}

export interface SacTrainerState {
  readonly kind: "sac";
  readonly behaviorName: string;
  readonly model: unknown;
  /** Always present in memory; on disk only with save_replay_buffer. */
  readonly buffer: ReplayBufferState | null;
  readonly step: number;
  readonly updateSteps: number;
  readonly rng: number;
  readonly episodes: EpisodeStatsState;
  readonly hyperparameters: SacHyperparameters;
  readonly rewardStrength: number;
}

export class SacTrainerStateError extends Error {
  constructor(readonly behaviorName: string, readonly field: string, detail: string) {
    super(`Behavior ${behaviorName}: trainer state field ${field} ${detail}.`);
    this.name = "SacTrainerStateError";
  }
}

/** Where the hyperparameters come from when a state is applied. */
export type HyperparameterSource = "state" | "keep";

/** ML-Agents' linear schedule: decays from lr0 to 1e-10 at max_steps (polynomial_decay, power 1). */
export function linearLearningRate(lr0: number, step: number, maxSteps: number): number {
  const min = 1e-10;
  if (maxSteps <= 0) return min;
  return (lr0 - min) * (1 - Math.min(step, maxSteps) / maxSteps) + min;
}

// UpdateStats field -> ML-Agents tag; unknown numeric fields are reported as "Losses/<field>".
const updateTags: Record<string, string> = {
  q1Loss: Tags.q1Loss,
  q2Loss: Tags.q2Loss,
  policyLoss: Tags.policyLoss,
  valueLoss: Tags.valueLoss,
  entropy: Tags.entropy,
  continuousEntropyCoeff: Tags.continuousEntropyCoeff,
  continuousEntropyCoef: Tags.continuousEntropyCoeff,
  discreteEntropyCoeff: Tags.discreteEntropyCoeff,
  discreteEntropyCoef: Tags.discreteEntropyCoeff,
  learningRate: Tags.learningRate,
};

export class SacTrainer implements Trainer<SacTrainerState> {
  readonly behaviorName: string;
  readonly training: boolean;
  private settings: TrainerSettings;
  private readonly spec: BehaviorSpec;
  private readonly deps: SacTrainerDeps;
  private readonly model: SacModelLike;
  private buffer: ReplayBuffer;
  private readonly processor: AgentProcessor;
  private readonly episodes = new EpisodeStats();
  private readonly stats = new StatsAccumulator();
  private readonly rng: Rng;
  private step = 0;
  private updateSteps = 1;
  private stepsSinceUpdateCall = 0;
  private currentLr = Number.NaN;
  private scaledRewards = new Float32Array(0);
  private readonly logger: Logger | undefined;
  private warnedGroupReward = false;

  constructor(options: SacTrainerOptions) {
    this.behaviorName = options.behaviorName;
    this.spec = options.spec;
    this.settings = structuredClone(options.settings);
    this.training = options.training ?? true;
    this.deps = options.deps ?? defaultSacDeps;
    this.logger = options.logger;
    this.model = this.deps.createModel(options.spec, this.settings, options.seed);
    this.buffer = new ReplayBuffer(this.layout(), this.settings.hyperparameters.buffer_size);
    this.processor = new AgentProcessor(options.spec, options.behaviorName, this.episodes);
    // A stream apart from the model's: minibatch sampling must not shift the policy's noise.
    this.rng = new Rng((options.seed ^ 0x5ac7a1e5) >>> 0);
  }

  get stepCount(): number {
    return this.step;
  }

  /** Gradient updates done so far plus one (ML-Agents' update_steps). */
  get updateStepCount(): number {
    return this.updateSteps;
  }

  get bufferSize(): number {
    return this.buffer.size;
  }

  get isDone(): boolean {
    return this.step >= this.settings.max_steps;
  }

  get hyperparameters(): Readonly<SacHyperparameters> {
    return this.settings.hyperparameters;
  }

  /** Episodes finished over the trainer's life, and the mean reward of the latest ones (PBT). */
  get episodeCount(): number {
    return this.episodes.totalEpisodes;
  }

  recentMeanReward(n?: number): number {
    return this.episodes.recentMeanReward(n);
  }

  /** Changes hyperparameters during training (PBT explore); the buffer capacity is fixed. */
  setHyperparameters(h: Partial<Omit<SacHyperparameters, "buffer_size">>): void {
    this.settings = { ...this.settings, hyperparameters: { ...this.settings.hyperparameters, ...h } };
    if (h.tau !== undefined) this.model.setHyperparameters?.({ tau: h.tau });
    this.currentLr = Number.NaN;
  }

  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
    if (!this.warnedGroupReward && (decision.groupReward.some((r) => r !== 0) || terminal.groupReward.some((r) => r !== 0))) {
      // Spec 3.9: SAC ignores group rewards, with ML-Agents' one-time warning (its spelling).
      this.logger?.warn(
        "An agent recieved a Group Reward, but you are not using a multi-agent trainer. Please use the POCA trainer for best results.",
      );
      this.warnedGroupReward = true;
    }
    const batch = this.processor.observe(decision, terminal, envIndex);
    if (batch.length === 0) return;
    if (this.training) {
      if (this.settings.network_settings.normalize) this.model.updateNormalizer(batch.obs, batch.length);
      this.buffer.add(batch);
    }
    this.step += batch.length;
    this.stepsSinceUpdateCall += batch.length;
  }

  act(decision: DecisionSteps, deterministic?: boolean, envIndex = 0): ActionTupleType {
    const n = decision.length;
    const det = deterministic ?? this.settings.network_settings.deterministic;
    const actions =
      n === 0
        ? ActionTuple.empty(this.spec.actionSpec, 0)
        : this.model.act(decision.obs, n, decision.actionMask, det);
    const tuple = new ActionTuple(n, actions.continuous, actions.discrete);
    this.processor.recordActions(decision, tuple, envIndex);
    return tuple;
  }

  maybeUpdate(deadline = Infinity): number {
    const newSteps = this.stepsSinceUpdateCall;
    this.stepsSinceUpdateCall = 0;
    const hp = this.settings.hyperparameters;
    if (!this.training || this.isDone) return 0;
    if (this.buffer.size < hp.batch_size || this.step < hp.buffer_init_steps) return 0;
    // Never more than ML-Agents' largest legitimate burst (the first one, about batch_size /
    // steps_per_update) plus twice the steps that arrived: a restored or changed schedule cannot
    // trigger thousands of catch-up updates in one call; a backlog drains over the next calls.
    const cap = Math.ceil((hp.batch_size + 2 * newSteps) / hp.steps_per_update) + 1;
    this.applyLearningRate();
    let done = 0;
    while ((this.step - hp.buffer_init_steps) / this.updateSteps > hp.steps_per_update && done < cap && performance.now() < deadline) {
      const sampled = this.buffer.sample(hp.batch_size, this.rng.uniform);
      const result = this.model.update(this.withStrength(sampled));
      for (const [field, value] of Object.entries(result)) {
        if (typeof value === "number") this.stats.add(updateTags[field] ?? `Losses/${field}`, value);
      }
      this.updateSteps += 1;
      done += 1;
    }
    return done;
  }

  discardPending(envIndex?: number): void {
    this.processor.discardPending(envIndex);
  }

  addEnvironmentStat(key: string, value: number, method: StatsAggregationMethod): void {
    this.stats.add(key, value, method);
  }

  summary(): TrainerSummary {
    return this.buildSummary(this.step);
  }

  getState(): SacTrainerState {
    return this.collectState(true);
  }

  /**
   * Applies a state. hyperparameters "state" (default: an in-memory copy, PBT exploit) takes the
   * state's hyperparameters; "keep" keeps this trainer's (resume: the configuration file wins).
   */
  setState(state: SacTrainerState, hyperparameters: HyperparameterSource = "state"): void {
    this.validate(state);
    this.model.setState(state.model);
    if (state.buffer) {
      if (state.buffer.capacity !== this.buffer.capacity) this.buffer = new ReplayBuffer(this.layout(), state.buffer.capacity);
      this.buffer.setState(state.buffer);
    }
    if (hyperparameters === "state") {
      this.setHyperparameters(state.hyperparameters);
      const ext = this.settings.reward_signals.extrinsic ?? { gamma: 0.99, strength: 1 };
      this.settings = { ...this.settings, reward_signals: { ...this.settings.reward_signals, extrinsic: { ...ext, strength: state.rewardStrength } } };
    }
    this.step = state.step;
    // A schedule that lags behind the step (a state from before update_steps was saved, or a
    // changed steps_per_update) is moved forward so the ratio holds: no catch-up burst (an
    // ML-Agents --resume pitfall).
    const hp = this.settings.hyperparameters;
    const consistent = Math.floor(Math.max(0, this.step - hp.buffer_init_steps) / hp.steps_per_update);
    this.updateSteps = Math.max(state.updateSteps, consistent, 1);
    this.rng.setState(state.rng);
    this.episodes.setState(state.episodes);
    this.stepsSinceUpdateCall = 0;
    this.currentLr = Number.NaN;
  }

  /** Checkpoint bytes; the replay buffer is included when save_replay_buffer is set. */
  serializeState(includeBuffer = this.settings.hyperparameters.save_replay_buffer): Uint8Array {
    const state = this.collectState(includeBuffer);
    return encodePlain({ ...state, model: this.deps.serializeModelState(state.model) });
  }

  /** Loads checkpoint bytes; by default the current configuration's hyperparameters win (resume). */
  loadSerializedState(bytes: Uint8Array, hyperparameters: HyperparameterSource = "keep"): void {
    const raw = decodePlain(bytes) as Record<string, unknown> | null;
    if (!raw || typeof raw !== "object") throw new SacTrainerStateError(this.behaviorName, "(root)", "is not an object");
    if (!(raw.model instanceof Uint8Array)) throw new SacTrainerStateError(this.behaviorName, "model", "is missing");
    const state = { ...raw, model: this.deps.deserializeModelState(raw.model) } as unknown as SacTrainerState;
    this.setState(state, hyperparameters);
  }

  /**
   * --initialize-from: the other trainer's network weights and normalizers; this trainer's steps,
   * replay buffer, optimizer moments and entropy coefficients stay as they are (fresh).
   */
  initializeWeightsFrom(other: Trainer<SacTrainerState>): void {
    const source = other instanceof SacTrainer ? other.model.getState() : other.getState().model;
    this.model.setState(this.deps.takeWeights(this.model.getState(), source));
  }

  snapshot(): ActorSnapshot {
    return this.model.snapshot();
  }

  dispose(): void {
    this.model.dispose();
  }

  private collectState(includeBuffer: boolean): SacTrainerState {
    return {
      kind: "sac",
      behaviorName: this.behaviorName,
      model: this.model.getState(),
      buffer: includeBuffer ? this.buffer.getState() : null,
      step: this.step,
      updateSteps: this.updateSteps,
      rng: this.rng.getState(),
      episodes: this.episodes.getState(),
      hyperparameters: { ...this.settings.hyperparameters },
      rewardStrength: this.strength(),
    };
  }

  private validate(s: SacTrainerState): void {
    const fail = (field: string, detail: string): never => {
      throw new SacTrainerStateError(this.behaviorName, field, detail);
    };
    if (s.kind !== "sac") fail("kind", `is ${String(s.kind)}, expected sac`);
    for (const f of ["step", "updateSteps", "rng", "rewardStrength"] as const) {
      if (typeof s[f] !== "number" || !Number.isFinite(s[f])) fail(f, "is not a finite number");
    }
    if (s.step < 0 || !Number.isInteger(s.step)) fail("step", "is not a non-negative integer");
    if (!s.hyperparameters || typeof s.hyperparameters.steps_per_update !== "number") fail("hyperparameters", "is missing");
    if (!s.episodes || !Array.isArray(s.episodes.recentRewards)) fail("episodes", "is missing");
  }

  private buildSummary(step: number): TrainerSummary {
    const episodes = this.episodes.drain();
    const values = this.stats.drain();
    if (this.training) values[Tags.learningRate] = this.learningRate();
    return {
      behaviorName: this.behaviorName,
      step,
      isTraining: this.training && this.step <= this.settings.max_steps,
      episodes,
      values,
    };
  }

  private learningRate(): number {
    const hp = this.settings.hyperparameters;
    return hp.learning_rate_schedule === "linear"
      ? linearLearningRate(hp.learning_rate, this.step, this.settings.max_steps)
      : hp.learning_rate;
  }

  private applyLearningRate(): void {
    const lr = this.learningRate();
    if (lr !== this.currentLr) {
      this.model.setLearningRate(lr);
      this.currentLr = lr;
    }
  }

  private strength(): number {
    return this.settings.reward_signals.extrinsic?.strength ?? 1;
  }

  private withStrength(batch: TransitionBatch): TransitionBatch {
    const k = this.strength();
    if (k === 1) return batch;
    if (this.scaledRewards.length < batch.length) this.scaledRewards = new Float32Array(batch.length);
    const r = this.scaledRewards.subarray(0, batch.length);
    for (let i = 0; i < batch.length; i++) r[i] = batch.rewards[i]! * k;
    return { ...batch, rewards: r };
  }

  private layout(): ReplayLayout {
    const a = this.spec.actionSpec;
    return {
      obsSizes: this.spec.observationSpecs.map(observationSize),
      continuousSize: a.continuousSize,
      discreteSize: a.discreteSize,
      maskSize: a.discreteTotal,
    };
  }
}
