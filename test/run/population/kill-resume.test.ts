// Crash consistency of a population: `mlagents-ts pbt --env builtin:3dball` SIGKILLed at random
// moments after it has exploited, then --resume'd. Every resume restores each member's readiness
// clock from the population file the killed process left, the lineage log only grows (the
// events before a kill stay, the init events are written once), and the final run ends cleanly.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointStore } from "../../../src/trainers/checkpoint/checkpoint-store.js";
import type { PopulationFile } from "../../../src/run/population/population-file.js";
import { readLineageLog, type LineageEvent } from "../../../src/trainers/pbt/index.js";
import { removeDir, stackLines, tempDir } from "../helpers.js";
import { cli, shortPbtYaml } from "./cli-child.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A seeded generator, so a failing sequence of kill moments can be replayed (KILL_SEED). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
}

async function checkpointSteps(runDir: string): Promise<(number | null)[]> {
  const steps: (number | null)[] = [];
  for (let k = 0; k < 4; k++) {
    const dir = path.join(runDir, "3DBall", `member-${k}`);
    const latest = existsSync(dir) ? await new CheckpointStore({ runDir, dir, behaviorName: `3DBall-member-${k}` }).loadLatest() : null;
    steps.push(latest?.step ?? null);
  }
  return steps;
}

function clocks(runDir: string): { steps: number; lastReadyStep: number }[] {
  const file = JSON.parse(readFileSync(path.join(runDir, "pbt", "population.json"), "utf8")) as PopulationFile;
  return file.behaviors["3DBall"]!.coordinator.members.map((m) => ({ steps: m.steps, lastReadyStep: m.lastReadyStep }));
}

describe("pbt: kill -9 at random moments, then --resume", () => {
  it("restores every member's clock, keeps the lineage log, and finishes cleanly", async () => {
    const dir = tempDir("mlagents-ts-pbt-kill-");
    dirs.push(dir);
    const config = path.join(dir, "pbt.yaml");
    writeFileSync(config, shortPbtYaml({ maxSteps: 200000, checkpointInterval: 300 }));
    const runDir = path.join(dir, "k");
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 100000);
    const random = rng(seed);
    const base = ["pbt", config, "--run-id", "k", "--results-dir", dir, "--env", "builtin:3dball", "--base-port", "0", "--seed", "4"];
    let saved: { steps: number; lastReadyStep: number }[] | null = null;
    let events: LineageEvent[] = [];
    const kills = 2;
    for (let i = 0; i <= kills; i++) {
      // Each member that has a checkpoint on disk resumes from exactly it (a slow member may have none yet).
      const onDisk = await checkpointSteps(runDir);
      const child = cli([...base, ...(i > 0 ? ["--resume"] : [])]);
      let pending = 0;
      if (saved) {
        // The population comes back exactly as the killed process last wrote it.
        const resumedLine = await child.waitFor(/PBT 3DBall: resuming the population \((.*); (\d+) exploit\(s\) to finish\)\./, 120_000);
        const line = resumedLine[1]!;
        pending = Number(resumedLine[2]);
        const expected = saved.map((m, k) => `${k}: step ${m.steps}, ready at ${m.lastReadyStep + 300}`).join("; ");
        expect(line, `seed ${seed}, resume ${i}`).toBe(expected);
        await child.waitFor(/Hyperparameters for behavior name 3DBall/, 120_000);
        const resumed = [...child.output().matchAll(/Resuming training of 3DBall-member-(\d) from step (\d+)\./g)].map((m) => [Number(m[1]), Number(m[2])]);
        expect(resumed).toEqual(onDisk.flatMap((step, k) => (step === null ? [] : [[k, step]])));
        expect(resumed.length).toBeGreaterThan(0);
      }
      // Wait for a new exploit of this process, then kill it at a random moment. Exploits restored
      // as pending are applied (and printed) first, but their lineage events were written before
      // the kill, so only the exploit after them adds one.
      await child.waitFor(new RegExp(`(?:[\\s\\S]*?PBT 3DBall: member \\d .* loads member){${pending + 1}}`), 240_000);
      if (i === kills) {
        child.proc.kill("SIGINT");
        const exit = await child.exited;
        expect(exit.code, child.output().slice(-2000)).toBe(0);
        expect(stackLines(child.output().split("\n"))).toEqual([]);
      } else {
        await new Promise((r) => setTimeout(r, random() * 1500));
        child.proc.kill("SIGKILL");
        await child.exited;
      }
      // The clocks never go back; the log keeps every earlier event and grows.
      const now = clocks(runDir);
      if (saved) {
        now.forEach((m, k) => {
          expect(m.steps, `seed ${seed}, member ${k}`).toBeGreaterThanOrEqual(saved![k]!.steps);
          expect(m.lastReadyStep).toBeGreaterThanOrEqual(saved![k]!.lastReadyStep);
        });
      }
      saved = now;
      const read = (await readLineageLog(path.join(runDir, "lineage.jsonl"))).events;
      expect(read.slice(0, events.length), `seed ${seed}, run ${i}`).toEqual(events);
      expect(read.filter((e) => e.kind === "init")).toHaveLength(4);
      expect(read.length).toBeGreaterThan(events.length);
      events = read;
    }
    const final = JSON.parse(readFileSync(path.join(runDir, "pbt", "population.json"), "utf8")) as PopulationFile;
    expect(final.behaviors["3DBall"]!.pending).toEqual([]);
    expect(readFileSync(path.join(runDir, "3DBall.onnx")).length).toBeGreaterThan(0);
  }, 600_000);
});
