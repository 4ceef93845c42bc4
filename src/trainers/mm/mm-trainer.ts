// The Mix & Match trainer of one behavior: SacTrainer (replay buffer, ML-Agents' update schedule,
// checkpoints) running an MmTapeModel, plus what Mix & Match adds: the spec-time checks of the
// mix_and_match section, α_K as a member hyperparameter (mix_and_match_alpha, set through the one
// door setHyperparameters, so PBT explores it), and the per-component stats.

import type { TrainerSettings } from "../../config/index.js";
import type { ActionTuple } from "../../env/action-tuple.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import { decodePlain, encodePlain } from "../checkpoint/plain-codec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import { HyperparameterError, type MutableHyperparameters } from "../hyperparameters.js";
import { SacTrainer, type SacTrainerOptions, type SacTrainerState } from "../sac/sac-trainer.js";
import { StatsAggregationMethod, type TrainerSummary } from "../stats/trainer-summary.js";
import type { Trainer } from "../trainer.js";
import { checkMixAndMatchAgainstSpec } from "./check-spec.js";
import { componentTag, MmTapeModel, mmTags, type MmModelState } from "./mm-model.js";

/** A member's hyperparameters: SAC's plus α_K, the target's mixing weight. */
export interface MmHyperparameters extends MutableHyperparameters {
  /** α_K in [0, 1]: the target's share of the decisions; the simpler components share the rest. */
  mix_and_match_alpha: number;
}

export class MmTrainer implements Trainer<SacTrainerState> {
  readonly behaviorName: string;
  private readonly inner: SacTrainer;
  private readonly model: MmTapeModel;

  constructor(options: Omit<SacTrainerOptions, "deps">) {
    const mix = options.settings.mix_and_match;
    if (mix === undefined) throw new Error(`MmTrainer: behaviors.${options.behaviorName} has no mix_and_match section`);
    checkMixAndMatchAgainstSpec(mix, options.behaviorName, options.spec);
    this.behaviorName = options.behaviorName;
    let created: MmTapeModel | undefined;
    this.inner = new SacTrainer({
      ...options,
      deps: {
        createModel: (spec: BehaviorSpec, settings: TrainerSettings, seed: number) => (created = new MmTapeModel(spec, settings, seed)),
        serializeModelState: (state) => encodePlain(state),
        deserializeModelState: (bytes) => decodePlain(bytes),
        takeWeights: takeMmWeights,
      },
    });
    this.model = created!;
  }

  get stepCount(): number {
    return this.inner.stepCount;
  }

  get isDone(): boolean {
    return this.inner.isDone;
  }

  get pendingUpdates(): number {
    return this.inner.pendingUpdates;
  }

  /** Episodes finished and the mean reward of the latest ones (the mixture's: PBT's first evaluation mode). */
  get episodeCount(): number {
    return this.inner.episodeCount;
  }

  recentMeanReward(n?: number): number {
    return this.inner.recentMeanReward(n);
  }

  /** The K mixing weights now in use (the target's last). */
  mixingWeights(): number[] {
    return this.model.weights();
  }

  setHyperparameters(h: Partial<MmHyperparameters>): void {
    const { mix_and_match_alpha: alpha, ...sac } = h;
    if (alpha !== undefined && !(Number.isFinite(alpha) && alpha >= 0 && alpha <= 1)) {
      throw new HyperparameterError("mix_and_match_alpha", `must be a number in [0, 1], got ${alpha}`);
    }
    this.inner.setHyperparameters(sac);
    if (alpha !== undefined) this.model.alpha = alpha;
  }

  hyperparameters(): MmHyperparameters {
    return { ...this.inner.hyperparameters(), mix_and_match_alpha: this.model.alpha };
  }

  observe(decision: DecisionSteps, terminal: TerminalSteps): void {
    this.inner.observe(decision, terminal);
  }

  act(decision: DecisionSteps, deterministic?: boolean): ActionTuple {
    return this.inner.act(decision, deterministic);
  }

  maybeUpdate(deadline?: number): number {
    return this.inner.maybeUpdate(deadline);
  }

  discardPending(which?: (agentId: number) => boolean): void {
    this.inner.discardPending(which);
  }

  addEnvironmentStat(key: string, value: number, method: StatsAggregationMethod): void {
    this.inner.addEnvironmentStat(key, value, method);
  }

  maybeSummary(): TrainerSummary | null {
    const s = this.inner.maybeSummary();
    return s === null ? null : this.withComponentStats(s);
  }

  summary(): TrainerSummary {
    return this.withComponentStats(this.inner.summary());
  }

  takeCheckpointDue(): boolean {
    return this.inner.takeCheckpointDue();
  }

  /** Every component, the critics, α_K and the replay buffer (the model state holds the components and α). */
  getState(): SacTrainerState {
    return this.inner.getState();
  }

  setState(state: SacTrainerState): void {
    this.inner.setState(state);
  }

  serializeState(): Uint8Array {
    return this.inner.serializeState();
  }

  loadSerializedState(bytes: Uint8Array): void {
    this.inner.loadSerializedState(bytes);
  }

  initializeWeightsFrom(other: Trainer<SacTrainerState>): void {
    this.inner.initializeWeightsFrom(other instanceof MmTrainer ? other.inner : other);
  }

  /** The target component only: export writes the network Unity runs. */
  snapshot(): ActorSnapshot {
    return this.inner.snapshot();
  }

  dispose(): void {
    this.inner.dispose();
  }

  private withComponentStats(s: TrainerSummary): TrainerSummary {
    const values = { ...s.values, ...this.model.stats.drain() };
    values[mmTags.alpha] = this.model.alpha;
    const decisions = this.model.decisions;
    const total = decisions.reduce((a, b) => a + b, 0);
    if (total > 0) decisions.forEach((d, i) => (values[`${mmTags.decisions} ${componentTag(i)}`] = d / total));
    decisions.fill(0);
    return { ...s, values };
  }
}

/** --initialize-from: the source's weights and normalizers for critics and every component; optimizer moments kept. */
function takeMmWeights(own: unknown, source: unknown): unknown {
  const o = own as MmModelState;
  const s = source as MmModelState;
  if (o?.format !== "mlagents-ts/mm-state" || s?.format !== "mlagents-ts/mm-state") return source;
  const take = (mine: MmModelState["critics"], theirs: MmModelState["critics"]): MmModelState["critics"] => {
    const tensors = { ...mine.tensors };
    for (const [key, t] of Object.entries(theirs.tensors)) if (!key.startsWith("adam/")) tensors[key] = t;
    return { ...mine, tensors, normalizers: theirs.normalizers };
  };
  return { ...o, critics: take(o.critics, s.critics), components: o.components.map((c, i) => take(c, s.components[i] ?? c)) };
}
