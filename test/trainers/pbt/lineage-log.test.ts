import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExploitDecision } from "../../../src/trainers/pbt/coordinator.js";
import { exploitEvent, failedEvent, initEvent, LineageLog, parseLineageLog, readLineageLog } from "../../../src/trainers/pbt/lineage-log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lineage-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const time = new Date("2026-12-06T17:00:00.000Z");
const decision: ExploitDecision = {
  kind: "exploit",
  reason: "selection",
  member: 2,
  step: 4000,
  source: 1,
  snapshotId: "m1-3",
  sourceStep: 3900,
  oldHyperparameters: { learning_rate: 1e-4, batch_size: 32 },
  newHyperparameters: { learning_rate: 1.2e-3, batch_size: 64 },
  scores: { member: -0.5, source: 80.25 },
  pValue: 0.001,
};

describe("lineage events", () => {
  it("have exactly the documented fields", () => {
    expect(JSON.parse(JSON.stringify(exploitEvent("3DBall", decision, time)))).toEqual({
      time: "2026-12-06T17:00:00.000Z",
      kind: "exploit",
      behavior: "3DBall",
      member: 2,
      step: 4000,
      source: 1,
      score: { member: -0.5, source: 80.25 },
      old: { learning_rate: 1e-4, batch_size: 32 },
      new: { learning_rate: 1.2e-3, batch_size: 64 },
    });
    expect(initEvent("3DBall", 0, { tau: 0.01 }, time)).toEqual({
      time: "2026-12-06T17:00:00.000Z",
      kind: "init",
      behavior: "3DBall",
      member: 0,
      step: 0,
      source: null,
      score: { member: null, source: null },
      old: null,
      new: { tau: 0.01 },
    });
    expect(failedEvent("3DBall", 3, 1200, { tau: 0.02 }, time)).toMatchObject({ kind: "failed", member: 3, step: 1200, source: null, old: null, new: { tau: 0.02 } });
  });
});

describe("LineageLog", () => {
  it("appends one line per event and reads them back", async () => {
    const path = join(dir, "lineage.jsonl");
    const log = await LineageLog.open(path);
    const events = [initEvent("3DBall", 0, { tau: 0.01 }, time), initEvent("3DBall", 1, { tau: 0.02 }, time), exploitEvent("3DBall", decision, time)];
    await Promise.all(events.map((e) => log.append(e))); // concurrent calls still land in call order
    expect((await readFile(path, "utf8")).split("\n")).toHaveLength(4);
    expect(await readLineageLog(path)).toEqual({ events, tornTail: false });
  });

  it("skips a torn last line when reading, and cuts it off before appending", async () => {
    const path = join(dir, "lineage.jsonl");
    const first = initEvent("3DBall", 0, { tau: 0.01 }, time);
    await writeFile(path, JSON.stringify(first) + "\n" + JSON.stringify(first).slice(0, 40));
    expect(await readLineageLog(path)).toEqual({ events: [first], tornTail: true });
    const log = await LineageLog.open(path);
    await log.append(exploitEvent("3DBall", decision, time));
    expect(await readLineageLog(path)).toEqual({ events: [first, exploitEvent("3DBall", decision, time)], tornTail: false });
  });

  it("names the line of a malformed event before the end", async () => {
    const path = join(dir, "lineage.jsonl");
    const good = JSON.stringify(initEvent("B", 0, { tau: 0.01 }, time));
    await writeFile(path, `${good}\n{"kind": "exploit"}\n${good}\n`);
    await expect(readLineageLog(path)).rejects.toThrow(`${path}:2: time must be a string`);
    expect(() => parseLineageLog(`${good}\nnot json\n`)).toThrow("lineage log:2: not a JSON line");
    expect(() => parseLineageLog(good.replace('"init"', '"mutate"') + "\n")).toThrow(/unknown kind "mutate"/);
    expect(parseLineageLog("")).toEqual({ events: [], tornTail: false });
  });

  it("keeps every acknowledged line when the writer is killed with SIGKILL", async () => {
    const path = join(dir, "lineage.jsonl");
    await appendFile(path, "");
    const child = spawn(process.execPath, ["--import", "tsx", "test/trainers/pbt/fixtures/lineage-writer.ts", path], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    let acknowledged = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const counts = chunk.toString().trim().split("\n");
        acknowledged = Number(counts[counts.length - 1]);
        if (acknowledged >= 30) resolve();
      });
    });
    child.kill("SIGKILL");
    await exited;
    const { events } = await readLineageLog(path);
    expect(events.length).toBeGreaterThanOrEqual(acknowledged);
    expect(events.map((e) => e.member)).toEqual(events.map((_, i) => i));
    // Reopening after the kill leaves a log that appends cleanly.
    const log = await LineageLog.open(path);
    await log.append(initEvent("3DBall", events.length, { tau: 1 }, time));
    const after = await readLineageLog(path);
    expect(after.tornTail).toBe(false);
    expect(after.events).toHaveLength(events.length + 1);
  }, 60_000);
});
