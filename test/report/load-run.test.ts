import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ReportError } from "../../src/report/errors.js";
import { loadRun } from "../../src/report/load-run.js";
import { safeFileName } from "../../src/util/safe-name.js";
import { POPULATION_BEHAVIOR, POPULATION_EVENTS, POPULATION_SIZE, SUMMARY_STEPS, syntheticReward, writePlainRun, writePopulationRun } from "./helpers/synthetic-run.js";

const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-load-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("loadRun", () => {
  it("reads a population: members' stats in step order, the lineage, and warnings for torn lines", async () => {
    const dir = path.join(root, "pop");
    await writePopulationRun(dir);
    const run = await loadRun(dir);
    expect(run.runId).toBe("pop");
    expect(run.behaviors.map((b) => b.name)).toEqual([POPULATION_BEHAVIOR]); // run_logs/ is not a behavior
    const b = run.behaviors[0]!;
    expect(b.members.map((m) => m.index)).toEqual([0, 1, 2, 3].slice(0, POPULATION_SIZE));
    expect(b.members[2]!.stats.map((r) => r.step)).toEqual(SUMMARY_STEPS);
    expect(b.members[2]!.stats[4]!.values["Environment/Cumulative Reward"]).toBe(syntheticReward(2, SUMMARY_STEPS[4]!));
    expect(b.members[1]!.stats).toHaveLength(SUMMARY_STEPS.length); // the torn 16th line is left out
    expect(b.lineage.map((e) => [e.kind, e.member, e.step])).toEqual(POPULATION_EVENTS.map((e) => [e.kind, e.member, e.step]));
    expect(b.stats).toEqual([]);
    expect(run.warnings).toEqual([
      "lineage.jsonl:9: not complete JSON (a torn last line); skipped",
      "3DBall/member-1/stats.jsonl:16: not complete JSON (a torn last line); skipped",
    ]);
  });

  it("reads a plain run and keeps non-finite values as null", async () => {
    const dir = path.join(root, "plain");
    await writePlainRun(dir, "3DBall", [1000, 2000]);
    writeFileSync(path.join(dir, "3DBall", "stats.jsonl"), '{"step":3000,"Losses/Q1 Loss":null,"Is Training":false}\n', { flag: "a" });
    const run = await loadRun(dir);
    const b = run.behaviors[0]!;
    expect(b.members).toEqual([]);
    expect(b.lineage).toEqual([]);
    expect(b.stats.map((r) => r.step)).toEqual([1000, 2000, 3000]);
    expect(b.stats[2]!.values).toEqual({ "Losses/Q1 Loss": null }); // booleans are not chart values
    expect(run.warnings).toEqual([]);
  });

  it("matches lineage behaviors to their safe folder names and keeps behaviors that have only a lineage", async () => {
    const dir = path.join(root, "names");
    const odd = "Team/Blue?";
    mkdirSync(path.join(dir, safeFileName(odd), "member-0"), { recursive: true });
    writeFileSync(path.join(dir, safeFileName(odd), "member-0", "stats.jsonl"), '{"step":10,"Environment/Cumulative Reward":1}\n');
    const init = (behavior: string) => JSON.stringify({ time: "t", kind: "init", behavior, member: 0, step: 0, source: null, score: { member: null, source: null }, old: null, new: { lr: 1 } });
    writeFileSync(path.join(dir, "lineage.jsonl"), [init(odd), init("Walker"), '{"kind":"exploit","behavior":"Walker","member":1,"step":5}'].join("\n") + "\n");
    const run = await loadRun(dir);
    expect(run.behaviors.map((b) => [b.name, b.members.length, b.lineage.length])).toEqual([
      [odd, 1, 1],
      ["Walker", 0, 1],
    ]);
    expect(run.warnings).toEqual(['lineage.jsonl: event 3: an exploit without a "source"; skipped']);
  });

  it("refuses a folder that does not exist or holds no run, naming it", async () => {
    await expect(loadRun(path.join(root, "nope"))).rejects.toThrow(new ReportError(path.join(root, "nope"), "no such run folder"));
    const empty = path.join(root, "empty");
    mkdirSync(path.join(empty, "run_logs"), { recursive: true });
    await expect(loadRun(empty)).rejects.toThrow(/empty: no <Behavior>\/stats.jsonl and no lineage.jsonl/);
  });
});
