// The PBT duties of a run (a RunExtension): one BehaviorPopulation per behavior, created when Unity
// first announces the behavior (its members' trainers are built from the coordinator's
// hyperparameters), stepped after every env step, saved to results/<run-id>/pbt/population.json,
// and at the end the best member's model copied to results/<run-id>/<Behavior>.onnx.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { exploreRulesForBehavior, type PbtSettings, type TrainerSettings } from "../../config/index.js";
import type { EnvironmentParameterValue } from "../../protocol/side-channel/index.js";
import { environmentParameterValues, LineageLog, readLineageLog } from "../../trainers/pbt/index.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { displayPath } from "../../util/display-path.js";
import type { Logger } from "../../util/logger.js";
import { safeFileName } from "../../util/safe-name.js";
import type { RunEnvironments, RunExtension } from "../run-training.js";
import type { TrainerController, TrainerFactory } from "../trainer-controller.js";
import { BehaviorPopulation, exploitKey, type PopulationStepContext } from "./behavior-population.js";
import { readPopulationFile, writePopulationFile, type PopulationFile } from "./population-file.js";
import { SnapshotStore } from "./snapshot-store.js";

export const LINEAGE_FILE = "lineage.jsonl";

export class PbtDriver implements RunExtension {
  private readonly populations = new Map<string, BehaviorPopulation>();
  private runDir = "";
  private saved: PopulationFile | null = null;
  private lineage: LineageLog | null = null;
  private readonly loggedExploits = new Set<string>();
  /** Behaviors whose init events are in the log already (a run killed before its first population file). */
  private readonly loggedInits = new Set<string>();
  /** Deleting snapshot files a killed run left behind; finished before the first snapshot is taken. */
  private pruning: Promise<void>[] = [];
  /** All members' agent steps when the population file was last written. */
  private stepsAtSave = 0;

  /**
   * The behavior whose members' environment parameters their environments get, and how many
   * consecutive environments each member owns; null when members share environments.
   */
  private ownEnvironments: { behavior: string; perMember: number } | null = null;
  private ownSettings: TrainerSettings | null = null;

  constructor(
    private readonly pbt: PbtSettings,
    private readonly seed: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Members own `perMember` consecutive environments each; those of `behavior`'s members get the
   * member's searched environment parameters (at connect and after each exploit). Call before prepare().
   */
  useOwnEnvironments(behavior: string, settings: TrainerSettings, perMember: number): void {
    this.ownEnvironments = { behavior, perMember };
    this.ownSettings = settings;
  }

  /** Worker `workerIndex`'s own environment parameters: its member's searched values. */
  readonly ownParameters = (workerIndex: number): ReadonlyMap<string, EnvironmentParameterValue> => {
    const own = this.ownEnvironments;
    const population = own ? this.populations.get(own.behavior) : undefined;
    if (!own || !population) return new Map();
    const member = Math.min(population.size - 1, Math.floor(workerIndex / own.perMember));
    return asParameters(environmentParameterValues(population.coordinator.member(member).hyperparameters));
  };

  /** Members per behavior (the run's teamSize). */
  readonly teamSize = (): number => this.pbt.population_size;

  /** Opens the run folder's lineage log and, on --resume, the saved population. Call after the run folder exists. */
  async prepare(runDir: string, resume: boolean): Promise<void> {
    this.runDir = runDir;
    const logFile = path.join(runDir, LINEAGE_FILE);
    this.lineage = await LineageLog.open(logFile);
    if (resume) await this.readSaved(logFile);
    // The environments connect before Unity names its behaviors: their population must exist first.
    if (this.ownEnvironments && this.ownSettings) this.population(this.ownEnvironments.behavior, this.ownSettings);
  }

  private async readSaved(logFile: string): Promise<void> {
    this.saved = await readPopulationFile(this.runDir);
    if (existsSync(logFile)) {
      for (const e of (await readLineageLog(logFile)).events) {
        if (e.kind === "exploit") this.loggedExploits.add(exploitKey(e.behavior, e));
        if (e.kind === "init") this.loggedInits.add(e.behavior);
      }
    }
    for (const [behavior, b] of Object.entries(this.saved?.behaviors ?? {})) {
      const members = b.coordinator.members.map((m) => `${m.id}: step ${m.steps}, ready at ${m.lastReadyStep + this.pbt.ready}`).join("; ");
      this.logger.info(`PBT ${behavior}: resuming the population (${members}; ${b.pending.length} exploit(s) to finish).`);
    }
  }

  /** Wraps a trainer factory: member i gets the coordinator's hyperparameters and is tracked. */
  wrapFactory(inner: TrainerFactory): TrainerFactory {
    return (behavior, spec, settings, seed, member) => {
      const population = this.population(behavior, settings);
      return population.track(inner(behavior, spec, population.memberSettings(settings, member), seed, member), member);
    };
  }

  async afterStep(controller: TrainerController, environments: RunEnvironments): Promise<void> {
    if (this.pruning.length) await Promise.all(this.pruning.splice(0));
    let steps = 0;
    for (const [behavior, population] of this.populations) {
      const team = controller.team(behavior);
      if (team) await population.step(team, this.context(behavior, environments));
      for (const m of population.coordinator.members) steps += m.steps;
    }
    // The clocks on disk stay within `ready` agent steps of the truth even while nothing else changes.
    if (steps - this.stepsAtSave >= this.pbt.ready) await this.save();
  }

  async atEnd(controller: TrainerController): Promise<void> {
    for (const [behavior, population] of this.populations) {
      const team = controller.team(behavior);
      if (!team) continue;
      const best = team.members[population.best(team)]!;
      const from = path.join(best.modelDir, `${safeFileName(best.label)}.onnx`);
      const to = path.join(this.runDir, `${safeFileName(behavior)}.onnx`);
      if (existsSync(from)) {
        await writeFileAtomic(to, await fs.readFile(from));
        this.logger.info(`PBT ${behavior}: the best member is ${best.index}; copied ${displayPath(from)} to ${displayPath(to)}.`);
      }
    }
    await this.save();
  }

  private population(behavior: string, settings: Parameters<TrainerFactory>[2]): BehaviorPopulation {
    let p = this.populations.get(behavior);
    if (p) return p;
    if (!this.runDir) throw new Error("PbtDriver.prepare() must run before the first trainer is built");
    const store = new SnapshotStore(path.join(this.runDir, "pbt", "snapshots", safeFileName(behavior)));
    const saved = this.saved?.behaviors[behavior];
    // The α step is the behavior's own (mix_and_match.alpha_step); a behavior without it cannot search α (ConfigError).
    const pbt: PbtSettings = { ...this.pbt, explore: exploreRulesForBehavior(this.pbt.explore, behavior, settings.mix_and_match?.alpha_step) };
    p = saved ? BehaviorPopulation.restored(behavior, pbt, saved, store) : BehaviorPopulation.fresh(behavior, pbt, settings, this.seed, store, !this.loggedInits.has(behavior));
    if (saved) this.pruning.push(store.prune(p.coordinator.retainedSnapshots()));
    this.populations.set(behavior, p);
    return p;
  }

  private context(behavior: string, environments: RunEnvironments): PopulationStepContext {
    const own = this.ownEnvironments?.behavior === behavior ? this.ownEnvironments : null;
    return {
      logger: this.logger,
      lineage: this.lineage!,
      save: () => this.save(),
      loggedExploits: this.loggedExploits,
      // An exploit may have changed the member's environment parameters: its environments get them with their next step.
      memberChanged: (member) => {
        if (!own) return;
        const values = this.ownParameters(member * own.perMember);
        for (let w = member * own.perMember; w < (member + 1) * own.perMember; w++) for (const [k, v] of values) environments.queueParameter(w, k, v);
      },
    };
  }

  private async save(): Promise<void> {
    if (!this.runDir) return;
    this.stepsAtSave = 0;
    for (const p of this.populations.values()) for (const m of p.coordinator.members) this.stepsAtSave += m.steps;
    const data: PopulationFile = { version: 1, behaviors: { ...(this.saved?.behaviors ?? {}) } };
    for (const [behavior, p] of this.populations) data.behaviors[behavior] = p.toFile();
    await writePopulationFile(this.runDir, data);
  }
}

function asParameters(values: Record<string, number>): Map<string, EnvironmentParameterValue> {
  return new Map(Object.entries(values).map(([k, value]) => [k, { kind: "float", value }]));
}
