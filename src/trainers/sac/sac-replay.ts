// The trainer's side of the replay buffer: the layout a behavior's transitions take, and the
// rewards of a sampled minibatch scaled by the extrinsic strength. The strength applies at sampling
// time, as ML-Agents evaluates reward signals, so a changed strength also applies to stored data.
import { observationSize, type BehaviorSpec } from "../../env/behavior-spec.js";
import type { ReplayLayout } from "../common/replay-buffer.js";
import type { TransitionBatch } from "../common/transition.js";

/** One row per transition: each observation flattened, the actions, the action masks, and `tags` when `tagged`. */
export function replayLayout(spec: BehaviorSpec, tagged: boolean): ReplayLayout {
  const a = spec.actionSpec;
  return {
    obsSizes: spec.observationSpecs.map(observationSize),
    continuousSize: a.continuousSize,
    discreteSize: a.discreteSize,
    maskSize: a.discreteTotal,
    tagged,
  };
}

/** Scales sampled rewards into one reused array (the batch's own rewards stay as stored). */
export class RewardScaling {
  private scaled = new Float32Array(0);

  /** `batch` with rewards × `strength`; the batch itself when the strength is 1. Valid until the next call. */
  apply(batch: TransitionBatch, strength: number): TransitionBatch {
    if (strength === 1) return batch;
    if (this.scaled.length < batch.length) this.scaled = new Float32Array(batch.length);
    const r = this.scaled.subarray(0, batch.length);
    for (let i = 0; i < batch.length; i++) r[i] = batch.rewards[i]! * strength;
    return { ...batch, rewards: r };
  }
}
