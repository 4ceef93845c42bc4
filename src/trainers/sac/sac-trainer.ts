// The SAC trainer of one behavior: composes the model (an engine from sac-model.ts), the replay
// buffer and the agent processor, and runs ML-Agents' update schedule (docs/protocol.md §9):
//   once buffer >= batch_size and step >= buffer_init_steps,
//   while (step - buffer_init_steps) / update_steps > steps_per_update: sample, update, update_steps += 1
// with update_steps starting at 1, and re-derived from the step count when a checkpoint is loaded
// or steps_per_update changes (impliedUpdateSteps).
// Rewards are scaled by the extrinsic strength at sampling time, as ML-Agents evaluates reward
// signals (so a changed strength also applies to stored data). Hyperparameters that can change
// pass through setHyperparameters only (hyperparameters.ts).
// All state lives in the instance: many trainers can share one process (PBT, Mix&Match).
// Its parts: update-schedule.ts (when updates are due, the learning rate), sac-replay.ts (buffer
// layout, reward strength), update-stats.ts (losses as stats), engine-hyperparameter-sync.ts (what
// the model is told), sac-trainer-state.ts (the state as data and bytes).
import type { ActionTuple as ActionTupleType } from "../../env/action-tuple.js";
import { ActionTuple } from "../../env/action-tuple.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import { AgentProcessor } from "../common/agent-processor.js";
import { EpisodeStats } from "../common/episode-stats.js";
import { ReplayBuffer } from "../common/replay-buffer.js";
import { Rng } from "../common/rng.js";
import type { TransitionBatch } from "../common/transition.js";
import { StatsAccumulator } from "../stats/stats-accumulator.js";
import { StatsAggregationMethod, Tags, type TrainerSummary } from "../stats/trainer-summary.js";
import type { Trainer } from "../trainer.js";
import { HyperparameterError, hyperparametersFromSettings, pickMutable, validateHyperparameters, type MutableHyperparameters } from "../hyperparameters.js";
import type { Logger } from "../../util/logger.js";
import { EngineHyperparameterSync } from "./engine-hyperparameter-sync.js";
import type { UpdateLosses } from "./sac-engine.js";
import { RewardScaling, replayLayout } from "./sac-replay.js";
import {
  decodeTrainerState,
  defaultSacDeps,
  encodeTrainerState,
  validateTrainerState,
  type HyperparameterSource,
  type SacModelLike,
  type SacTrainerDeps,
  type SacTrainerState,
} from "./sac-trainer-state.js";
import { copiedUpdateSteps, dueUpdateCount, impliedUpdateSteps, scheduledLearningRate, updateDue } from "./update-schedule.js";
import { recordUpdateLosses } from "./update-stats.js";

export { defaultSacDeps, sacDeps, SacTrainerStateError, type HyperparameterSource, type SacModelLike, type SacTrainerDeps, type SacTrainerState } from "./sac-trainer-state.js";
export { impliedUpdateSteps, linearLearningRate, nextIntervalStep } from "./update-schedule.js";

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
  private hp: MutableHyperparameters;
  private step = 0;
  private updateSteps = 1;
  private readonly engineHp: EngineHyperparameterSync;
  private readonly rewardScaling = new RewardScaling();
  private readonly logger: Logger | undefined;
  private warnedGroupReward = false;
  private updateInFlight = false;

  constructor(options: SacTrainerOptions) {
    this.behaviorName = options.behaviorName;
    this.spec = options.spec;
    this.settings = structuredClone(options.settings);
    this.training = options.training ?? true;
    this.deps = options.deps ?? defaultSacDeps;
    this.logger = options.logger;
    this.hp = hyperparametersFromSettings(this.settings);
    validateHyperparameters(this.hp);
    // threaded: true only where updates run (not for --inference or an export).
    const modelSettings = this.training ? this.settings : { ...this.settings, threaded: false };
    this.model = this.deps.createModel(options.spec, modelSettings, options.seed, this.logger, `Behavior ${options.behaviorName}`);
    this.engineHp = new EngineHyperparameterSync(this.model, options.spec.actionSpec);
    this.buffer = new ReplayBuffer(replayLayout(this.spec, this.model.tagged === true), this.settings.hyperparameters.buffer_size);
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

  /** The hyperparameters the next update uses. */
  hyperparameters(): MutableHyperparameters {
    return { ...this.hp };
  }

  /** Episodes finished over the trainer's life, and the mean reward of the latest ones (PBT). */
  get episodeCount(): number {
    return this.episodes.totalEpisodes;
  }

  recentMeanReward(n?: number): number {
    return this.episodes.recentMeanReward(n);
  }

  /**
   * The one door for hyperparameters that change during training (schedules, resume, PBT explore):
   * validated (HyperparameterError names the key), then used by the next update. A changed
   * steps_per_update re-derives the update counter from the step count, as ML-Agents does on load.
   */
  setHyperparameters(h: Partial<MutableHyperparameters>): void {
    validateHyperparameters(h);
    if (h.batch_size !== undefined && h.batch_size > this.buffer.capacity) {
      throw new HyperparameterError("batch_size", `${h.batch_size} exceeds the replay capacity ${this.buffer.capacity} (buffer_size)`);
    }
    const spuChanged = h.steps_per_update !== undefined && h.steps_per_update !== this.hp.steps_per_update;
    this.hp = { ...this.hp, ...Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) };
    if (spuChanged) this.updateSteps = impliedUpdateSteps(this.step, this.hp.steps_per_update, this.hp.buffer_init_steps);
    this.pushToModel();
  }

  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
    if (!this.warnedGroupReward && (decision.groupReward.some((r) => r !== 0) || terminal.groupReward.some((r) => r !== 0))) {
      // docs/protocol.md §3.9: SAC ignores group rewards, with ML-Agents' one-time warning (its spelling).
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
  }

  act(decision: DecisionSteps, deterministic?: boolean, envIndex = 0): ActionTupleType {
    const n = decision.length;
    const det = deterministic ?? this.settings.network_settings.deterministic;
    const actions =
      n === 0
        ? ActionTuple.empty(this.spec.actionSpec, 0)
        : this.model.act(decision.obs, n, decision.actionMask, det);
    const tuple = new ActionTuple(n, actions.continuous, actions.discrete);
    const tags = "tags" in actions ? actions.tags : undefined;
    this.processor.recordActions(decision, tags ? { continuous: tuple.continuous, discrete: tuple.discrete, tags } : tuple, envIndex);
    return tuple;
  }

  /**
   * Runs the gradient updates now due (ML-Agents' schedule above), until none is due or
   * performance.now() passes `deadline`; at least one runs when any is due, and the rest stays due
   * for the next call (the run loop yields in between). Returns how many were done.
   */
  maybeUpdate(deadline?: number): number {
    let done = 0;
    for (;;) {
      if (deadline !== undefined && done > 0 && performance.now() > deadline) break;
      const batch = this.beginDueUpdate();
      if (!batch) break;
      this.completeUpdate(this.model.update(batch));
      done += 1;
    }
    return done;
  }

  /**
   * For an outside updater (population-update.ts): the minibatch of the next due update, sampled
   * as maybeUpdate samples it (this trainer's RNG and learning-rate schedule), or null when none
   * is due. The caller runs the update on `updateModel` and hands its losses to completeUpdate.
   */
  beginDueUpdate(): TransitionBatch | null {
    if (this.updateInFlight) throw new Error(`${this.behaviorName}: beginDueUpdate again before completeUpdate`);
    const hp = this.hp;
    if (!this.training || this.isDone) return null;
    if (this.buffer.size < hp.batch_size || this.step < hp.buffer_init_steps) return null;
    this.applyLearningRate();
    if (!updateDue(this.step, this.updateSteps, hp)) return null;
    this.updateInFlight = true;
    return this.rewardScaling.apply(this.buffer.sample(hp.batch_size, this.rng.uniform), this.strength());
  }

  /**
   * Advances the schedule past the update begun by beginDueUpdate and records its losses: now, or
   * (null: a threaded model queued it) when the worker has run it, taken here as they arrive and
   * all of them before a summary, so a summary holds the losses of the updates queued before it.
   */
  completeUpdate(losses: UpdateLosses | null): void {
    if (!this.updateInFlight) throw new Error(`${this.behaviorName}: completeUpdate without beginDueUpdate`);
    this.updateInFlight = false;
    if (losses !== null) recordUpdateLosses(this.stats, losses);
    this.recordArrivedLosses(false);
    this.updateSteps += 1;
  }

  private recordArrivedLosses(wait: boolean): void {
    for (const losses of this.model.takeLosses?.(wait) ?? []) recordUpdateLosses(this.stats, losses);
  }

  /** The model the updates run on (population-update.ts batches those of several trainers). */
  get updateModel(): SacModelLike {
    return this.model;
  }

  /** Gradient updates due now (what maybeUpdate would run without a deadline). */
  get pendingUpdates(): number {
    const hp = this.hp;
    if (!this.training || this.isDone || this.buffer.size < hp.batch_size || this.step < hp.buffer_init_steps) return 0;
    return dueUpdateCount(this.step, this.updateSteps, hp);
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
   * Applies a state. hyperparameters "state" (default: an in-memory copy, PBT exploit) is an
   * exact copy: the state's hyperparameters and update counter. "keep" (resume) takes every
   * hyperparameter from this trainer's configuration and re-derives the update counter from the
   * step count and the configured steps_per_update, as ML-Agents does on load.
   */
  setState(state: SacTrainerState, hyperparameters: HyperparameterSource = "state"): void {
    validateTrainerState(this.behaviorName, state);
    // Only the mutable keys: a checkpoint written before hyperparameters.ts also holds fixed settings.
    const next = hyperparameters === "state" ? { ...this.hp, ...pickMutable(state.hyperparameters) } : this.hp;
    validateHyperparameters(next);
    this.model.setState(state.model);
    if (state.buffer) {
      if (state.buffer.capacity !== this.buffer.capacity) this.buffer = new ReplayBuffer(replayLayout(this.spec, this.model.tagged === true), state.buffer.capacity);
      this.buffer.setState(state.buffer);
    }
    this.hp = next;
    if (hyperparameters === "state") {
      const ext = this.settings.reward_signals.extrinsic ?? { gamma: 0.99, strength: 1 };
      this.settings = { ...this.settings, reward_signals: { ...this.settings.reward_signals, extrinsic: { ...ext, strength: state.rewardStrength } } };
    }
    this.step = state.step;
    this.updateSteps =
      hyperparameters === "keep"
        ? impliedUpdateSteps(this.step, this.hp.steps_per_update, this.hp.buffer_init_steps)
        : copiedUpdateSteps(state.updateSteps, this.step, this.hp);
    this.rng.setState(state.rng);
    this.episodes.setState(state.episodes);
    this.pushToModel();
  }

  /** Checkpoint bytes; the replay buffer is included when save_replay_buffer is set. */
  serializeState(includeBuffer = this.settings.hyperparameters.save_replay_buffer): Uint8Array {
    return encodeTrainerState(this.collectState(includeBuffer), this.deps);
  }

  /** Loads checkpoint bytes; by default the current configuration's hyperparameters win (resume). */
  loadSerializedState(bytes: Uint8Array, hyperparameters: HyperparameterSource = "keep"): void {
    this.setState(decodeTrainerState(this.behaviorName, bytes, this.deps), hyperparameters);
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
      hyperparameters: { ...this.hp },
      rewardStrength: this.strength(),
    };
  }

  private buildSummary(step: number): TrainerSummary {
    this.recordArrivedLosses(true);
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
    return scheduledLearningRate(this.hp, this.step, this.settings.max_steps);
  }

  private applyLearningRate(): void {
    this.engineHp.pushLearningRate(this.learningRate());
  }

  /** Every engine-side hyperparameter to the model, so its next update uses this trainer's values. */
  private pushToModel(): void {
    this.engineHp.pushAll(this.hp, this.learningRate());
  }

  private strength(): number {
    return this.settings.reward_signals.extrinsic?.strength ?? 1;
  }
}
