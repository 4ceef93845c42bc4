// ML-Agents' limits on restarting a crashed or hung player (--max-lifetime-restarts,
// --restarts-rate-limit-n within --restarts-rate-limit-period-s), per worker.

export interface RestartLimits {
  /** Restarts over the run; -1 = unlimited. */
  readonly maxLifetimeRestarts: number;
  /** Restarts allowed within one period; -1 = no rate limit. */
  readonly rateLimitN: number;
  readonly rateLimitPeriodS: number;
}

export class RestartPolicy {
  private readonly times: number[] = [];

  constructor(
    private readonly limits: RestartLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get restarts(): number {
    return this.times.length;
  }

  /** Records a restart and returns null, or returns why no restart is allowed. */
  tryRestart(): string | null {
    const { maxLifetimeRestarts, rateLimitN, rateLimitPeriodS } = this.limits;
    if (maxLifetimeRestarts >= 0 && this.times.length >= maxLifetimeRestarts) {
      return `it already restarted ${this.times.length} times (--max-lifetime-restarts ${maxLifetimeRestarts})`;
    }
    const t = this.now();
    if (rateLimitN >= 0) {
      const recent = this.times.filter((x) => t - x < rateLimitPeriodS * 1000).length;
      if (recent >= rateLimitN) {
        return `it restarted ${recent} times in the last ${rateLimitPeriodS} s (--restarts-rate-limit-n ${rateLimitN})`;
      }
    }
    this.times.push(t);
    return null;
  }
}
