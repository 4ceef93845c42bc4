// The PBT population of one behavior inside a run: its coordinator, each member's episode returns
// and readiness clock, and the snapshots. After every env step it reports each member's own agent
// steps and finished episodes, takes the snapshots the coordinator asks for (with the evaluation
// metric, then runs the member's evaluation episodes on that snapshot and records their returns),
// and carries out its exploit decisions: load exactly the recorded snapshot, set the explored
// hyperparameters, restart the member's schedules, checkpoint it, log the lineage event, confirm, release.
import { pbtDefaults, type PbtSettings, type TrainerSettings } from "../../config/index.js";
import { environmentParameterPrefix } from "../../config/pbt-settings-types.js";
import { baseHyperparameters, exploitEvent, initEvent, PopulationCoordinator, withHyperparameters } from "../../trainers/pbt/index.js";
import type { ExploitDecision, LineageLog } from "../../trainers/pbt/index.js";
import type { MutableHyperparameters } from "../../trainers/hyperparameters.js";
import type { Trainer } from "../../trainers/trainer.js";
import type { Logger } from "../../util/logger.js";
import type { BehaviorTeam } from "../behavior-team.js";
import { checkpointMember } from "../member-checkpoint.js";
import { StatsAggregationMethod } from "../../trainers/stats/trainer-summary.js";
import { EpisodeReturns } from "../episode-returns.js";
import type { TeamMember } from "../team-member.js";
import { EvaluationEpisodes, type EvaluationResult } from "./evaluation-episodes.js";
import { trackMember } from "./member-tracking.js";
import type { BehaviorPopulationFile } from "./population-file.js";
import type { SnapshotStore } from "./snapshot-store.js";

export interface PopulationStepContext {
  readonly logger: Logger;
  readonly lineage: LineageLog;
  /** Writes the population file (every behavior) atomically. */
  save(): Promise<void>;
  /** "behavior|member|step|source" of exploit events already in the log (a resume redoing a pending exploit writes it once). */
  readonly loggedExploits: Set<string>;
  /** The member has new hyperparameters (after an exploit). */
  memberChanged?(member: number): void;
}

/** The stat a member's evaluation returns are reported under (its stats.jsonl, the report). */
export const EVALUATION_STAT = "PBT/Evaluation Return";

export class BehaviorPopulation {
  private readonly returns: EpisodeReturns[];
  /** Each member's evaluation episodes (metric: evaluation), else null. */
  private readonly evaluations: (EvaluationEpisodes | null)[];
  /** Trainer step at the last report: a member's own agent steps grow by the difference (an exploit replaces the trainer's count). */
  private readonly lastTrainerStep: (number | null)[];
  private snapshotCount = 0;

  private constructor(
    readonly behavior: string,
    readonly coordinator: PopulationCoordinator,
    private readonly store: SnapshotStore,
    private pending: ExploitDecision[],
    private initPending: boolean,
  ) {
    const n = coordinator.members.length;
    this.returns = Array.from({ length: n }, () => new EpisodeReturns());
    const s = coordinator.settings;
    const maxSteps = s.evaluation_max_steps ?? pbtDefaults.evaluation_max_steps;
    this.evaluations = Array.from({ length: n }, () => (s.metric === "evaluation" ? new EvaluationEpisodes(maxSteps) : null));
    this.lastTrainerStep = Array.from({ length: n }, () => null);
  }

  /** A new population: members' hyperparameters sampled around the behavior's settings; init events written with the first step. */
  static fresh(behavior: string, pbt: PbtSettings, settings: TrainerSettings, seed: number, store: SnapshotStore, logInit = true): BehaviorPopulation {
    return new BehaviorPopulation(behavior, PopulationCoordinator.create(pbt, baseHyperparameters(settings, pbt), seed), store, [], logInit);
  }

  /** The population of a resumed run, as its population file left it. */
  static restored(behavior: string, pbt: PbtSettings, saved: BehaviorPopulationFile, store: SnapshotStore): BehaviorPopulation {
    return new BehaviorPopulation(behavior, PopulationCoordinator.fromState(pbt, saved.coordinator), store, structuredClone(saved.pending), false);
  }

  get size(): number {
    return this.coordinator.members.length;
  }

  toFile(): BehaviorPopulationFile {
    return { coordinator: this.coordinator.toState(), pending: structuredClone(this.pending) };
  }

  /** Member `index`'s settings: the behavior's, with the member's current hyperparameters. */
  memberSettings(settings: TrainerSettings, index: number): TrainerSettings {
    return withHyperparameters(settings, this.coordinator.member(index).hyperparameters);
  }

  /** The member's trainer as the run sees it: its finished episodes and loads are tracked here. */
  track<T extends Trainer>(trainer: T, index: number): T {
    this.lastTrainerStep[index] = trainer.stepCount;
    const episodes = { training: this.returns[index]!, evaluation: this.evaluations[index] ?? null };
    return trackMember(trainer, episodes, (t) => (this.lastTrainerStep[index] = t.stepCount));
  }

  /** One round of PBT bookkeeping after an env step. */
  async step(team: BehaviorTeam, ctx: PopulationStepContext): Promise<void> {
    if (this.initPending) {
      const now = new Date();
      for (const m of this.coordinator.members) await ctx.lineage.append(initEvent(this.behavior, m.id, m.hyperparameters, now));
      this.initPending = false;
      await ctx.save();
    }
    if (this.pending.length > 0) await this.applyPending(team, ctx);
    for (const m of team.members) {
      const trainer = m.trainer;
      const delta = Math.max(0, trainer.stepCount - (this.lastTrainerStep[m.index] ?? trainer.stepCount));
      this.lastTrainerStep[m.index] = trainer.stepCount;
      const episodes = this.returns[m.index]!.take();
      if (delta > 0 || episodes.length > 0) this.coordinator.report(m.index, this.coordinator.member(m.index).steps + delta, episodes);
      const evaluation = this.evaluations[m.index] ?? null;
      const evaluated = evaluation?.result();
      if (evaluated) {
        await this.recordEvaluation(m, evaluated, team, ctx);
        continue;
      }
      // A snapshot is due: the member became ready, or a check was under way when the run stopped (its evaluation is lost).
      if (!this.coordinator.member(m.index).awaitingSnapshot || evaluation?.active) continue;
      const steps = this.coordinator.member(m.index).steps;
      const id = `m${m.index}-s${steps}-${Date.now().toString(36)}-${this.snapshotCount++}`;
      await this.store.take(id, trainer);
      if (evaluation) {
        // Scored later, on its own evaluation episodes: the snapshot's actor plays them.
        evaluation.start(id, trainer.snapshot(), this.coordinator.settings.episodes, steps);
        continue;
      }
      await this.record(m.index, id, undefined, undefined, team, ctx);
    }
  }

  /** Records snapshot `id` with its score (the coordinator's check), then carries out what it decided. */
  private async record(member: number, id: string, evaluationReturns: readonly number[] | undefined, snapshotStep: number | undefined, team: BehaviorTeam, ctx: PopulationStepContext): Promise<void> {
    const outcome = this.coordinator.snapshotTaken(member, id, evaluationReturns, snapshotStep);
    this.pending.push(...outcome.decisions);
    // Saved before anything is deleted: the file on disk never names a snapshot already gone.
    await ctx.save();
    await this.store.release(outcome.released);
    if (this.pending.length > 0) await this.applyPending(team, ctx);
  }

  private async recordEvaluation(m: TeamMember, e: EvaluationResult, team: BehaviorTeam, ctx: PopulationStepContext): Promise<void> {
    const mean = e.returns.reduce((a, b) => a + b, 0) / e.returns.length;
    m.trainer.addEnvironmentStat(EVALUATION_STAT, mean, StatsAggregationMethod.AVERAGE);
    const cut = e.cut > 0 ? `, ${e.cut} cut at ${this.evaluations[m.index]!.maxSteps} steps` : "";
    ctx.logger.info(
      `PBT ${this.behavior}: member ${m.index} evaluated its snapshot of step ${e.snapshotStep}: ${e.returns.length} deterministic episodes${cut}, ` +
        `mean return ${fmt(mean)} (${e.steps} agent steps, not training steps).`,
    );
    await this.record(m.index, e.snapshotId, e.returns, e.snapshotStep, team, ctx);
  }

  /** The member with the best recorded score, else the best latest summary, else 0. */
  best(team: BehaviorTeam): number {
    const recorded = this.coordinator.best();
    if (recorded !== null) return recorded;
    let best = 0;
    for (const m of team.members) if ((m.lastMeanReward ?? -Infinity) > (team.members[best]!.lastMeanReward ?? -Infinity)) best = m.index;
    return best;
  }

  private async applyPending(team: BehaviorTeam, ctx: PopulationStepContext): Promise<void> {
    while (this.pending.length > 0) {
      const d = this.pending[0]!;
      const m = team.members[d.member]!;
      await this.store.loadInto(d.snapshotId, m.trainer);
      m.trainer.setHyperparameters(trainerHyperparameters(d.newHyperparameters));
      this.lastTrainerStep[d.member] = m.trainer.stepCount;
      this.returns[d.member]!.reset();
      m.summaries.restart(m.trainer.stepCount);
      m.checkpoints.restart(m.trainer.stepCount);
      await checkpointMember(m, team.spec, false, { logger: ctx.logger });
      const key = exploitKey(this.behavior, d);
      if (!ctx.loggedExploits.has(key)) {
        await ctx.lineage.append(exploitEvent(this.behavior, d, new Date()));
        ctx.loggedExploits.add(key);
      }
      ctx.logger.info(describeExploit(this.behavior, d));
      ctx.memberChanged?.(d.member);
      const { released } = this.coordinator.exploitLoaded(d.member, d.snapshotId);
      this.pending.shift();
      await ctx.save();
      await this.store.release(released);
    }
  }
}

export function exploitKey(behavior: string, e: { member: number; step: number; source: number | null }): string {
  return `${behavior}|${e.member}|${e.step}|${e.source}`;
}

/** The trainer's share of a member's hyperparameters (environment parameters go to its environment). */
export function trainerHyperparameters(h: Readonly<Record<string, number>>): Partial<MutableHyperparameters> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(environmentParameterPrefix))) as Partial<MutableHyperparameters>;
}

function describeExploit(behavior: string, d: ExploitDecision): string {
  const changes = Object.keys(d.newHyperparameters)
    .filter((k) => d.oldHyperparameters[k] !== d.newHyperparameters[k])
    .map((k) => `${k} ${fmt(d.oldHyperparameters[k])} -> ${fmt(d.newHyperparameters[k])}`);
  const own = d.scores.member === null ? "failed" : `score ${fmt(d.scores.member)}`;
  return (
    `PBT ${behavior}: member ${d.member} (${own}, step ${d.step}) loads member ${d.source}'s snapshot of step ${d.sourceStep} ` +
    `(score ${fmt(d.scores.source)}); ${changes.length ? changes.join(", ") : "hyperparameters unchanged"}.`
  );
}

function fmt(x: number | undefined): string {
  return x === undefined ? "-" : Number(x.toPrecision(4)).toString();
}
