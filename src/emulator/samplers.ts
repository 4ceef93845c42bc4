// Unity's SamplerFactory (com.unity.ml-agents Runtime/Sampler.cs): each sampler owns a seeded
// System.Random and returns a new value on every call. Values are float32, as in C#.
import type { EnvironmentParameterValue } from "../protocol/side-channel/index.js";
import { DotNetRandom } from "./dotnet-random.js";

const f32 = Math.fround;

export type Sampler = () => number;

export function createSampler(value: EnvironmentParameterValue): Sampler {
  switch (value.kind) {
    case "float": {
      const v = f32(value.value);
      return () => v;
    }
    case "uniform":
      return uniformSampler(value.min, value.max, value.seed);
    case "gaussian":
      return gaussianSampler(value.mean, value.stDev, value.seed);
    case "multirangeuniform":
      return multiRangeUniformSampler(value.intervals, value.seed);
  }
}

function uniformSampler(min: number, max: number, seed: number): Sampler {
  const rng = new DotNetRandom(seed);
  return () => f32(min + f32(rng.nextDouble()) * (max - min));
}

/** Unity's RandomNormal: Marsaglia polar method, the spare value kept for the next call. */
function gaussianSampler(mean: number, stDev: number, seed: number): Sampler {
  const rng = new DotNetRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return f32(s * stDev + mean);
    }
    let u: number, v: number, s: number;
    do {
      u = rng.nextDouble() * 2 - 1;
      v = rng.nextDouble() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    s = Math.sqrt((-2 * Math.log(s)) / s);
    spare = u * s;
    return f32(v * s * stDev + mean);
  };
}

/** Interval chosen in proportion to its length (Multinomial seeded with seed + 1), then uniform inside. */
function multiRangeUniformSampler(intervals: readonly (readonly [number, number])[], seed: number): Sampler {
  if (intervals.length === 0) return () => 0;
  const rng = new DotNetRandom(seed);
  const pick = new DotNetRandom(seed + 1);
  const sizes = intervals.map(([lo, hi]) => f32(hi - lo));
  const total = sizes.reduce((a, b) => f32(a + b), 0);
  const cmf = sizes.map((s) => f32(s / total));
  for (let i = 1; i < cmf.length; i++) cmf[i] = f32(cmf[i]! + cmf[i - 1]!);
  return () => {
    const p = f32(f32(pick.nextDouble()) * cmf[cmf.length - 1]!);
    let i = 0;
    while (i < cmf.length - 1 && cmf[i]! < p) i++;
    const [lo] = intervals[i]!;
    return f32(lo + f32(rng.nextDouble()) * sizes[i]!);
  };
}
