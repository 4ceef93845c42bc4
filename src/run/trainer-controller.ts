// Owns the run's behavior teams (one per plain behavior name, each of 1..N trainers) and moves
// experience between the environments and them: observe -> act -> (Unity steps while we update)
// -> summaries/checkpoints. A controller outlives Unity sessions: sessions come and go; trainers,
// step counts and replay buffers stay. Several controllers can live in one process: nothing is global.
import { mixAndMatchSettingsToPlain, type LessonStats, type TrainerSettings } from "../config/index.js";
import { behaviorSpecDifference, parseBehaviorName, UnitySessionRefusedError } from "../env/index.js";
import type { BaseEnv } from "../env/index.js";
import { TrainingStatusFile } from "../trainers/checkpoint/training-status.js";
import type { StatsAggregationMethod } from "../trainers/stats/trainer-summary.js";
import type { StatsReporter } from "../trainers/stats/stats-reporter.js";
import type { Trainer } from "../trainers/trainer.js";
import type { Logger } from "../util/logger.js";
import type { BehaviorTeam } from "./behavior-team.js";
import { checkpointMember } from "./member-checkpoint.js";
import { buildTeam, type TrainerFactory } from "./team-builder.js";
import type { TeamMember } from "./team-member.js";

export type { TrainerFactory } from "./team-builder.js";

/** Runs a whole team's due updates together (a population's members in one GPU worker); see TrainerControllerOptions.createTeamUpdater. */
export interface TeamUpdater {
  /** The team's due updates until none is due or performance.now() passes `deadline`; updates done per member. */
  update(deadline?: number): number[];
  dispose(): void;
}

export interface TrainerControllerOptions {
  readonly runDir: string;
  readonly logger: Logger;
  readonly reporter: StatsReporter;
  readonly seed: number;
  readonly resume: boolean;
  /** Run the policies without training (checkpoints loaded, no updates, no saves). */
  readonly inference: boolean;
  /** Act with the mean / argmax. */
  readonly deterministic: boolean;
  readonly settingsFor: (behaviorName: string) => TrainerSettings;
  readonly createTrainer: TrainerFactory;
  /** Members serving each behavior (default 1: one trainer per behavior). */
  readonly teamSize?: (behaviorName: string) => number;
  /** Each member owns this many consecutive environments (default: members share every environment's agents). */
  readonly environmentsPerMember?: number;
  /** With environmentsPerMember: each group of this many consecutive members owns them together (default 1). */
  readonly membersPerEnvironment?: number;
  /** Initial weights from another run's folder (--initialize-from). */
  readonly initializeFromDir?: string | null;
  /** A team's updater when its members update together (built with the team; null: each member's own maybeUpdate). */
  readonly createTeamUpdater?: (team: BehaviorTeam) => TeamUpdater | null;
  readonly version: string;
  /** ONNX opset of exported models; default the exporter's. */
  readonly opset?: number;
}

export class TrainerController {
  private readonly teams = new Map<string, BehaviorTeam>();
  private readonly status: TrainingStatusFile;
  private readonly checkedSpecs = new WeakMap<BaseEnv, number>();
  /** Team of each fully-qualified behavior name ("3DBall?team=0"): no name parsing per step. */
  private readonly byFullName = new Map<string, BehaviorTeam>();
  /** Where the next update slice starts, so every member gets its turn when slices run out. */
  private updateCursor = 0;
  /** Updaters of the teams whose members update together. */
  private readonly teamUpdaters = new Map<BehaviorTeam, TeamUpdater>();
  /** Teams being built (their trainers load checkpoints asynchronously). */
  private readonly creating = new Map<string, Promise<BehaviorTeam>>();

  constructor(private readonly opts: TrainerControllerOptions) {
    this.status = new TrainingStatusFile(opts.runDir, opts.version);
  }

  get behaviorNames(): string[] {
    return [...this.teams.keys()];
  }

  team(name: string): BehaviorTeam | undefined {
    return this.teams.get(name);
  }

  /** The trainer of a team of one (or member 0). */
  trainer(name: string): Trainer | undefined {
    return this.teams.get(name)?.members[0]?.trainer;
  }

  /** Progress, reward and episode count of every behavior (all its members), from the summaries (curriculum). */
  lessonStats(): LessonStats[] {
    return [...this.teams].map(([behavior, t]) => {
      const rewards = t.members.flatMap((m) => (m.lastMeanReward === null ? [] : [m.lastMeanReward]));
      return {
        behavior,
        stepsRatio: t.stepCount / t.size / t.settings.max_steps,
        meanReward: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : null,
        episodes: t.members.reduce((a, m) => a + m.episodes, 0),
      };
    });
  }

  /** Total steps of all trainers (for the stop line). */
  get totalSteps(): number {
    let s = 0;
    for (const t of this.teams.values()) s += t.stepCount;
    return s;
  }

  /** True when every trainer reached max_steps (and at least one exists). */
  get allDone(): boolean {
    if (this.teams.size === 0) return false;
    for (const t of this.teams.values()) if (!t.isDone) return false;
    return true;
  }

  /**
   * Makes sure every behavior the environment announced has a team. A behavior whose spec
   * differs from the run's refuses the session (the run is kept); new behaviors get teams.
   * `envIndex` given: the split of a team of several members is printed for this environment.
   */
  async registerBehaviors(env: BaseEnv, envIndex?: number): Promise<void> {
    // Called after every step: only an environment that announced something new needs a look.
    if (this.checkedSpecs.get(env) === env.behaviorSpecs.size) return;
    for (const [fullName, spec] of env.behaviorSpecs) {
      const { name } = parseBehaviorName(fullName);
      let team = this.teams.get(name);
      if (!team) {
        // SAC learns a policy of observations: a behavior that announces none cannot be trained
        // (Unity builds the spec from the first agent's sensors; a broken first agent looks like this).
        if (spec.observationSpecs.length === 0) throw new UnitySessionRefusedError(fullName, "it announces no observations; a trainer needs at least one");
        team = await this.createTeam(name, spec);
      }
      // Also for a team another environment built meanwhile from its own announcement.
      const diff = behaviorSpecDifference(team.spec, spec);
      if (diff) throw new UnitySessionRefusedError(name, `does not match this run: ${diff}`);
      this.byFullName.set(fullName, team);
      if (envIndex !== undefined && team.size > 1) this.opts.logger.info(team.describeSplit(env, fullName, envIndex));
    }
    this.checkedSpecs.set(env, env.behaviorSpecs.size);
  }

  /**
   * One team per name even when several environments announce the behavior at once (their
   * sessions connect concurrently): the second waits for the team the first is building.
   */
  private createTeam(name: string, spec: Parameters<typeof buildTeam>[1]): Promise<BehaviorTeam> {
    let creating = this.creating.get(name);
    if (!creating) {
      creating = this.buildNewTeam(name, spec).finally(() => this.creating.delete(name));
      this.creating.set(name, creating);
    }
    return creating;
  }

  private async buildNewTeam(name: string, spec: Parameters<typeof buildTeam>[1]): Promise<BehaviorTeam> {
    const settings = this.opts.settingsFor(name);
    const team = await buildTeam(name, spec, settings, { ...this.opts, status: this.status });
    this.teams.set(name, team);
    const updater = this.opts.inference ? null : (this.opts.createTeamUpdater?.(team) ?? null);
    if (updater) this.teamUpdaters.set(team, updater);
    this.opts.logger.info(`Hyperparameters for behavior name ${name}: \n${describeSettings(settings)}`);
    return team;
  }

  /** Feeds one environment's latest steps to the teams and sets the actions for its decision agents. */
  observeAndAct(env: BaseEnv, envIndex: number): void {
    // --deterministic forces mean/argmax; otherwise the behavior's network_settings.deterministic.
    const deterministic = this.opts.deterministic || undefined;
    for (const fullName of env.behaviorSpecs.keys()) this.byFullName.get(fullName)?.observeAndAct(env, fullName, envIndex, deterministic);
  }

  /**
   * True when every member acting in this environment reached max_steps (training only): the
   * environment need not step any more, its agents would act without training. It steps again if
   * one of them falls back below max_steps (a PBT exploit copies a source's step count).
   */
  environmentDone(env: BaseEnv, envIndex: number): boolean {
    if (this.opts.inference || env.behaviorSpecs.size === 0) return false;
    for (const fullName of env.behaviorSpecs.keys()) {
      const team = this.byFullName.get(fullName);
      if (!team || !team.isDoneIn(envIndex)) return false;
    }
    return true;
  }

  /** Gradient updates due now over all members. */
  get pendingUpdates(): number {
    if (this.opts.inference) return 0;
    let n = 0;
    for (const m of this.members()) n += m.trainer.pendingUpdates;
    return n;
  }

  /**
   * Gradient updates now due, until performance.now() passes `deadline` (the rest stays due for
   * the next call); returns how many ran.
   */
  update(deadline = Infinity): number {
    if (this.opts.inference) return 0;
    let n = 0;
    for (const updater of this.teamUpdaters.values()) n += updater.update(deadline).reduce((a, b) => a + b, 0);
    const members = [...this.teams.values()].filter((t) => !this.teamUpdaters.has(t)).flatMap((t) => t.members);
    for (let k = 0; k < members.length && performance.now() < deadline; k++) {
      const i = (this.updateCursor + k) % members.length;
      n += members[i]!.trainer.maybeUpdate(deadline);
    }
    this.updateCursor = members.length ? (this.updateCursor + 1) % members.length : 0;
    return n;
  }

  /** Open episodes of one environment are dropped (its session ended); other environments keep theirs. */
  discardPending(envIndex: number): void {
    for (const m of this.members()) m.trainer.discardPending(envIndex);
  }

  /** Routes a StatsSideChannel value to every trainer (Unity does not say which behavior it is about). */
  addEnvironmentStat(key: string, value: number, method: StatsAggregationMethod): void {
    for (const m of this.members()) m.trainer.addEnvironmentStat(key, value, method);
  }

  /** Writes due summaries and checkpoints; returns true when a summary was written (lesson statistics changed). */
  async periodic(): Promise<boolean> {
    let summarized = false;
    for (const team of this.teams.values()) {
      for (const m of team.members) {
        const step = m.trainer.stepCount;
        const boundary = m.summaries.take(step);
        if (boundary !== null) {
          await this.writeSummary(m, boundary);
          summarized = true;
        }
        if (!this.opts.inference && m.checkpoints.take(step) !== null) await checkpointMember(m, team.spec, false, this.opts);
      }
    }
    return summarized;
  }

  /** Checkpoints every trainer now (Unity stopped, Ctrl+C, end of run); returns the files written. */
  async saveAll(final: boolean): Promise<string[]> {
    if (this.opts.inference) return [];
    const files: string[] = [];
    for (const team of this.teams.values()) {
      for (const m of team.members) {
        const file = await checkpointMember(m, team.spec, final, this.opts);
        if (file) files.push(file);
        await new Promise<void>((resolve) => setImmediate(resolve)); // a signal between two saves is seen
      }
    }
    return files;
  }

  /** Writes the final summaries (at exit). */
  async finalSummaries(): Promise<void> {
    for (const m of this.members()) if (m.trainer.stepCount !== m.lastSummaryStep) await this.writeSummary(m, m.trainer.stepCount);
  }

  dispose(): void {
    for (const updater of this.teamUpdaters.values()) updater.dispose();
    this.teamUpdaters.clear();
    for (const m of this.members()) m.trainer.dispose();
    this.teams.clear();
    this.byFullName.clear();
  }

  private members(): TeamMember[] {
    return [...this.teams.values()].flatMap((t) => t.members);
  }

  private async writeSummary(m: TeamMember, step: number): Promise<void> {
    const summary = { ...m.trainer.summary(), behaviorName: m.label, step };
    m.lastSummaryStep = m.trainer.stepCount;
    if (summary.episodes) {
      m.lastMeanReward = summary.episodes.meanReward;
      m.episodes += summary.episodes.count;
    }
    await this.opts.reporter.write(summary, m.dir);
  }
}

function describeSettings(settings: TrainerSettings, indent = "\t"): string {
  const lines: string[] = [];
  const walk = (obj: Record<string, unknown>, depth: number): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        lines.push(`${indent.repeat(depth)}${k}:`);
        walk(v as Record<string, unknown>, depth + 1);
      } else {
        lines.push(`${indent.repeat(depth)}${k}:\t${v === null ? "None" : String(v)}`);
      }
    }
  };
  // mix_and_match in its YAML shape: the parsed form also holds the file:line of every key.
  const shown = settings.mix_and_match === undefined ? settings : { ...settings, mix_and_match: mixAndMatchSettingsToPlain(settings.mix_and_match) };
  walk(shown as unknown as Record<string, unknown>, 1);
  return lines.join("\n");
}
