// Writes trainer summaries where people and tools read them:
//  - the console line in ML-Agents' exact shape (docs/protocol.md §8.3, ConsoleWriter):
//    "3DBall. Step: 12000. Time Elapsed: 35.123 s. Mean Reward: 1.234. Std of Reward: 0.567. Training."
//  - results/<run-id>/<behavior>/stats.jsonl, one JSON object per summary, ML-Agents tag names;
//  - optionally TensorBoard event files (tensorboard-writer.ts).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Logger } from "../../util/logger.js";
import { safeFileName } from "../../util/safe-name.js";
import { formatFixed } from "./format-number.js";
import { TensorBoardWriter } from "./tensorboard-writer.js";
import { Tags, type TrainerSummary } from "./trainer-summary.js";

/** The console message (without the "[INFO] " prefix the logger adds). */
export function formatConsoleSummary(summary: TrainerSummary, elapsedSeconds: number): string {
  const parts = [summary.behaviorName, `Step: ${summary.step}`, `Time Elapsed: ${formatFixed(elapsedSeconds)} s`];
  if (summary.episodes) {
    parts.push(`Mean Reward: ${formatFixed(summary.episodes.meanReward)}`);
    parts.push(`Std of Reward: ${formatFixed(summary.episodes.stdReward)}`);
  } else {
    parts.push("No episode was completed since last summary");
  }
  parts.push(summary.isTraining ? "Training" : "Not Training");
  return parts.join(". ") + ".";
}

/** One stats.jsonl record: step, time_elapsed, episode stats and every aggregated value by tag. */
export function summaryRecord(summary: TrainerSummary, elapsedSeconds: number): Record<string, number | boolean | null> {
  const record: Record<string, number | boolean | null> = {
    step: summary.step,
    time_elapsed: elapsedSeconds,
    [Tags.isTraining]: summary.isTraining,
  };
  if (summary.episodes) {
    record[Tags.cumulativeReward] = summary.episodes.meanReward;
    record["Environment/Cumulative Reward Std"] = summary.episodes.stdReward;
    record[Tags.episodeLength] = summary.episodes.meanLength;
    record["Environment/Episode Count"] = summary.episodes.count;
  }
  for (const [key, value] of Object.entries(summary.values)) {
    record[key] = Number.isFinite(value) ? value : null;
  }
  return record;
}

export interface StatsReporterOptions {
  /** results/<run-id> */
  readonly runDir: string;
  readonly logger: Logger;
  /** Also write TensorBoard event files next to stats.jsonl. Default false. */
  readonly tensorboard?: boolean;
  /** Clock in milliseconds (tests); Time Elapsed counts from the reporter's creation. */
  readonly now?: () => number;
}

export class StatsReporter {
  private readonly start: number;
  private readonly now: () => number;
  private readonly boards = new Map<string, TensorBoardWriter>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: StatsReporterOptions) {
    this.now = options.now ?? Date.now;
    this.start = this.now();
  }

  /** Path of a behavior's stats.jsonl. */
  statsFile(behaviorName: string): string {
    return path.join(this.options.runDir, safeFileName(behaviorName), "stats.jsonl");
  }

  /**
   * Logs the console line now and appends the JSONL record (writes are serialized). `dir` puts
   * stats.jsonl and the event file elsewhere than the behavior's folder (a population member's).
   */
  write(summary: TrainerSummary, dir?: string): Promise<void> {
    const elapsed = (this.now() - this.start) / 1000;
    this.options.logger.info(formatConsoleSummary(summary, elapsed));
    const line = JSON.stringify(summaryRecord(summary, elapsed)) + "\n";
    const run = async (): Promise<void> => {
      const file = dir ? path.join(dir, "stats.jsonl") : this.statsFile(summary.behaviorName);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.appendFile(file, line);
      if (this.options.tensorboard) await this.board(path.dirname(file)).write(summary, this.now() / 1000);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every pending write has finished. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private board(dir: string): TensorBoardWriter {
    let w = this.boards.get(dir);
    if (!w) {
      w = new TensorBoardWriter(dir, this.now() / 1000);
      this.boards.set(dir, w);
    }
    return w;
  }
}
