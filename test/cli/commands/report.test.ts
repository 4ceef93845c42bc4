import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import { registerReport } from "../../../src/cli/commands/report.js";
import { main } from "../../../src/cli/main.js";
import { writePopulationRun } from "../../report/helpers/synthetic-run.js";

const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-report-cmd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `mlagents-ts report ...args`, capturing stdout and stderr. */
async function report(args: string[]): Promise<{ exitCode: number | undefined; out: string; err: string }> {
  let exitCode: number | undefined;
  const p = new Command("mlagents-ts").exitOverride();
  registerReport(p, (c) => (exitCode = c));
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    await p.parseAsync(["node", "mlagents-ts", "report", ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { exitCode, out: out.join(""), err: err.join("") };
}

describe("mlagents-ts report", () => {
  it("writes <run-dir>/report.html, says where, and warns about torn lines", async () => {
    const dir = path.join(root, "p");
    await writePopulationRun(dir);
    const r = await report([dir]);
    expect(r.exitCode).toBe(0);
    const file = path.join(dir, "report.html");
    expect(readFileSync(file, "utf8")).toContain("<title>Population report: p</title>");
    expect(r.out).toMatch(/^\[INFO\] Wrote .*report\.html \(1 behavior, 4 charts, \d+ bytes\)\.\n$/);
    expect(r.err.trim().split("\n")).toEqual([
      "[WARNING] lineage.jsonl:9: not complete JSON (a torn last line); skipped",
      "[WARNING] 3DBall/member-1/stats.jsonl:16: not complete JSON (a torn last line); skipped",
    ]);
  });

  it("writes to --out", async () => {
    const dir = path.join(root, "q");
    await writePopulationRun(dir);
    const out = path.join(root, "out", "q.html");
    expect((await report([dir, "--out", out])).exitCode).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(path.join(dir, "report.html"))).toBe(false);
  });

  it("fails with one clear line for a folder that is not a run", async () => {
    const missing = path.join(root, "nothing-here");
    const r = await report([missing]);
    expect(r.exitCode).toBe(1);
    expect(r.err).toBe(`[ERROR] ${missing}: no such run folder\n`);
  });

  it("is registered in the CLI", async () => {
    const out: string[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      expect(await main(["node", "mlagents-ts", "report", "--help"])).toBe(0);
    } finally {
      o.mockRestore();
    }
    expect(out.join("")).toContain("Usage: mlagents-ts report [options] <run-dir>");
  });
});
