import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pyFloat, pyFloatPairs } from "../../src/config/py-format.js";

describe("pyFloat", () => {
  it.each([
    [0, "0.0"],
    [4, "4.0"],
    [0.75, "0.75"],
    [-2.5, "-2.5"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [3e-4, "0.0003"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [12345678901234567890, "1.2345678901234567e+19"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1.5e-7, "1.5e-07"],
  ])("%s -> %s (Python repr)", (x, text) => {
    expect(pyFloat(x)).toBe(text);
  });

  it("reads back as the same number", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => Object.is(Number(pyFloat(x)), x)));
  });

  it("formats interval lists", () => {
    expect(pyFloatPairs([[0, 1], [2.5, 3]])).toBe("[[0.0, 1.0], [2.5, 3.0]]");
  });
});
