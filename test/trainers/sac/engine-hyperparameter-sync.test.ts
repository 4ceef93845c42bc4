// What the model is told: every engine-side hyperparameter after a change, and the learning rate
// only when it moves. Target entropies are recomputed here from ML-Agents' constants.
import { describe, expect, it } from "vitest";
import { ActionSpec } from "../../../src/env/behavior-spec.js";
import { hyperparametersFromSettings } from "../../../src/trainers/hyperparameters.js";
import type { EngineHyperparameters } from "../../../src/trainers/sac/sac-engine.js";
import { EngineHyperparameterSync } from "../../../src/trainers/sac/engine-hyperparameter-sync.js";
import type { SacModelLike } from "../../../src/trainers/sac/sac-trainer-state.js";
import { settings } from "./trainer-helpers.js";

function recordingModel(): { model: SacModelLike; calls: Partial<EngineHyperparameters>[] } {
  const calls: Partial<EngineHyperparameters>[] = [];
  const unused = (): never => {
    throw new Error("not used here");
  };
  const model: SacModelLike = {
    setHyperparameters: (h) => void calls.push(h),
    act: unused,
    updateNormalizer: unused,
    update: unused,
    getState: unused,
    setState: unused,
    snapshot: unused,
    dispose: unused,
  };
  return { model, calls };
}

describe("EngineHyperparameterSync", () => {
  it("pushes the learning rate only when it changes", () => {
    const { model, calls } = recordingModel();
    const sync = new EngineHyperparameterSync(model, new ActionSpec(1, []));
    sync.pushLearningRate(1e-3);
    sync.pushLearningRate(1e-3);
    sync.pushLearningRate(5e-4);
    expect(calls).toEqual([{ learningRate: 1e-3 }, { learningRate: 5e-4 }]);
  });

  it("pushAll sends gamma, tau, target entropies and initial alpha, then the learning rate again", () => {
    const { model, calls } = recordingModel();
    const sync = new EngineHyperparameterSync(model, new ActionSpec(2, [3, 5]));
    const hp = { ...hyperparametersFromSettings(settings({ tau: 0.01, init_entcoef: 0.3 })), target_entropy_scale: 0.5 };
    sync.pushLearningRate(3e-4);
    sync.pushAll(hp, 3e-4);
    expect(calls).toHaveLength(3);
    const all = calls[1]!;
    expect(all.gamma).toBe(hp.gamma);
    expect(all.tau).toBe(0.01);
    expect(all.initEntropyCoef).toBe(0.3);
    // ML-Agents: continuous -1.0 * |A|, discrete 0.2 * ln(branch size); both times the scale.
    expect(all.targetEntropyContinuous).toBeCloseTo(-1.0 * 0.5 * 2, 12);
    expect(all.targetEntropyDiscrete![0]).toBeCloseTo(0.2 * 0.5 * Math.log(3), 12);
    expect(all.targetEntropyDiscrete![1]).toBeCloseTo(0.2 * 0.5 * Math.log(5), 12);
    expect(calls[2]).toEqual({ learningRate: 3e-4 }); // re-sent though unchanged: after setState the model's own value is not known
  });
});
