// Owns the run's trainers (one per plain behavior name) and moves experience between the
// environments and them: observe -> act -> (Unity steps while we update) -> summaries/checkpoints.
// A controller outlives Unity sessions: sessions come and go, trainers, step counts and replay
// buffers stay. Several controllers (or trainers) can live in one process: nothing is global.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { LessonStats, TrainerSettings } from "../../config/index.js";
import { behaviorSpecDifference, parseBehaviorName, UnitySessionRefusedError } from "../../env/index.js";
import type { BaseEnv, BehaviorSpec, DecisionSteps, TerminalSteps } from "../../env/index.js";
import { exportActorToOnnx } from "../../export/index.js";
import { CheckpointStore } from "../../trainers/checkpoint/checkpoint-store.js";
import { TrainingStatusFile } from "../../trainers/checkpoint/training-status.js";
import type { StatsReporter } from "../../trainers/stats/stats-reporter.js";
import type { Trainer } from "../../trainers/trainer.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { displayPath } from "../../util/display-path.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { safeFileName } from "../../util/safe-name.js";
import { behaviorSpecFromJson, behaviorSpecToJson } from "./behavior-spec-json.js";

export type TrainerFactory = (behaviorName: string, spec: BehaviorSpec, settings: TrainerSettings, seed: number) => Trainer;

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
  /** Initial weights from another run's folder (--initialize-from). */
  readonly initializeFromDir?: string | null;
  readonly version: string;
  /** ONNX opset of exported models. */
  readonly opset?: number;
}

interface Entry {
  readonly trainer: Trainer;
  readonly spec: BehaviorSpec;
  readonly settings: TrainerSettings;
  readonly store: CheckpointStore;
  lastMeanReward: number | null;
  /** Episodes summarized so far (curriculum: min_lesson_length). */
  episodes: number;
  /** Trainer step of the last summary written (no second line for the same step at exit). */
  lastSummaryStep: number;
}

/** Agent ids are unique only within one Unity process: give each environment its own id range. */
const ENV_ID_STRIDE = 1 << 24;

export class TrainerController {
  private readonly entries = new Map<string, Entry>();
  private readonly status: TrainingStatusFile;
  private readonly checkedSpecs = new WeakMap<BaseEnv, number>();
  /** Entry of each fully-qualified behavior name ("3DBall?team=0"): no name parsing per step. */
  private readonly byFullName = new Map<string, Entry>();

  constructor(private readonly opts: TrainerControllerOptions) {
    this.status = new TrainingStatusFile(opts.runDir, opts.version);
  }

  get behaviorNames(): string[] {
    return [...this.entries.keys()];
  }

  trainer(name: string): Trainer | undefined {
    return this.entries.get(name)?.trainer;
  }

  /** Progress, reward and episode count of every behavior, from the summaries (curriculum lesson checks). */
  lessonStats(): LessonStats[] {
    return [...this.entries].map(([behavior, e]) => ({
      behavior,
      stepsRatio: e.trainer.stepCount / e.settings.max_steps,
      meanReward: e.lastMeanReward,
      episodes: e.episodes,
    }));
  }

  /** Total steps of all trainers (for the stop line). */
  get totalSteps(): number {
    let s = 0;
    for (const e of this.entries.values()) s += e.trainer.stepCount;
    return s;
  }

  /** True when every trainer reached max_steps (and at least one exists). */
  get allDone(): boolean {
    if (this.entries.size === 0) return false;
    for (const e of this.entries.values()) if (!e.trainer.isDone) return false;
    return true;
  }

  /**
   * Makes sure every behavior the environment announced has a trainer. A behavior whose spec
   * differs from the run's refuses the session (the run is kept); new behaviors get trainers.
   */
  async registerBehaviors(env: BaseEnv): Promise<void> {
    // Called after every step: only an environment that announced something new needs a look.
    if (this.checkedSpecs.get(env) === env.behaviorSpecs.size) return;
    for (const [fullName, spec] of env.behaviorSpecs) {
      const { name } = parseBehaviorName(fullName);
      const existing = this.entries.get(name);
      if (existing) {
        const diff = behaviorSpecDifference(existing.spec, spec);
        if (diff) throw new UnitySessionRefusedError(name, `does not match this run: ${diff}`);
        this.byFullName.set(fullName, existing);
        continue;
      }
      // SAC learns a policy of observations: a behavior that announces none cannot be trained
      // (Unity builds the spec from the first agent's sensors; a broken first agent looks like this).
      if (spec.observationSpecs.length === 0) throw new UnitySessionRefusedError(fullName, "it announces no observations; a trainer needs at least one");
      this.byFullName.set(fullName, await this.createEntry(name, spec));
    }
    this.checkedSpecs.set(env, env.behaviorSpecs.size);
  }

  private async createEntry(name: string, spec: BehaviorSpec): Promise<Entry> {
    const settings = this.opts.settingsFor(name);
    const store = new CheckpointStore({
      runDir: this.opts.runDir,
      behaviorName: name,
      keepCheckpoints: settings.keep_checkpoints,
      logger: this.opts.logger,
      version: this.opts.version,
      status: this.status,
    });
    const specFile = path.join(store.dir, "behavior-spec.json");
    if (existsSync(specFile)) {
      const saved = behaviorSpecFromJson(await fs.readFile(specFile, "utf8"));
      const diff = behaviorSpecDifference(saved, spec);
      if (diff) throw new UnitySessionRefusedError(name, `does not match the checkpoints of this run: ${diff}`);
    }
    const trainer = this.opts.createTrainer(name, spec, settings, this.opts.seed);
    const entry: Entry = { trainer, spec, settings, store, lastMeanReward: null, episodes: 0, lastSummaryStep: -1 };
    const latest = this.opts.resume || this.opts.inference ? await store.loadLatest() : null;
    if (latest) {
      trainer.loadSerializedState(latest.bytes);
      this.opts.logger.info(
        this.opts.inference ? `Loaded ${name} (step ${trainer.stepCount}) for inference.` : `Resuming training of ${name} from step ${trainer.stepCount}.`,
      );
    } else if (this.opts.initializeFromDir) {
      await this.initializeFrom(entry, name);
    }
    this.entries.set(name, entry);
    if (!this.opts.inference) {
      await fs.mkdir(store.dir, { recursive: true });
      await writeFileAtomic(specFile, behaviorSpecToJson(spec));
    }
    this.opts.logger.info(`Hyperparameters for behavior name ${name}: \n${describeSettings(settings)}`);
    return entry;
  }

  private async initializeFrom(entry: Entry, name: string): Promise<void> {
    const source = new CheckpointStore({ runDir: this.opts.initializeFromDir!, behaviorName: name, logger: this.opts.logger });
    const latest = await source.loadLatest();
    if (!latest) {
      this.opts.logger.warn(`--initialize-from: no checkpoint of ${name} in ${this.opts.initializeFromDir}; starting from scratch.`);
      return;
    }
    // Weights and normalizer come along; step counts and the replay buffer start fresh.
    const donor = this.opts.createTrainer(name, entry.spec, entry.settings, this.opts.seed);
    try {
      donor.loadSerializedState(latest.bytes);
      entry.trainer.initializeWeightsFrom(donor);
    } finally {
      donor.dispose();
    }
    this.opts.logger.info(`Initialized ${name} from ${this.opts.initializeFromDir} (step ${latest.step}).`);
  }

  /**
   * Feeds one environment's latest steps to the trainers and sets the actions for its
   * decision agents. envIndex separates agent ids of different Unity processes.
   */
  observeAndAct(env: BaseEnv, envIndex: number): void {
    for (const fullName of env.behaviorSpecs.keys()) {
      const entry = this.byFullName.get(fullName);
      if (!entry) continue;
      let [decision, terminal] = env.getSteps(fullName);
      if (envIndex > 0) {
        decision = offsetIds(decision, envIndex * ENV_ID_STRIDE);
        terminal = offsetIds(terminal, envIndex * ENV_ID_STRIDE);
      }
      entry.trainer.observe(decision, terminal);
      // --deterministic forces mean/argmax; otherwise the behavior's network_settings.deterministic.
      if (decision.length > 0) env.setActions(fullName, entry.trainer.act(decision, this.opts.deterministic || undefined));
    }
  }

  /** Gradient updates now due for every trainer; returns how many ran. */
  update(): number {
    if (this.opts.inference) return 0;
    let n = 0;
    for (const e of this.entries.values()) n += e.trainer.maybeUpdate();
    return n;
  }

  /** Open episodes of one environment are dropped (its session ended); other environments keep theirs. */
  discardPending(envIndex: number): void {
    const lo = envIndex * ENV_ID_STRIDE;
    const hi = lo + ENV_ID_STRIDE;
    for (const e of this.entries.values()) e.trainer.discardPending((id) => id >= lo && id < hi);
  }

  /** Routes a StatsSideChannel value to the trainer of a behavior (or to all when unknown). */
  addEnvironmentStat(key: string, value: number, method: number): void {
    for (const e of this.entries.values()) e.trainer.addEnvironmentStat(key, value, method);
  }

  /** Writes due summaries and checkpoints. */
  /** Returns true when a summary was written (the only time lesson statistics change). */
  async periodic(): Promise<boolean> {
    let summarized = false;
    for (const [name, e] of this.entries) {
      const summary = e.trainer.maybeSummary();
      if (summary) {
        e.lastSummaryStep = e.trainer.stepCount;
        if (summary.episodes) {
          e.lastMeanReward = summary.episodes.meanReward;
          e.episodes += summary.episodes.count;
        }
        await this.opts.reporter.write(summary);
        summarized = true;
      }
      if (!this.opts.inference && e.trainer.takeCheckpointDue()) await this.checkpoint(name, e, false);

    }
    return summarized;
  }

  /** Checkpoints every trainer now (Unity stopped, Ctrl+C, end of run); returns the files written. */
  async saveAll(final: boolean): Promise<string[]> {
    if (this.opts.inference) return [];
    const files: string[] = [];
    for (const [name, e] of this.entries) {
      const file = await this.checkpoint(name, e, final);
      if (file) files.push(file);
    }
    return files;
  }

  /**
   * Saves one trainer (and its ONNX export). A failure is one error line, never the end of the run:
   * the previous checkpoint stays valid (atomic writes) and training goes on.
   */
  private async checkpoint(name: string, e: Entry, final: boolean): Promise<string | null> {
    const step = e.trainer.stepCount;
    try {
      return await this.writeCheckpoint(name, e, final, step);
    } catch (error) {
      this.opts.logger.error(`Could not checkpoint ${name} at step ${step}: ${errorMessage(error)}`);
      return null;
    }
  }

  private async writeCheckpoint(name: string, e: Entry, final: boolean, step: number): Promise<string> {
    const stem = safeFileName(name);
    let onnx: Uint8Array | null = null;
    try {
      onnx = exportActorToOnnx(e.trainer.snapshot(), e.spec.observationSpecs.map((o) => [...o.shape]), { opset: this.opts.opset ?? 9 });
    } catch (error) {
      this.opts.logger.warn(`Could not export ${name} to ONNX at step ${step} (the checkpoint is saved without it): ${errorMessage(error)}`);
    }
    const extra = onnx ? [{ name: `${stem}-${step}.onnx`, bytes: onnx }] : [];
    const info = await e.store.save(step, e.trainer.serializeState(), extra, { reward: e.lastMeanReward, final });
    if (!onnx) return info.path;
    const exported = path.join(e.store.dir, `${stem}-${step}.onnx`);
    this.opts.logger.info(`Exported ${displayPath(exported)}`);
    if (final) {
      const target = path.join(this.opts.runDir, `${stem}.onnx`);
      await writeFileAtomic(target, onnx);
      this.opts.logger.info(`Copied ${displayPath(exported)} to ${displayPath(target)}.`);
    }
    return info.path;
  }

  /** Writes the final summaries (at exit). */
  async finalSummaries(): Promise<void> {
    for (const e of this.entries.values()) {
      if (e.trainer.stepCount !== e.lastSummaryStep) await this.opts.reporter.write(e.trainer.summary());
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) e.trainer.dispose();
    this.entries.clear();
  }
}

function offsetIds<T extends DecisionSteps | TerminalSteps>(steps: T, offset: number): T {
  const agentId = new Int32Array(steps.agentId.length);
  for (let i = 0; i < agentId.length; i++) agentId[i] = steps.agentId[i]! + offset;
  return { ...steps, agentId };
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
  walk(settings as unknown as Record<string, unknown>, 1);
  return lines.join("\n");
}
