import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DotNetRandom } from "../../src/emulator/dotnet-random.js";

describe("DotNetRandom", () => {
  it("reproduces .NET's seeded System.Random first values", () => {
    // new System.Random(seed).Next() on .NET: 0 -> 1559595546, 1 -> 534011718, 42 -> 1434747710.
    const first = (seed: number): number => Math.round(new DotNetRandom(seed).nextDouble() * 0x7fffffff);
    expect(first(0)).toBe(1559595546);
    expect(first(1)).toBe(534011718);
    expect(first(42)).toBe(1434747710);
  });

  it("stays in [0, 1) and is deterministic for any int32 seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (seed) => {
        const a = new DotNetRandom(seed);
        const b = new DotNetRandom(seed);
        for (let i = 0; i < 20; i++) {
          const v = a.nextDouble();
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1);
          expect(b.nextDouble()).toBe(v);
        }
      }),
      { numRuns: 200 },
    );
  });
});
