import * as path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_SAFE_NAME_BYTES, safeFileName } from "../../src/util/safe-name.js";

function assertSafe(result: string): void {
  expect(result.length).toBeGreaterThan(0);
  expect(result).not.toMatch(/[/\\\0]/);
  expect(result).not.toBe(".");
  expect(result).not.toBe("..");
  expect(result.startsWith(".")).toBe(false);
  expect(Buffer.byteLength(result, "utf8")).toBeLessThanOrEqual(MAX_SAFE_NAME_BYTES);
  const dir = path.resolve("/tmp/results/run");
  const joined = path.join(dir, result);
  expect(path.dirname(joined)).toBe(dir);
  expect(path.relative(dir, joined)).toBe(result);
}

describe("safeFileName", () => {
  it("keeps ordinary behavior names unchanged", () => {
    for (const n of ["3DBall", "Walker", "Walker Dynamic", "Pyramids_v2", "FoodCollector-1", "Ходок"]) {
      expect(safeFileName(n)).toBe(n);
    }
  });

  it("neutralises hostile names", () => {
    for (const n of ["../../x", "a/b", "C:\\x", "a\0b", "..", ".", "", "x".repeat(1000), "CON", "nul.txt", "name.", " ", "/etc/passwd"]) {
      const r = safeFileName(n);
      assertSafe(r);
      expect(r).not.toBe(n);
    }
  });

  it("gives different names to different inputs that clean up alike", () => {
    expect(safeFileName("a/b")).not.toBe(safeFileName("a_b"));
    expect(safeFileName("a/b")).not.toBe(safeFileName("a\\b"));
    expect(safeFileName("x".repeat(500))).not.toBe(safeFileName("x".repeat(501)));
  });

  it("any string maps to one safe component inside its folder (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.fullUnicodeString({ maxLength: 200 }), fc.constantFrom("..", ".", "", "../..", "a/../..", "\0")), (name) => {
        const r = safeFileName(name);
        assertSafe(r);
        expect(safeFileName(r)).toBe(r); // safe names are fixed points
      }),
      { numRuns: 500 },
    );
  });

  it("leaves plain ASCII names alone (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/), (name) => {
        fc.pre(!/^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i.test(name));
        expect(safeFileName(name)).toBe(name);
      }),
    );
  });
});
