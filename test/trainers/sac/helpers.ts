// Shared builders for the SAC tests.
import { ActionSpec, type BehaviorSpec, DimensionProperty, ObservationType } from "../../../src/env/behavior-spec.js";
import { defaultTrainerSettings } from "../../../src/config/defaults.js";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import type { TransitionBatch } from "../../../src/trainers/common/transition.js";

/** ML-Agents' SAC defaults with a small network and buffer; `over` sets the few values the model tests vary. */
export function sacSettings(over: { hidden?: number; layers?: number; normalize?: boolean; lr?: number; batch?: number; tau?: number; gamma?: number; initEntcoef?: number } = {}): TrainerSettings {
  const d = defaultTrainerSettings();
  return {
    ...d,
    hyperparameters: { ...d.hyperparameters, learning_rate: over.lr ?? 3e-4, batch_size: over.batch ?? 32, buffer_size: 1000, tau: over.tau ?? 0.005, init_entcoef: over.initEntcoef ?? 1 },
    network_settings: { ...d.network_settings, normalize: over.normalize ?? false, hidden_units: over.hidden ?? 16, num_layers: over.layers ?? 2 },
    reward_signals: { extrinsic: { gamma: over.gamma ?? 0.99, strength: 1 } },
  };
}

/** The vector-observation layouts the engine tests run over (obs shapes, continuous size, branches). */
export const vectorCases = {
  continuous: { shapes: [[5]], cont: 2, branches: [] as number[] },
  discrete: { shapes: [[4], [3]], cont: 0, branches: [3, 2] },
  hybrid: { shapes: [[6]], cont: 2, branches: [4] },
};

export function makeSpec(obsShapes: number[][], continuous: number, branches: number[]): BehaviorSpec {
  return {
    observationSpecs: obsShapes.map((shape, i) => ({ name: `obs${i}`, shape, dimensionProperties: shape.map(() => DimensionProperty.NONE), observationType: ObservationType.DEFAULT })),
    actionSpec: new ActionSpec(continuous, branches),
  };
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function floats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export function randomBatch(spec: BehaviorSpec, n: number, seed: number, maskEvery = 0): TransitionBatch {
  const sizes = spec.observationSpecs.map((o) => o.shape.reduce((a, b) => a * b, 1));
  const a = spec.actionSpec;
  const total = a.discreteTotal;
  const masks = new Uint8Array(n * total);
  if (maskEvery > 0) for (let i = 0; i < masks.length; i += maskEvery) masks[i] = 1;
  const disc = new Int32Array(n * a.discreteSize);
  for (let r = 0; r < n; r++) a.discreteBranches.forEach((b, j) => (disc[r * a.discreteSize + j] = (r + j) % b));
  return {
    length: n,
    obs: sizes.map((s, i) => floats(n * s, seed + i)),
    nextObs: sizes.map((s, i) => floats(n * s, seed + 100 + i)),
    continuousActions: floats(n * a.continuousSize, seed + 7).map((v) => v * 0.9),
    discreteActions: disc,
    rewards: floats(n, seed + 8),
    dones: floats(n, seed + 9).map((v) => (v > 0.8 ? 1 : 0)),
    actionMasks: masks,
    nextActionMasks: masks.slice(),
  };
}
