// The snapshot configurations every export test runs over, and random inputs for them.

import type { ActorSnapshot } from "../../../src/trainers/common/actor-snapshot.js";
import { randomActorSnapshot, rng, uniform } from "./random-snapshot.js";

export interface ExportCase {
  readonly name: string;
  readonly shapes: number[][];
  readonly snapshot: ActorSnapshot;
  readonly continuousSize: number;
  readonly branchSizes: number[];
}

function make(name: string, seed: number, shapes: number[][], extra: { normalize?: boolean; continuousSize?: number; branchSizes?: number[] }): ExportCase {
  return {
    name,
    shapes,
    snapshot: randomActorSnapshot({ seed, observationShapes: shapes, hiddenUnits: 24, numLayers: 2, ...extra }),
    continuousSize: extra.continuousSize ?? 0,
    branchSizes: extra.branchSizes ?? [],
  };
}

export const CASES: readonly ExportCase[] = [
  make("continuous, vector obs, no normalizer", 11, [[8]], { continuousSize: 2 }),
  make("continuous, two vector obs, normalizer", 12, [[6], [3]], { continuousSize: 3, normalize: true }),
  make("discrete, 2 branches", 13, [[10]], { branchSizes: [3, 4] }),
  make("hybrid, normalizer", 14, [[7], [2]], { continuousSize: 2, branchSizes: [2, 3], normalize: true }),
  make("visual [3,36,36] + vector", 15, [[3, 36, 36], [4]], { continuousSize: 2, branchSizes: [3], normalize: true }),
];

/** Random observations in [-3, 3] (beyond the ±5 clip after normalization for small std). */
export function randomObs(shapes: readonly number[][], n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return shapes.map((s) => uniform(r, n * s.reduce((a, b) => a * b, 1), -3, 3));
}

/** Wire masks (1 = masked) per branch, keeping at least one action allowed per agent and branch. */
export function randomWireMasks(branchSizes: readonly number[], n: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  return branchSizes.map((size) => {
    const m = new Uint8Array(n * size);
    for (let a = 0; a < n; a++) {
      const keep = Math.floor(r() * size);
      for (let j = 0; j < size; j++) m[a * size + j] = j !== keep && r() < 0.4 ? 1 : 0;
    }
    return m;
  });
}

/** Wire masks -> ONNX convention (1.0 = allowed), flattened per agent. */
export function toAllowed(masks: readonly Uint8Array[], branchSizes: readonly number[], n: number): Float32Array {
  const total = branchSizes.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * total);
  for (let a = 0; a < n; a++) {
    let off = 0;
    branchSizes.forEach((size, b) => {
      for (let j = 0; j < size; j++) out[a * total + off + j] = masks[b]![a * size + j] ? 0 : 1;
      off += size;
    });
  }
  return out;
}
