// The synchronous SacEngine interface forwarded, method by method, to an engine in a worker thread.
// The GPU engine with a worker of its own (gpu-worker-sac-model.ts) and a member of a GPU
// population (gpu-population.ts) differ only in how a call reaches the engine: `call`.
// Arrays are copied before they cross threads: a view would carry its whole underlying buffer (the
// replay ring) with it.

import { ActionSpec, type BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import type { ActionBatch, AsyncSacEngine, EngineHyperparameters, PolicyEvaluation, SacEngine, UpdateLosses } from "../sac/sac-engine.js";
import type { SacHyperparameters, SacState } from "../sac/sac-state.js";

/** A behavior spec as plain data (ActionSpec is a class: it does not survive structured cloning). */
export interface PlainSpec {
  readonly observationSpecs: BehaviorSpec["observationSpecs"];
  readonly continuousSize: number;
  readonly branches: number[];
}

export function toPlainSpec(spec: BehaviorSpec): PlainSpec {
  return {
    observationSpecs: spec.observationSpecs.map((o) => ({ ...o, shape: [...o.shape], dimensionProperties: [...o.dimensionProperties] })),
    continuousSize: spec.actionSpec.continuousSize,
    branches: [...spec.actionSpec.discreteBranches],
  };
}

export function fromPlainSpec(s: PlainSpec): BehaviorSpec {
  return { observationSpecs: s.observationSpecs, actionSpec: new ActionSpec(s.continuousSize, s.branches) };
}

/** A copy of a minibatch that owns its arrays. */
export function ownedBatch(batch: TransitionBatch): TransitionBatch {
  return {
    length: batch.length,
    obs: batch.obs.map((o) => o.slice()),
    nextObs: batch.nextObs.map((o) => o.slice()),
    continuousActions: batch.continuousActions.slice(),
    discreteActions: batch.discreteActions.slice(),
    rewards: batch.rewards.slice(),
    dones: batch.dones.slice(),
    actionMasks: batch.actionMasks.slice(),
    nextActionMasks: batch.nextActionMasks.slice(),
  };
}

export abstract class ForwardingSacEngine implements SacEngine {
  abstract readonly engine: string;
  readonly gemmCalls = 0;

  /** Runs engine method `op` with `args` (or reads property `op`) where the engine lives. */
  protected abstract call(op: keyof AsyncSacEngine, args: unknown[]): unknown;
  abstract dispose(): void;

  get updateCount(): number {
    return this.call("updateCount", []) as number;
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    return this.call("alphas", []) as { continuous: number | null; discrete: number[] };
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    return this.call("act", [obs.map((o) => o.slice()), n, masks?.map((m) => m.slice()) ?? null, deterministic]) as ActionBatch;
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    return this.call("evaluate", [obs.map((o) => o.slice()), n, masks?.map((m) => m.slice()) ?? null]) as PolicyEvaluation;
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.call("updateNormalizer", [obs.map((o) => o.slice()), n]);
  }

  update(batch: TransitionBatch): UpdateLosses {
    return this.call("update", [ownedBatch(batch)]) as UpdateLosses;
  }

  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.call("setHyperparameters", [h]);
  }

  hyperparameters(): SacHyperparameters {
    return this.call("hyperparameters", []) as SacHyperparameters;
  }

  getState(): SacState {
    return this.call("getState", []) as SacState;
  }

  setState(state: SacState): void {
    this.call("setState", [state]);
  }

  snapshot(): ActorSnapshot {
    return this.call("snapshot", []) as ActorSnapshot;
  }
}
