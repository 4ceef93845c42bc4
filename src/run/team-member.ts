// One member of a behavior's team: a trainer with its own results folder, checkpoints and
// summary/checkpoint schedules. A team of one is today's single trainer per behavior and keeps
// ML-Agents' layout (results/<run-id>/<Behavior>/); a member of a larger team writes under
// results/<run-id>/<Behavior>/member-<i>/ and is named "<Behavior>-member-<i>" in console lines,
// checkpoint files and training_status.json.
import * as path from "node:path";
import type { TrainerSettings } from "../config/index.js";
import { CheckpointStore } from "../trainers/checkpoint/checkpoint-store.js";
import type { TrainingStatusFile } from "../trainers/checkpoint/training-status.js";
import type { Trainer } from "../trainers/trainer.js";
import type { Logger } from "../util/logger.js";
import { safeFileName } from "../util/safe-name.js";
import { checkpointInterval, IntervalSchedule } from "./interval-schedule.js";

export interface TeamMember {
  /** 0..N-1 within the team. */
  readonly index: number;
  /** The behavior name for a team of one, "<Behavior>-member-<i>" otherwise. */
  readonly label: string;
  readonly trainer: Trainer;
  /** results/<run-id>/<Behavior> or results/<run-id>/<Behavior>/member-<i>. */
  readonly dir: string;
  /** Where the final <label>.onnx goes: results/<run-id> for a team of one, else the member's dir. */
  readonly modelDir: string;
  readonly store: CheckpointStore;
  readonly summaries: IntervalSchedule;
  readonly checkpoints: IntervalSchedule;
  /** Mean reward of the latest summary with finished episodes (training_status.json, curriculum). */
  lastMeanReward: number | null;
  /** Episodes summarized so far (curriculum: min_lesson_length). */
  episodes: number;
  /** Trainer step of the last summary written (no second line for the same step at exit). */
  lastSummaryStep: number;
}

export interface MemberPlace {
  readonly index: number;
  readonly label: string;
  readonly dir: string;
  readonly modelDir: string;
}

/** Where member `index` of a team of `size` for `behavior` lives. */
export function memberPlace(runDir: string, behavior: string, index: number, size: number): MemberPlace {
  const behaviorDir = path.join(runDir, safeFileName(behavior));
  if (size === 1) return { index, label: behavior, dir: behaviorDir, modelDir: runDir };
  const dir = path.join(behaviorDir, `member-${index}`);
  return { index, label: `${behavior}-member-${index}`, dir, modelDir: dir };
}

/** The seed of member `index`: the run's seed for member 0, so a team of one trains as before. */
export function memberSeed(runSeed: number, index: number): number {
  return runSeed + index;
}

export interface MemberStoreOptions {
  readonly runDir: string;
  readonly logger: Logger;
  readonly version: string;
  readonly status: TrainingStatusFile;
}

export function memberStore(place: MemberPlace, settings: TrainerSettings, o: MemberStoreOptions): CheckpointStore {
  return new CheckpointStore({
    runDir: o.runDir,
    dir: place.dir,
    behaviorName: place.label,
    keepCheckpoints: settings.keep_checkpoints,
    logger: o.logger,
    version: o.version,
    status: o.status,
  });
}

/** A member whose trainer is at its current step (fresh or restored): schedules count from there. */
export function newMember(place: MemberPlace, trainer: Trainer, store: CheckpointStore, settings: TrainerSettings): TeamMember {
  return {
    index: place.index,
    label: place.label,
    trainer,
    dir: place.dir,
    modelDir: place.modelDir,
    store,
    summaries: new IntervalSchedule(settings.summary_freq, trainer.stepCount),
    checkpoints: new IntervalSchedule(checkpointInterval(settings), trainer.stepCount),
    lastMeanReward: null,
    episodes: 0,
    lastSummaryStep: -1,
  };
}
