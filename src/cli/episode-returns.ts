// Episode returns of agents driven outside training (inspect, run): rewards summed per agent id
// until its terminal step. Same bookkeeping as the trainers' episode stats, without a trainer.
import type { DecisionSteps, TerminalSteps } from "../env/index.js";

export class EpisodeReturns {
  /** Returns of the episodes that ended, in order. */
  readonly finished: number[] = [];
  decisions = 0;
  /** Every reward seen (finished episodes or not). */
  rewardSum = 0;
  private readonly open = new Map<number, number>();

  /** Terminal steps first (an agent can end one episode and start the next in one message). */
  observe(decision: DecisionSteps, terminal: TerminalSteps): void {
    for (let i = 0; i < terminal.length; i++) {
      const id = terminal.agentId[i]!;
      const r = terminal.reward[i]!;
      this.rewardSum += r;
      this.finished.push((this.open.get(id) ?? 0) + r);
      this.open.delete(id);
    }
    for (let i = 0; i < decision.length; i++) {
      const id = decision.agentId[i]!;
      const r = decision.reward[i]!;
      this.rewardSum += r;
      this.open.set(id, (this.open.get(id) ?? 0) + r);
    }
    this.decisions += decision.length;
  }

  get meanReturn(): number | null {
    return this.finished.length ? this.finished.reduce((a, b) => a + b, 0) / this.finished.length : null;
  }
}
