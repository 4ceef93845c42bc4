// The environment API that trainers code against (mlagents_envs BaseEnv), never protobuf types.
import type { ActionTuple } from "./action-tuple.js";
import type { BehaviorSpec } from "./behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "./steps.js";

export interface BaseEnv {
  /** Fully-qualified behavior names ("3DBall?team=0") known so far, with their specs. Grows as Unity announces behaviors. */
  readonly behaviorSpecs: ReadonlyMap<string, BehaviorSpec>;
  /** Sends RESET (with queued side channels) and waits for the first observations. */
  reset(): Promise<void>;
  /** Sends the actions set since the last step, waits for the next observations. */
  step(): Promise<void>;
  /** Decision and terminal steps of a behavior from the last reset/step. */
  getSteps(behaviorName: string): [DecisionSteps, TerminalSteps];
  /** Actions for every agent of getSteps(behaviorName)[0], in that order. */
  setActions(behaviorName: string, actions: ActionTuple): void;
  close(): Promise<void>;
}
