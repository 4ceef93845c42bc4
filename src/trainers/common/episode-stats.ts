// Finished-episode statistics for one behavior: what the console summary and the
// "Environment/Cumulative Reward" / "Environment/Episode Length" stats report, plus a short
// window of recent rewards (PBT evaluates members on their last episodes).

export interface EpisodeSummary {
  readonly count: number;
  readonly meanReward: number;
  /** Population standard deviation (numpy's np.std, as ML-Agents reports it). */
  readonly stdReward: number;
  readonly meanLength: number;
}

export interface EpisodeStatsState {
  readonly totalEpisodes: number;
  readonly recentRewards: number[];
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Population standard deviation (divides by n). */
export function std(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / values.length);
}

export class EpisodeStats {
  private rewards: number[] = [];
  private lengths: number[] = [];
  private recent: number[] = [];
  private total = 0;

  /** recentWindow: how many of the latest episode rewards recentMeanReward() averages. */
  constructor(private readonly recentWindow = 100) {}

  record(cumulativeReward: number, length: number): void {
    this.rewards.push(cumulativeReward);
    this.lengths.push(length);
    this.recent.push(cumulativeReward);
    if (this.recent.length > this.recentWindow) this.recent.shift();
    this.total++;
  }

  /** Episodes finished since the last drain(). */
  get pendingCount(): number {
    return this.rewards.length;
  }

  /** Episodes finished over the trainer's whole life (survives checkpoints). */
  get totalEpisodes(): number {
    return this.total;
  }

  /** Mean reward of the last `n` finished episodes (NaN when there are none). */
  recentMeanReward(n = this.recentWindow): number {
    return mean(this.recent.slice(-n));
  }

  /** Summary of episodes finished since the last drain, then starts a new period; null if none. */
  drain(): EpisodeSummary | null {
    const rewards = this.rewards;
    const lengths = this.lengths;
    this.rewards = [];
    this.lengths = [];
    if (rewards.length === 0) return null;
    return { count: rewards.length, meanReward: mean(rewards), stdReward: std(rewards), meanLength: mean(lengths) };
  }

  getState(): EpisodeStatsState {
    return { totalEpisodes: this.total, recentRewards: [...this.recent] };
  }

  setState(s: EpisodeStatsState): void {
    this.total = s.totalEpisodes;
    this.recent = s.recentRewards.slice(-this.recentWindow);
    this.rewards = [];
    this.lengths = [];
  }
}
