// Keeps a model's engine-side hyperparameters in step with its trainer's: all of them after a
// change (setHyperparameters, setState), the learning rate whenever its schedule moves it.
import type { ActionSpec } from "../../env/behavior-spec.js";
import type { MutableHyperparameters } from "../hyperparameters.js";
import { targetEntropies } from "./sac-common.js";
import type { SacModelLike } from "./sac-trainer-state.js";

export class EngineHyperparameterSync {
  /** The learning rate the model has (NaN: unknown, pushed at the next chance). */
  private currentLr = Number.NaN;

  constructor(
    private readonly model: SacModelLike,
    private readonly actionSpec: ActionSpec,
  ) {}

  /** Every engine-side hyperparameter, so that the model's next update uses `hp` and `learningRate`. */
  pushAll(hp: MutableHyperparameters, learningRate: number): void {
    const a = this.actionSpec;
    this.model.setHyperparameters({
      gamma: hp.gamma,
      tau: hp.tau,
      ...targetEntropies(a.continuousSize, a.discreteBranches, hp.target_entropy_scale),
      initEntropyCoef: hp.init_entcoef,
    });
    this.currentLr = Number.NaN;
    this.pushLearningRate(learningRate);
  }

  /** The learning rate, when it differs from the one the model has. */
  pushLearningRate(learningRate: number): void {
    if (learningRate === this.currentLr) return;
    this.model.setHyperparameters({ learningRate });
    this.currentLr = learningRate;
  }
}
