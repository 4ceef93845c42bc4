// The progress line `run` prints at a steady wall-clock interval, so a person watching a long run
// sees it working: episodes finished, their mean reward, and the decision rate since the last line.

export interface ProgressCounts {
  readonly episodes: number;
  /** Mean return of the finished episodes; null while none has finished. */
  readonly meanEpisodeReward: number | null;
  readonly decisions: number;
  /** Every reward seen, finished episodes or not: long episodes show their reward before they end. */
  readonly rewardSum: number;
}

/** Default seconds between progress lines. */
export const DEFAULT_PROGRESS_SECONDS = 10;

export class RunProgress {
  private lastMs: number;
  private lastDecisions = 0;

  /** intervalS 0 turns progress lines off. */
  constructor(
    private readonly intervalS: number,
    private readonly startMs: number,
  ) {
    this.lastMs = startMs;
  }

  /** The line to print at `nowMs`, or null when less than the interval has passed since the last one. */
  poll(nowMs: number, read: () => ProgressCounts): string | null {
    if (this.intervalS <= 0 || nowMs - this.lastMs < this.intervalS * 1000) return null;
    const counts = read();
    const rate = ((counts.decisions - this.lastDecisions) * 1000) / (nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.lastDecisions = counts.decisions;
    return describeProgress((nowMs - this.startMs) / 1000, counts, rate);
  }
}

export function describeProgress(elapsedS: number, c: ProgressCounts, decisionsPerSecond: number): string {
  const reward = c.meanEpisodeReward === null ? "n/a (none finished yet)" : c.meanEpisodeReward.toFixed(3);
  const perDecision = c.decisions ? (c.rewardSum / c.decisions).toFixed(4) : "n/a";
  return (
    `${elapsedS.toFixed(0)} s: ${c.episodes} episodes finished, mean episode reward ${reward}, ` +
    `${c.decisions} decisions (${decisionsPerSecond.toFixed(0)} decisions/s), reward per decision ${perDecision}.`
  );
}
