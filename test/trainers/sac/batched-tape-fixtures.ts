// Members of a population for the stacked tape update tests (wasm and WebGPU): one layout, their
// own seeds (so their own initial weights and noise) and their own learning rate, gamma, tau and
// initial entropy coefficient, each with its own minibatches.
import type { BehaviorSpec } from "../../../src/env/behavior-spec.js";
import type { TransitionBatch } from "../../../src/trainers/common/transition.js";
import type { UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import type { SacState } from "../../../src/trainers/sac/sac-state.js";
import type { TapeSac } from "../../../src/trainers/sac/tape-engine.js";
import { makeSpec, randomBatch, sacSettings } from "./helpers.js";

export const CASES = [
  { name: "continuous", shapes: [[8]], continuous: 2, branches: [] as number[], normalize: false, maskEvery: 0 },
  { name: "discrete with masks", shapes: [[10]], continuous: 0, branches: [3, 4], normalize: false, maskEvery: 3 },
  { name: "hybrid with normalizer and masks", shapes: [[7], [2]], continuous: 2, branches: [2, 3], normalize: true, maskEvery: 4 },
];
export type Case = (typeof CASES)[number];

/** Per member: seed and hyperparameters; every member differs from the others in each of them. */
export const MEMBERS = [
  { seed: 11, learningRate: 3e-4, gamma: 0.99, tau: 0.005, initEntropyCoef: 1 },
  { seed: 12, learningRate: 1e-3, gamma: 0.9, tau: 0.02, initEntropyCoef: 0.2 },
  { seed: 13, learningRate: 5e-5, gamma: 0.995, tau: 0.1, initEntropyCoef: 0.5 },
];
export const BATCH = 16;

export interface Setup {
  readonly spec: BehaviorSpec;
  readonly settings: ReturnType<typeof sacSettings>;
  /** batches[u][k]: member k's minibatch of update u. */
  readonly batches: TransitionBatch[][];
  readonly normObs: (k: number) => Float32Array[];
}

export function setup(c: Case, updates: number): Setup {
  const spec = makeSpec(c.shapes, c.continuous, c.branches);
  const settings = sacSettings({ normalize: c.normalize, batch: BATCH, hidden: 16, layers: 2 });
  const batches = Array.from({ length: updates }, (_, u) => MEMBERS.map((_, k) => randomBatch(spec, BATCH, 40 + 10 * u + 1000 * k, c.maskEvery)));
  // Each member's normalizer sees its own observations (different means and spreads).
  const normObs = (k: number): Float32Array[] => batches[0]![k]!.obs.map((o) => o.map((v) => v * (2 + k) + 0.5 * k));
  return { spec, settings, batches, normObs };
}

/** Applies member k's hyperparameters and normalizer data to a fresh engine. */
export function prepare<T extends TapeSac>(engine: T, s: Setup, k: number): T {
  const m = MEMBERS[k]!;
  engine.setHyperparameters({ learningRate: m.learningRate, gamma: m.gamma, tau: m.tau, initEntropyCoef: m.initEntropyCoef });
  engine.updateNormalizer(s.normObs(k), BATCH);
  return engine;
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a));
}

/** Largest relative difference of two update results' numbers. */
export function lossDiff(a: UpdateLosses, b: UpdateLosses): number {
  const nums = (l: UpdateLosses): number[] => [l.q1Loss, l.q2Loss, l.policyLoss, l.entropy, l.learningRate, l.continuousEntropyCoeff ?? 0, l.discreteEntropyCoeff ?? 0, ...l.discreteAlphas];
  const x = nums(a);
  const y = nums(b);
  return Math.max(...x.map((v, i) => relDiff(v, y[i]!)));
}

/** Largest absolute difference over every tensor of two states (weights, targets, Adam moments). */
export function maxTensorDiff(a: SacState, b: SacState): { key: string; diff: number } {
  let worst = { key: "", diff: 0 };
  for (const [key, t] of Object.entries(a.tensors)) {
    const u = b.tensors[key]!.data;
    for (let i = 0; i < t.data.length; i++) {
      const d = Math.abs(t.data[i]! - u[i]!);
      if (d > worst.diff) worst = { key, diff: d };
    }
  }
  return worst;
}
