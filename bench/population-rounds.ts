// The ways of running one update of every member of a population (bench/gpu.ts, bench/pbt-update.ts):
// members one by one, or stacked in one graph (src/trainers/sac/batched-tape-sac.ts). Each member
// has its own seed, learning rate and tau (PBT's case: no per-member scalar is shared).

import type { TrainerSettings } from "../src/config/trainer-settings.js";
import type { BehaviorSpec } from "../src/env/behavior-spec.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";
import { GpuSacEngine } from "../src/trainers/gpu/gpu-sac-engine.js";
import { BatchedTapeSac } from "../src/trainers/sac/batched-tape-sac.js";
import { FastSacEngine } from "../src/trainers/sac/fast-engine.js";
import { SacCommon } from "../src/trainers/sac/sac-common.js";
import { TapeSacEngine, type TapeSac } from "../src/trainers/sac/tape-engine.js";

export interface PopulationWay {
  readonly label: string;
  /** One update of every member, batches[k] for member k. */
  round(batches: readonly TransitionBatch[]): unknown;
  dispose(): void;
}

type Engine = TapeSac & { update(b: TransitionBatch): unknown; dispose(): void };

function members<T extends Engine>(make: (common: SacCommon) => T, spec: BehaviorSpec, settings: TrainerSettings, count: number): T[] {
  return Array.from({ length: count }, (_, i) => {
    const e = make(new SacCommon(spec, settings, 1 + i));
    e.setHyperparameters({ learningRate: 3e-4 * (1 + 0.1 * i), tau: 0.005 * (1 + 0.1 * i) });
    return e;
  });
}

/**
 * On wasm: tape separate, tape stacked, fast separate. On WebGPU: GpuSacEngine separate (each
 * update awaited, as a trainer does) and stacked (one awaited read per round).
 */
export function populationRounds(spec: BehaviorSpec, settings: TrainerSettings, count: number, webgpu: boolean): PopulationWay[] {
  const separate = (label: string, engines: { update(b: TransitionBatch): unknown; dispose(): void }[]): PopulationWay => ({
    label: `${label}: ${count} separate`,
    // wasm: update() returns its result, so the round is done when it returns; WebGPU: each update awaited.
    round: webgpu
      ? async (batches) => {
          for (let k = 0; k < engines.length; k++) await engines[k]!.update(batches[k]!);
        }
      : (batches) => engines.forEach((e, k) => e.update(batches[k]!)),
    dispose: () => engines.forEach((e) => e.dispose()),
  });
  const stacked = (label: string, engines: Engine[]): PopulationWay => {
    const stack = new BatchedTapeSac(engines);
    return {
      label: `${label}: ${count} stacked`,
      round: (batches) => (webgpu ? stack.updateWhenReady(batches) : stack.update(batches)),
      dispose: () => {
        stack.dispose();
        engines.forEach((e) => e.dispose());
      },
    };
  };
  if (webgpu) {
    const make = (c: SacCommon): GpuSacEngine => new GpuSacEngine(c);
    return [separate("tape on WebGPU", members(make, spec, settings, count)), stacked("tape on WebGPU", members(make, spec, settings, count))];
  }
  const tape = (c: SacCommon): TapeSacEngine => new TapeSacEngine(c);
  const fast = Array.from({ length: count }, (_, i) => {
    const e = new FastSacEngine(new SacCommon(spec, settings, 1 + i));
    e.setHyperparameters({ learningRate: 3e-4 * (1 + 0.1 * i), tau: 0.005 * (1 + 0.1 * i) });
    return e;
  });
  return [separate("tape", members(tape, spec, settings, count)), stacked("tape", members(tape, spec, settings, count)), separate("fast", fast)];
}
