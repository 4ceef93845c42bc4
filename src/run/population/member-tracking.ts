// A PBT member's trainer as the run sees it: a proxy in front of the trainer (any trainer can be a
// member) that sees every observe, act and discardPending. Training rows reach the trainer and the
// member's training returns; with the evaluation metric, the rows of evaluation episodes are
// played by the member's EvaluationEpisodes instead and never reach the trainer.
import { ActionTuple } from "../../env/action-tuple.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { Trainer } from "../../trainers/trainer.js";
import { selectDecisionRows } from "../agent-split.js";
import type { EpisodeReturns } from "../episode-returns.js";
import type { EvaluationEpisodes } from "./evaluation-episodes.js";

export interface MemberEpisodes {
  /** Returns of the member's training episodes (the mean_reward metric). */
  readonly training: EpisodeReturns;
  /** The member's evaluation episodes (the evaluation metric), else null. */
  readonly evaluation: EvaluationEpisodes | null;
}

/**
 * The trainer, with `episodes` seeing every observe, act and discardPending first; `onLoaded` runs
 * after every loadSerializedState (a resumed member's step count is known only then).
 */
export function trackMember<T extends Trainer>(trainer: T, episodes: MemberEpisodes, onLoaded: (t: T) => void): T {
  const { training, evaluation } = episodes;
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
          if (evaluation) ({ trainingDecision: decision, trainingTerminal: terminal } = evaluation.split(decision, terminal, envIndex, (id) => training.isOpen(envIndex, id)));
          training.observe(decision, terminal, envIndex);
          target.observe(decision, terminal, envIndex);
        };
      }
      if (prop === "act" && evaluation) {
        return (decision: DecisionSteps, deterministic?: boolean, envIndex = 0) => actWithEvaluation(target, evaluation, decision, deterministic, envIndex);
      }
      if (prop === "discardPending") {
        return (envIndex?: number) => {
          training.discard(envIndex);
          evaluation?.discard(envIndex);
          target.discardPending(envIndex);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The trainer acts for the training agents (recording their experience), the evaluation policy for the others; actions in the step's agent order. */
function actWithEvaluation(trainer: Trainer, evaluation: EvaluationEpisodes, decision: DecisionSteps, deterministic: boolean | undefined, envIndex: number): ActionTuple {
  const trainingRows: number[] = [];
  const evaluationRows: number[] = [];
  for (let i = 0; i < decision.length; i++) (evaluation.isEvaluating(envIndex, decision.agentId[i]!) ? evaluationRows : trainingRows).push(i);
  if (evaluationRows.length === 0) return trainer.act(decision, deterministic, envIndex);
  if (trainingRows.length === 0) return evaluation.actions(decision);
  const parts: [readonly number[], ActionTuple][] = [
    [trainingRows, trainer.act(selectDecisionRows(decision, trainingRows), deterministic, envIndex)],
    [evaluationRows, evaluation.actions(selectDecisionRows(decision, evaluationRows))],
  ];
  const c = parts[0][1].continuous.length / trainingRows.length;
  const d = parts[0][1].discrete.length / trainingRows.length;
  const out = new ActionTuple(decision.length, new Float32Array(decision.length * c), new Int32Array(decision.length * d));
  for (const [rows, part] of parts) {
    rows.forEach((r, k) => {
      out.continuous.set(part.continuous.subarray(k * c, (k + 1) * c), r * c);
      out.discrete.set(part.discrete.subarray(k * d, (k + 1) * d), r * d);
    });
  }
  return out;
}
