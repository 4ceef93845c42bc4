// Separate deterministic evaluation episodes of one PBT member (`pbt.metric: evaluation`,
// docs/pbt.md "Evaluation episodes"). When the member is ready, its snapshot is taken and a round
// starts: the next `episodes` episodes that start on the member's agents are evaluation episodes,
// decided at their first decision so a whole episode is either training or evaluation. They are
// played by the snapshot's actor (trainer.snapshot(): for Mix & Match the target component alone),
// deterministically: tanh(μ) for continuous actions, the argmax of the masked probabilities per
// discrete branch. Their experience never reaches the trainer (no replay buffer, no normalizer, no
// training steps); their returns are the score recorded with that snapshot. The member's other
// agents keep training meanwhile. An evaluation episode that reaches `maxSteps` decisions is cut
// there (its return so far counts) and the agent trains from its next decision on, so a policy
// that never ends an episode cannot stall its member.
import { ActionTuple } from "../../env/action-tuple.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { ActorSnapshot } from "../../trainers/common/actor-snapshot.js";
import { referenceForward } from "../../trainers/sac/reference-forward.js";
import { selectDecisionRows, selectTerminalRows } from "../agent-split.js";

/** The deterministic actions of `actor` for the decision agents (the snapshot's policy, nothing recorded). */
export function deterministicActions(actor: ActorSnapshot, decision: DecisionSteps): ActionTuple {
  const out = referenceForward(actor, decision.obs, decision.length, decision.actionMask);
  return new ActionTuple(decision.length, out.deterministicContinuous, out.deterministicDiscrete);
}

/** A finished round: the snapshot evaluated and the returns of its episodes. */
export interface EvaluationResult {
  readonly snapshotId: string;
  /** The member's agent steps when the snapshot was taken. */
  readonly snapshotStep: number;
  readonly returns: number[];
  /** Agent steps the evaluation episodes took (not training steps). */
  readonly steps: number;
  /** Episodes cut at the step limit. */
  readonly cut: number;
}

/** One step's rows of a member, split into its training part and its evaluation part. */
export interface SplitStep {
  readonly trainingDecision: DecisionSteps;
  readonly trainingTerminal: TerminalSteps;
  /** Decision rows (indices into the step's decision) played by the evaluation policy. */
  readonly evaluationRows: readonly number[];
}

interface Round {
  readonly snapshotId: string;
  readonly snapshotStep: number;
  readonly actor: ActorSnapshot;
  readonly wanted: number;
  claimed: number;
  steps: number;
  cut: number;
  readonly returns: number[];
}

interface OpenEpisode {
  ret: number;
  steps: number;
}

export class EvaluationEpisodes {
  private round: Round | null = null;
  /** Agents in an evaluation episode, by environment index then agent id. */
  private readonly open = new Map<number, Map<number, OpenEpisode>>();
  private done: EvaluationResult | null = null;

  /** maxSteps: decisions after which an evaluation episode is cut (pbt.evaluation_max_steps). */
  constructor(readonly maxSteps: number) {
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`evaluation step limit must be an integer >= 1, got ${maxSteps}`);
  }

  /** A round is running: started, and fewer than `episodes` of its episodes have finished. */
  get active(): boolean {
    return this.round !== null;
  }

  /** Starts a round: the next `episodes` new episodes are played by `actor`, the actor of snapshot `snapshotId` taken at `snapshotStep`. */
  start(snapshotId: string, actor: ActorSnapshot, episodes: number, snapshotStep: number): void {
    if (this.round !== null) throw new Error(`an evaluation of snapshot ${this.round.snapshotId} is still running`);
    if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`evaluation episodes must be an integer >= 1, got ${episodes}`);
    this.round = { snapshotId, snapshotStep, actor, wanted: episodes, claimed: 0, steps: 0, cut: 0, returns: [] };
  }

  /**
   * Routes one step's rows: rows of agents in evaluation episodes (and of new episodes claimed now)
   * stay here, the rest is the training part. `inTrainingEpisode` says whether an agent was in a
   * training episode before this message (such an agent is never claimed mid-episode; one whose
   * episode ends in this message and restarts under the same id may be).
   */
  split(decision: DecisionSteps, terminal: TerminalSteps, envIndex: number, inTrainingEpisode: (agentId: number) => boolean): SplitStep {
    const round = this.round;
    const env = this.open.get(envIndex);
    if (round === null && env === undefined) return { trainingDecision: decision, trainingTerminal: terminal, evaluationRows: [] };
    const trainingTerminalRows: number[] = [];
    /** Agents whose training episode ends in this message: a decision of theirs starts a new episode. */
    const ended = new Set<number>();
    for (let i = 0; i < terminal.length; i++) {
      const id = terminal.agentId[i]!;
      const episode = env?.get(id);
      if (episode === undefined) {
        trainingTerminalRows.push(i);
        ended.add(id);
      } else {
        env!.delete(id);
        round?.returns.push(episode.ret + terminal.reward[i]!);
      }
    }
    const trainingRows: number[] = [];
    const evaluationRows: number[] = [];
    for (let i = 0; i < decision.length; i++) {
      const id = decision.agentId[i]!;
      let episode = env?.get(id);
      if (episode === undefined && round !== null && round.claimed < round.wanted && (ended.has(id) || !inTrainingEpisode(id))) {
        round.claimed += 1;
        episode = { ret: 0, steps: 0 };
        this.openOf(envIndex).set(id, episode);
      }
      if (episode === undefined) {
        trainingRows.push(i);
        continue;
      }
      episode.ret += decision.reward[i]!;
      if (episode.steps >= this.maxSteps) {
        // Cut at the limit: the return so far counts; the rest of the agent's episode trains.
        this.open.get(envIndex)!.delete(id);
        round?.returns.push(episode.ret);
        if (round) round.cut += 1;
        trainingRows.push(i);
        continue;
      }
      episode.steps += 1;
      if (round) round.steps += 1;
      evaluationRows.push(i);
    }
    this.finishIfComplete();
    return {
      trainingDecision: trainingRows.length === decision.length ? decision : selectDecisionRows(decision, trainingRows),
      trainingTerminal: trainingTerminalRows.length === terminal.length ? terminal : selectTerminalRows(terminal, trainingTerminalRows),
      evaluationRows,
    };
  }

  /** Whether the agent plays an evaluation episode now (its actions come from actions()). */
  isEvaluating(envIndex: number, agentId: number): boolean {
    return this.open.get(envIndex)?.has(agentId) ?? false;
  }

  /** The evaluation policy's actions for these decision agents (all of them in evaluation episodes). */
  actions(decision: DecisionSteps): ActionTuple {
    // Every claimed episode ends before its round does, so open episodes always have a round.
    if (this.round === null) throw new Error("no evaluation round is running");
    return deterministicActions(this.round.actor, decision);
  }

  /** Open evaluation episodes of one environment (all when omitted) are dropped unfinished: their claims are free again. */
  discard(envIndex?: number): void {
    const envs = envIndex === undefined ? [...this.open.keys()] : [envIndex];
    for (const e of envs) {
      const n = this.open.get(e)?.size ?? 0;
      if (this.round) this.round.claimed -= n;
      this.open.delete(e);
    }
  }

  /** The finished round, once (null while it runs or when none finished). */
  result(): EvaluationResult | null {
    const out = this.done;
    this.done = null;
    return out;
  }

  private finishIfComplete(): void {
    const round = this.round;
    if (round === null || round.returns.length < round.wanted) return;
    this.done = { snapshotId: round.snapshotId, snapshotStep: round.snapshotStep, returns: [...round.returns], steps: round.steps, cut: round.cut };
    this.round = null;
  }

  private openOf(envIndex: number): Map<number, OpenEpisode> {
    let env = this.open.get(envIndex);
    if (!env) this.open.set(envIndex, (env = new Map()));
    return env;
  }
}
