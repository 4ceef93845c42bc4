import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonLines, readJsonLines } from "../../src/report/read-jsonl.js";

const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseJsonLines", () => {
  it("keeps complete objects and names a torn last line", () => {
    const text = '{"step":1}\n{"step":2}\n{"step":3,"Environment/Cu';
    const r = parseJsonLines(text, "stats.jsonl");
    expect(r.records).toEqual([{ step: 1 }, { step: 2 }]);
    expect(r.warnings).toEqual(["stats.jsonl:3: not complete JSON (a torn last line); skipped"]);
  });

  it("skips a bad line in the middle, non-objects and blank lines, keeping the rest", () => {
    const text = '{"a":1}\n\n{oops\n[1,2]\n42\n{"a":2}\n';
    const r = parseJsonLines(text, "f");
    expect(r.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.warnings).toEqual([
      "f:3: not complete JSON; skipped",
      "f:4: not a JSON object; skipped",
      "f:5: not a JSON object; skipped",
    ]);
  });

  it("reads an empty text as no records", () => {
    expect(parseJsonLines("", "f")).toEqual({ records: [], warnings: [] });
  });
});

describe("readJsonLines", () => {
  it("treats a missing file as empty", async () => {
    expect(await readJsonLines(path.join(dir, "absent.jsonl"), "absent.jsonl")).toEqual({ records: [], warnings: [], exists: false });
  });

  it("reads a file from disk", async () => {
    const file = path.join(dir, "x.jsonl");
    writeFileSync(file, '{"step":5}\n');
    expect(await readJsonLines(file, "x.jsonl")).toEqual({ records: [{ step: 5 }], warnings: [], exists: true });
  });

  it("reports other read errors (a folder is not a file)", async () => {
    await expect(readJsonLines(dir, "dir")).rejects.toThrow(/EISDIR/);
  });
});
