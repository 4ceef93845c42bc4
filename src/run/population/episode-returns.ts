// Finished-episode returns of one member, as the PBT coordinator scores them: the sum of an
// agent's rewards from its first decision to its terminal step. The tracker sits in front of the
// member's trainer (a proxy that sees every observe), so any trainer can be a member.
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { Trainer } from "../../trainers/trainer.js";

export class EpisodeReturns {
  /** Running return per agent, by environment index then Unity agent id (ids are unique within one environment). */
  private readonly open = new Map<number, Map<number, number>>();
  /** Decisions so far per open episode, keyed as `open`. */
  private readonly openLengths = new Map<number, Map<number, number>>();
  private finished: number[] = [];
  private finishedLengths: number[] = [];

  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex: number): void {
    let env = this.open.get(envIndex);
    if (!env) this.open.set(envIndex, (env = new Map()));
    let lengths = this.openLengths.get(envIndex);
    if (!lengths) this.openLengths.set(envIndex, (lengths = new Map()));
    // Terminal first: an agent can end an episode and start the next in the same step.
    for (let i = 0; i < terminal.length; i++) {
      const id = terminal.agentId[i]!;
      this.finished.push((env.get(id) ?? 0) + terminal.reward[i]!);
      this.finishedLengths.push(lengths.get(id) ?? 0);
      env.delete(id);
      lengths.delete(id);
    }
    for (let i = 0; i < decision.length; i++) {
      const id = decision.agentId[i]!;
      env.set(id, (env.get(id) ?? 0) + decision.reward[i]!);
      lengths.set(id, (lengths.get(id) ?? 0) + 1);
    }
  }

  /** The returns finished since the last call. */
  take(): number[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Decisions of the episodes finished since the last call (the same episodes as take(), in order). */
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

  /** Everything forgotten (the member loaded another member's snapshot: its running episodes belong to the old policy). */
  reset(): void {
    this.open.clear();
    this.openLengths.clear();
    this.finished = [];
    this.finishedLengths = [];
  }
}

/**
 * The trainer, with `returns` seeing every observe and discardPending first; `onLoaded` runs after
 * every loadSerializedState (a resumed member's step count is known only then).
 */
export function withEpisodeReturns<T extends Trainer>(trainer: T, returns: EpisodeReturns, onLoaded: (t: T) => void): T {
  return new Proxy(trainer, {
    get(target, prop) {
      if (prop === "loadSerializedState") {
        return (bytes: Uint8Array, hyperparameters?: "state" | "keep") => {
          target.loadSerializedState(bytes, hyperparameters);
          onLoaded(target);
        };
      }
      if (prop === "observe") {
        return (decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0) => {
          returns.observe(decision, terminal, envIndex);
          target.observe(decision, terminal, envIndex);
        };
      }
      if (prop === "discardPending") {
        return (envIndex?: number) => {
          returns.discard(envIndex);
          target.discardPending(envIndex);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
