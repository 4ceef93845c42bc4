// The one interface every trainer implements (SAC now; Mix&Match and PBT members later).
// Composition, not a base-class hierarchy: the environment loop only needs these calls, in order
// observe -> act -> maybeUpdate for every step of the behavior.
import type { ActionTuple } from "../env/action-tuple.js";
import type { DecisionSteps, TerminalSteps } from "../env/steps.js";
import type { ActorSnapshot } from "./common/actor-snapshot.js";
import type { MutableHyperparameters } from "./hyperparameters.js";
import type { StatsAggregationMethod, TrainerSummary } from "./stats/trainer-summary.js";

export interface Trainer<State = unknown> {
  readonly behaviorName: string;
  /** Agent experiences processed so far (ML-Agents' trainer step). */
  readonly stepCount: number;
  /** max_steps reached: the trainer no longer updates. */
  readonly isDone: boolean;
  /**
   * Completes pending experiences with this step's infos (terminal before decision). Agents are
   * identified by (envIndex, agent id): Unity's ids are unique only within one environment.
   */
  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex?: number): void;
  /** Actions for the decision agents; also records them as the agents' pending experiences. */
  act(decision: DecisionSteps, deterministic?: boolean, envIndex?: number): ActionTuple;
  /**
   * Runs the gradient updates now due, until they are done or performance.now() passes
   * `deadline` (at least one when any is due); what is left stays due for the next call, so the
   * run loop can yield between calls. Returns how many were done.
   */
  maybeUpdate(deadline?: number): number;
  /** Gradient updates due now: what maybeUpdate() without a deadline would run (0 when it would run none). */
  readonly pendingUpdates: number;
  /**
   * The one way to change hyperparameters during training (schedules, --resume, PBT explore):
   * validated (HyperparameterError names the key), used from the next update on.
   */
  setHyperparameters(h: Partial<MutableHyperparameters>): void;
  /** The hyperparameters the next update uses. */
  hyperparameters(): MutableHyperparameters;
  /** Open episodes of one environment (all when omitted) are dropped; nothing half-made is stored. */
  discardPending(envIndex?: number): void;
  /** A stat from the environment (StatsSideChannel), reported with the next summary. */
  addEnvironmentStat(key: string, value: number, method: StatsAggregationMethod): void;
  /** A summary of everything since the last one, now (the run layer keeps the summary_freq schedule). */
  summary(): TrainerSummary;
  /**
   * Whole trainer state as plain data (deep copies): setState(getState()) in another trainer of
   * the same settings makes it train exactly as this one (PBT exploit), hyperparameters included.
   */
  getState(): State;
  setState(state: State): void;
  /** The state as bytes for a checkpoint file (the replay buffer if configured, or when `includeReplayBuffer`: PBT snapshots). */
  serializeState(includeReplayBuffer?: boolean): Uint8Array;
  /**
   * Resume ("keep", default): the state's weights and counters, this trainer's configured
   * hyperparameters. "state": an exact copy, as setState (a PBT snapshot read back from disk).
   */
  loadSerializedState(bytes: Uint8Array, hyperparameters?: "state" | "keep"): void;
  /** Takes the other trainer's network weights and normalizer; steps, buffer and optimizer start fresh (--initialize-from). */
  initializeWeightsFrom(other: Trainer<State>): void;
  /** The current actor as plain weights (ONNX export, side-by-side evaluation). */
  snapshot(): ActorSnapshot;
  dispose(): void;
}
