import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quantiles, shouldReplace } from "../../../src/trainers/pbt/selection.js";

const member = (id: number, score: number) => ({ id, score, episodes: [score] });

describe("quantiles", () => {
  it("takes ceil(n × fraction) worst and best members, worst and best first", () => {
    const members = [member(0, 5), member(1, -2), member(2, 9), member(3, 1), member(4, 7)];
    expect(quantiles(members, 0.25)).toEqual({ bottom: [1, 3], top: [2, 4] });
    expect(quantiles(members, 0.2)).toEqual({ bottom: [1], top: [2] });
    expect(quantiles(members.slice(0, 4), 0.25)).toEqual({ bottom: [1], top: [2] });
  });

  it("never overlaps, and is empty below two members", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { maxLength: 12 }), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (scores, q) => {
        const { bottom, top } = quantiles(scores.map((s, i) => member(i, s)), q);
        expect(bottom.length).toBe(top.length);
        expect(bottom.filter((id) => top.includes(id))).toEqual([]);
        if (scores.length < 2) expect(bottom).toEqual([]);
        else expect(bottom.length).toBeGreaterThanOrEqual(1);
        for (const b of bottom) for (const t of top) expect(scores[b]!).toBeLessThanOrEqual(scores[t]!);
      }),
    );
  });
});

describe("shouldReplace", () => {
  const criteria = { relative_margin: 0.05, significance: 0.05 };

  it("replaces on a clear, significant gap", () => {
    const v = shouldReplace([1, 2, 1.5, 1.2, 1.8], [10, 11, 9.5, 10.5, 10.2], criteria);
    expect(v.replace).toBe(true);
    expect(v.pValue).toBeLessThan(1e-4);
    expect([v.memberMean, v.sourceMean]).toEqual([1.5, 10.24]);
  });

  it("keeps the member when the gap is noise (p above the level)", () => {
    const v = shouldReplace([1, 5, 2, 8, 3], [2, 9, 1, 7, 4], criteria);
    expect(v.sourceMean).toBeGreaterThan(v.memberMean * 1.05);
    expect(v.pValue).toBeGreaterThan(0.05);
    expect(v.replace).toBe(false);
  });

  it("keeps the member when the gap is significant but below the relative margin", () => {
    const member = Array.from({ length: 30 }, (_, i) => 100 + (i % 2) * 0.01);
    const source = member.map((x) => x + 2);
    const v = shouldReplace(member, source, { relative_margin: 0.05, significance: 0.05 });
    expect(v.pValue).toBeLessThan(1e-10);
    expect(v.replace).toBe(false);
    expect(shouldReplace(member, source, { relative_margin: 0.01, significance: 0.05 }).replace).toBe(true);
  });

  it("measures the margin against |member mean| for negative rewards", () => {
    const member = [-10, -10.1, -9.9];
    expect(shouldReplace(member, [-9.8, -9.7, -9.9], { relative_margin: 0.05, significance: 1 }).replace).toBe(false);
    expect(shouldReplace(member, [-9.4, -9.5, -9.3], { relative_margin: 0.05, significance: 1 }).replace).toBe(true);
  });

  it("does not replace on fewer than two episodes unless the test is off", () => {
    expect(shouldReplace([1], [10, 11], criteria)).toMatchObject({ replace: false, pValue: null });
    expect(shouldReplace([1], [10], { relative_margin: 0, significance: 1 }).replace).toBe(true);
  });
});
