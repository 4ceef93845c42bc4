// Shared fixtures of the SAC benchmarks: a 3DBall-shaped behavior, settings, and a random batch.
import { defaultTrainerSettings } from "../src/config/defaults.js";
import type { TrainerSettings } from "../src/config/trainer-settings.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../src/env/behavior-spec.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";

/** ML-Agents' SAC defaults with a normalized network of `hidden` units and the given batch size. */
export function updateSettings(hidden: number, batch: number): TrainerSettings {
  const d = defaultTrainerSettings();
  return {
    ...d,
    hyperparameters: { ...d.hyperparameters, batch_size: batch },
    network_settings: { ...d.network_settings, normalize: true, hidden_units: hidden },
    reward_signals: { extrinsic: { gamma: 0.99, strength: 1 } },
  };
}

export function vectorSpec(obs: number, act: number): BehaviorSpec {
  return { observationSpecs: [{ name: "obs", shape: [obs], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }], actionSpec: ActionSpec.continuous(act) };
}

export function randomBatch(n: number, obs: number, act: number): TransitionBatch {
  const r = (k: number, scale = 1): Float32Array => Float32Array.from({ length: k }, () => (Math.random() * 2 - 1) * scale);
  return { length: n, obs: [r(n * obs)], nextObs: [r(n * obs)], continuousActions: r(n * act, 0.99), discreteActions: new Int32Array(0), rewards: r(n), dones: Float32Array.from({ length: n }, () => (Math.random() < 0.05 ? 1 : 0)), actionMasks: new Uint8Array(0), nextActionMasks: new Uint8Array(0) };
}

/**
 * Figures the SAC benchmarks print beside their own but do not measure: quoted, with source and
 * date. Both were measured by the author of issue 4 (this project's SAC issue, filed 2026-11-23)
 * on a 2-core machine of the same class, and are not rerun by any script here.
 */
export const QUOTED = {
  label: "quoted: issue 4, 2026-11-23",
  source: "issue 4 of mlagents-ts (SAC trainer), filed 2026-11-23: measured by its author on a 2-core machine, not by this script",
  /** PyTorch SAC update, obs 8, 2 continuous actions, ms per update, keyed by "hidden x layers / batch". */
  pytorchUpdateMs: { "64x2/64": 2.7, "256x2/256": 18 },
  /** ML-Agents' SAC (mlagents-learn) on a 3DBall-like emulator with config/3dball.yaml's settings. */
  mlAgents3dball: { decisionsPerSecond: 500, stepsTo100: 60_000, secondsTo100: 127 },
} as const;
