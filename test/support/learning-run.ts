// What the end-to-end learning tests share: a logger that stops the run (as Ctrl+C) at the first
// summary line whose mean reward reaches a threshold, and the summaries the run wrote to stats.jsonl.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { createLogger, type Logger } from "../../src/util/logger.js";

export interface RewardStop {
  readonly logger: Logger;
  /** Every line logged, in order. */
  readonly lines: string[];
  /** Aborted at the first summary line showing a mean reward >= the threshold: pass to runTraining. */
  readonly signal: AbortSignal;
}

/** An info logger that records the run's lines and aborts `signal` once a summary's mean reward reaches `threshold`. */
export function stopAtReward(threshold: number): RewardStop {
  const lines: string[] = [];
  const ac = new AbortController();
  const logger = createLogger({
    level: "info",
    sink: (_level, line) => {
      lines.push(line);
      const m = / Step: \d+\. .*Mean Reward: (-?\d+(?:\.\d+)?)/.exec(line);
      if (m && Number(m[1]) >= threshold) ac.abort();
    },
  });
  return { logger, lines, signal: ac.signal };
}

/** One summary of results/<run-id>/<behavior>/stats.jsonl: ML-Agents stat names to values. */
export type StatsRecord = Record<string, number | null | undefined>;

export function readStats(runDir: string, behavior: string): StatsRecord[] {
  return readFileSync(path.join(runDir, behavior, "stats.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as StatsRecord);
}
