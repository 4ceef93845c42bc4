// Finished-episode returns as the run sees them: the sum of an agent's rewards from its first
// decision to its terminal step, per (environment index, agent id) since Unity's ids are unique only
// within one environment. One source for every reader: `run` and `inspect` (counts and the mean
// return), and the PBT members' scores (the returns themselves, drained by take()).
import type { DecisionSteps, TerminalSteps } from "../env/index.js";

export interface EpisodeReturnsOptions {
  /** Keep each finished return until take() drains it (PBT); false keeps only the counters (a `run` may see millions of episodes). Default true. */
  readonly collect?: boolean;
}

export class EpisodeReturns {
  /** Episodes finished so far. */
  episodes = 0;
  /** Agent decisions seen. */
  decisions = 0;
  /** Every reward seen, finished episodes or not. */
  rewardSum = 0;
  private returnSum = 0;
  /** Running return per agent, by environment index then agent id. */
  private readonly open = new Map<number, Map<number, number>>();
  /** Decisions so far per open episode, keyed as `open`. */
  private readonly openLengths = new Map<number, Map<number, number>>();
  private finished: number[] = [];
  private finishedLengths: number[] = [];
  private readonly collect: boolean;

  constructor(options: EpisodeReturnsOptions = {}) {
    this.collect = options.collect ?? true;
  }

  /** Terminal steps first: an agent can end one episode and start the next in one message. */
  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
    const env = this.openOf(this.open, envIndex);
    const lengths = this.openOf(this.openLengths, envIndex);
    for (let i = 0; i < terminal.length; i++) {
      const id = terminal.agentId[i]!;
      const r = terminal.reward[i]!;
      this.rewardSum += r;
      this.finish((env.get(id) ?? 0) + r, lengths.get(id) ?? 0);
      env.delete(id);
      lengths.delete(id);
    }
    for (let i = 0; i < decision.length; i++) {
      const id = decision.agentId[i]!;
      const r = decision.reward[i]!;
      this.rewardSum += r;
      env.set(id, (env.get(id) ?? 0) + r);
      lengths.set(id, (lengths.get(id) ?? 0) + 1);
    }
    this.decisions += decision.length;
  }

  /** Whether the agent is in an episode this tracker has seen start. */
  isOpen(envIndex: number, agentId: number): boolean {
    return this.open.get(envIndex)?.has(agentId) ?? false;
  }

  /** Mean return of every finished episode; null before the first. */
  get meanReturn(): number | null {
    return this.episodes ? this.returnSum / this.episodes : null;
  }

  /** The returns finished since the last call (empty when not collecting). */
  take(): number[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Decisions of the episodes finished since the last call (the same episodes as take(), in order; empty when not collecting). */
  takeLengths(): number[] {
    const out = this.finishedLengths;
    this.finishedLengths = [];
    return out;
  }

  /** Open episodes of one environment (all when omitted) are forgotten: its session ended, or the policy was replaced. */
  discard(envIndex?: number): void {
    if (envIndex === undefined) {
      this.open.clear();
      this.openLengths.clear();
    } else {
      this.open.delete(envIndex);
      this.openLengths.delete(envIndex);
    }
  }

  /** Open episodes and returns not yet taken are forgotten (the member loaded another member's snapshot). */
  reset(): void {
    this.open.clear();
    this.openLengths.clear();
    this.finished = [];
    this.finishedLengths = [];
  }

  private finish(value: number, length: number): void {
    this.episodes += 1;
    this.returnSum += value;
    if (this.collect) {
      this.finished.push(value);
      this.finishedLengths.push(length);
    }
  }

  private openOf(byEnv: Map<number, Map<number, number>>, envIndex: number): Map<number, number> {
    let env = byEnv.get(envIndex);
    if (!env) byEnv.set(envIndex, (env = new Map()));
    return env;
  }
}
