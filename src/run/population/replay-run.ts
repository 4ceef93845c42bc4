// `pbt --replay <run-dir> --member i`: one trainer per behavior trained from scratch on the
// hyperparameter schedule along member i's lineage (replaySchedule over the run's lineage.jsonl):
// it starts with the first segment's hyperparameters and switches to each next segment, through
// setHyperparameters, once its step count reaches the segment's first step.
import * as path from "node:path";
import type { RunOptions } from "../../config/index.js";
import type { EnvironmentParameterValue } from "../../protocol/side-channel/index.js";
import { environmentParameterValues, readLineageLog, replaySchedule, withHyperparameters, type LineageEvent, type ScheduleSegment } from "../../trainers/pbt/index.js";
import { runTraining, type RunEnvironments, type RunExtension, type RunResult, type RunTrainingDeps } from "../run-training.js";
import type { TrainerController, TrainerFactory } from "../trainer-controller.js";
import { trainerHyperparameters } from "./behavior-population.js";
import { LINEAGE_FILE } from "./pbt-driver.js";

export class ReplayDriver implements RunExtension {
  private readonly schedules = new Map<string, ScheduleSegment[]>();
  /** Index of the segment each behavior trains with now. */
  private readonly current = new Map<string, number>();

  /** The behavior whose segments' environment parameters the run's environments get (the config's only behavior), and their count. */
  environmentBehavior: string | null = null;
  numEnvs = 0;

  constructor(
    private readonly events: readonly LineageEvent[],
    private readonly member: number,
    private readonly deps: Pick<RunTrainingDeps, "logger">,
  ) {}

  static async fromRun(sourceRunDir: string, member: number, deps: Pick<RunTrainingDeps, "logger">): Promise<ReplayDriver> {
    const file = path.join(sourceRunDir, LINEAGE_FILE);
    const { events } = await readLineageLog(file);
    if (!events.some((e) => e.kind === "init" && e.member === member)) throw new Error(`${file} has no member ${member} to replay.`);
    return new ReplayDriver(events, member, deps);
  }

  /** The schedule of a behavior (throws when the log has no such member). */
  schedule(behavior: string): ScheduleSegment[] {
    let s = this.schedules.get(behavior);
    if (!s) {
      s = replaySchedule(this.events, behavior, this.member);
      this.schedules.set(behavior, s);
      this.current.set(behavior, 0);
      const steps = s.map((seg) => `from step ${seg.fromStep}: ${JSON.stringify(seg.hyperparameters)}`).join("; ");
      this.deps.logger.info(`Replay of ${behavior} member ${this.member}: ${s.length} segment(s); ${steps}.`);
    }
    return s;
  }

  wrapFactory(inner: TrainerFactory): TrainerFactory {
    return (behavior, spec, settings, seed, member) => inner(behavior, spec, withHyperparameters(settings, this.schedule(behavior)[0]!.hyperparameters), seed, member);
  }

  /** The environment parameters of the behavior's current segment (a replay of a member that owned its environments). */
  environmentParameters(behavior: string): Map<string, EnvironmentParameterValue> {
    const schedule = this.schedule(behavior);
    const values = environmentParameterValues(schedule[this.current.get(behavior) ?? 0]!.hyperparameters);
    return new Map(Object.entries(values).map(([k, value]) => [k, { kind: "float", value }]));
  }

  async afterStep(controller: TrainerController, environments: RunEnvironments): Promise<void> {
    for (const [behavior, schedule] of this.schedules) {
      const trainer = controller.trainer(behavior);
      let i = this.current.get(behavior)!;
      if (!trainer) continue;
      while (i + 1 < schedule.length && trainer.stepCount >= schedule[i + 1]!.fromStep) {
        i++;
        trainer.setHyperparameters(trainerHyperparameters(schedule[i]!.hyperparameters));
        this.deps.logger.info(`Replay of ${behavior}: step ${trainer.stepCount}, hyperparameters ${JSON.stringify(schedule[i]!.hyperparameters)}.`);
        this.current.set(behavior, i);
        if (behavior === this.environmentBehavior) {
          for (let w = 0; w < this.numEnvs; w++) for (const [k, v] of this.environmentParameters(behavior)) environments.queueParameter(w, k, v);
        }
      }
    }
    return Promise.resolve();
  }

  atEnd(): Promise<void> {
    return Promise.resolve();
  }
}

/** Trains the replay as a plain run (one trainer per behavior) in `options`' run folder. */
export async function runReplay(options: RunOptions, sourceRunDir: string, member: number, deps: RunTrainingDeps): Promise<RunResult> {
  const driver = await ReplayDriver.fromRun(sourceRunDir, member, deps);
  const behaviors = [...options.behaviors.keys()];
  if (behaviors.length === 1 && options.env_settings.env_path !== null) {
    driver.environmentBehavior = behaviors[0]!;
    driver.numEnvs = options.env_settings.num_envs;
  }
  const ownParameters = (): ReadonlyMap<string, EnvironmentParameterValue> => (driver.environmentBehavior ? driver.environmentParameters(driver.environmentBehavior) : new Map());
  return runTraining(
    { ...options, pbt: null },
    { ...deps, createTrainer: driver.wrapFactory(deps.createTrainer), teamSize: () => 1, extension: driver, ownParameters },
  );
}
