import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AlphaExploreRule, CategoricalExploreRule, ContinuousExploreRule } from "../../../src/config/pbt-settings-types.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { explore, sampleInitial } from "../../../src/trainers/pbt/explore.js";

/** A continuous rule with min ≤ max inside a clip range, optionally integer, optionally log-uniform. */
const continuousRule = fc
  .record({
    integer: fc.boolean(),
    log: fc.boolean(),
    a: fc.double({ min: 0.001, max: 1000, noNaN: true }),
    b: fc.double({ min: 0.001, max: 1000, noNaN: true }),
    widen: fc.tuple(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })),
    perturb: fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: 1, maxLength: 3 }),
    resample_probability: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ integer, log, a, b, widen, perturb, resample_probability }): ContinuousExploreRule => {
    let [min, max] = a <= b ? [a, b] : [b, a];
    if (integer) [min, max] = [Math.ceil(min), Math.max(Math.ceil(min), Math.floor(max))];
    const clip: [number, number] = [min * (1 - widen[0]), max * (1 + widen[1])];
    return { kind: "continuous", key: "x", integer, min, max, distribution: log ? "log_uniform" : "uniform", perturb, resample_probability, clip };
  });

const categoricalRule = fc
  .record({ values: fc.uniqueArray(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 6 }), resample_probability: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ values, resample_probability }): CategoricalExploreRule => ({ kind: "categorical", key: "y", values, resample_probability }));

describe("explore", () => {
  it("keeps continuous values inside the clip range, integers integral, over many generations", () => {
    fc.assert(
      fc.property(continuousRule, fc.integer(), (rule, seed) => {
        const rng = new Rng(seed);
        let hp = sampleInitial({ other: 7 }, [rule], rng.uniform);
        expect(hp.x).toBeGreaterThanOrEqual(rule.min);
        expect(hp.x).toBeLessThanOrEqual(rule.max);
        for (let generation = 0; generation < 20; generation++) {
          hp = explore(hp, [rule], rng.uniform);
          expect(hp.x).toBeGreaterThanOrEqual(rule.clip[0]);
          expect(hp.x).toBeLessThanOrEqual(rule.clip[1]);
          if (rule.integer) expect(Number.isInteger(hp.x)).toBe(true);
          expect(hp.other).toBe(7);
        }
      }),
    );
  });

  it("moves categorical values to a neighbour in the list (or resamples from it)", () => {
    fc.assert(
      fc.property(categoricalRule, fc.integer(), (rule, seed) => {
        const rng = new Rng(seed);
        let hp = sampleInitial({}, [rule], rng.uniform);
        for (let generation = 0; generation < 20; generation++) {
          const before = rule.values.indexOf(hp.y!);
          hp = explore(hp, [rule], rng.uniform);
          const after = rule.values.indexOf(hp.y!);
          expect(after).toBeGreaterThanOrEqual(0);
          if (rule.resample_probability === 0 && rule.values.length > 1) expect(Math.abs(after - before)).toBe(1);
        }
      }),
    );
  });

  it("perturbs by a listed factor when not resampling", () => {
    const rule: ContinuousExploreRule = { kind: "continuous", key: "lr", integer: false, min: 1e-4, max: 1e-2, distribution: "log_uniform", perturb: [0.8, 1.2], resample_probability: 0, clip: [1e-5, 1e-1] };
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(Number((explore({ lr: 1e-3 }, [rule], rng.uniform).lr! / 1e-3).toFixed(12)));
    expect([...seen].sort()).toEqual([0.8, 1.2]);
    expect(explore({ lr: 0.09 }, [{ ...rule, perturb: [1.2] }], rng.uniform).lr).toBe(0.1); // clipped
  });

  it("rounds integer perturbations and never lets a small integer stand still", () => {
    const rule: ContinuousExploreRule = { kind: "continuous", key: "steps_per_update", integer: true, min: 1, max: 20, distribution: "uniform", perturb: [1.2], resample_probability: 0, clip: [1, 20] };
    const rng = new Rng(1);
    expect(explore({ steps_per_update: 1 }, [rule], rng.uniform).steps_per_update).toBe(2);
    expect(explore({ steps_per_update: 10 }, [rule], rng.uniform).steps_per_update).toBe(12);
    expect(explore({ steps_per_update: 20 }, [rule], rng.uniform).steps_per_update).toBe(20);
    expect(explore({ steps_per_update: 1 }, [{ ...rule, perturb: [0.8] }], rng.uniform).steps_per_update).toBe(1);
  });

  it("walks inward at the ends of a categorical list and starts from the nearest value", () => {
    const rule: CategoricalExploreRule = { kind: "categorical", key: "batch_size", values: [32, 64, 128], resample_probability: 0 };
    const rng = new Rng(9);
    for (let i = 0; i < 10; i++) {
      expect(explore({ batch_size: 32 }, [rule], rng.uniform).batch_size).toBe(64);
      expect(explore({ batch_size: 128 }, [rule], rng.uniform).batch_size).toBe(64);
      expect(explore({ batch_size: 100 }, [rule], rng.uniform).batch_size).toBe(64); // nearest is 128
    }
  });

  it("samples log-uniform ranges evenly in log space", () => {
    const rule: ContinuousExploreRule = { kind: "continuous", key: "lr", integer: false, min: 1e-5, max: 1e-1, distribution: "log_uniform", perturb: [1], resample_probability: 1, clip: [1e-5, 1e-1] };
    const rng = new Rng(42);
    const n = 4000;
    const decades = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) decades[Math.min(3, Math.floor(Math.log10(sampleInitial({}, [rule], rng.uniform).lr!) + 5))]! += 1;
    // Each of the four decades holds 1/4 of the mass; 4 standard deviations of a binomial(4000, 1/4) ≈ 110.
    for (const count of decades) expect(Math.abs(count - n / 4)).toBeLessThan(110);
  });

  it("refuses a member that lacks a searched value", () => {
    const rule: CategoricalExploreRule = { kind: "categorical", key: "batch_size", values: [32, 64], resample_probability: 0 };
    expect(() => explore({ learning_rate: 1 }, [rule], new Rng(0).uniform)).toThrow(/no value for searched hyperparameter "batch_size"/);
  });

  it("is a pure function of its inputs and the random source", () => {
    const rule: ContinuousExploreRule = { kind: "continuous", key: "tau", integer: false, min: 0.001, max: 0.05, distribution: "uniform", perturb: [0.8, 1.2], resample_probability: 0.3, clip: [0.001, 0.05] };
    const input = Object.freeze({ tau: 0.01 });
    const a = [1, 2, 3, 4, 5].map((s) => explore(input, [rule], new Rng(s).uniform));
    const b = [1, 2, 3, 4, 5].map((s) => explore(input, [rule], new Rng(s).uniform));
    expect(a).toEqual(b);
    expect(input).toEqual({ tau: 0.01 });
  });
});

describe("explore of mix_and_match_alpha (α_K ± step, clipped to [0, 1])", () => {
  const alphaRule = (over: Partial<AlphaExploreRule> = {}): AlphaExploreRule => ({ kind: "alpha_step", key: "mix_and_match_alpha", step: 0.1, range: null, resample_probability: 0, location: {}, ...over });

  it("moves by exactly ± step with equal chance and keeps the other keys", () => {
    const rng = new Rng(5);
    const n = 4000;
    let up = 0;
    for (let i = 0; i < n; i++) {
      const next = explore({ mix_and_match_alpha: 0.5, learning_rate: 3e-4 }, [alphaRule()], rng.uniform);
      expect(next.learning_rate).toBe(3e-4);
      expect([0.4, 0.6].map((v) => Math.abs(next.mix_and_match_alpha! - v) < 1e-12)).toContain(true);
      if (next.mix_and_match_alpha! > 0.5) up++;
    }
    // Binomial(4000, 1/2): 4 standard deviations ≈ 126.
    expect(Math.abs(up - n / 2)).toBeLessThan(126);
  });

  it("clips to [0, 1] at both ends and walks inside them over many generations", () => {
    const rng = new Rng(9);
    let h = { mix_and_match_alpha: 0.05 };
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const before = h.mix_and_match_alpha;
      h = explore(h, [alphaRule({ step: 0.3 })], rng.uniform) as { mix_and_match_alpha: number };
      const a = h.mix_and_match_alpha;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
      // Independent check: the step moved it by 0.3 unless a bound cut the move short.
      const moved = Math.abs(a - before);
      expect(Math.abs(moved - 0.3) < 1e-9 || a === 0 || a === 1).toBe(true);
      seen.add(a.toFixed(6));
    }
    expect(seen.has("0.000000") && seen.has("1.000000")).toBe(true);
  });

  it("starts every member at the behavior's α without a range, and inside the range with one", () => {
    const rng = new Rng(3);
    expect(sampleInitial({ mix_and_match_alpha: 0.2 }, [alphaRule()], rng.uniform)).toEqual({ mix_and_match_alpha: 0.2 });
    for (let i = 0; i < 200; i++) {
      const a = sampleInitial({ mix_and_match_alpha: 0.2 }, [alphaRule({ range: [0.1, 0.3] })], rng.uniform).mix_and_match_alpha!;
      expect(a).toBeGreaterThanOrEqual(0.1);
      expect(a).toBeLessThanOrEqual(0.3);
    }
    expect(() => sampleInitial({}, [alphaRule()], rng.uniform)).toThrow(/no initial value for "mix_and_match_alpha"/);
  });

  it("resamples from the range with its probability, and refuses a rule whose step the run did not fill", () => {
    const rng = new Rng(4);
    const next = explore({ mix_and_match_alpha: 0.9 }, [alphaRule({ range: [0, 0.05], resample_probability: 1 })], rng.uniform).mix_and_match_alpha!;
    expect(next).toBeLessThanOrEqual(0.05);
    expect(() => explore({ mix_and_match_alpha: 0.5 }, [alphaRule({ step: null })], rng.uniform)).toThrow(/has no step/);
  });
});
