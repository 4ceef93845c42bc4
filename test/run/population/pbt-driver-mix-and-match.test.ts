// `mlagents-ts pbt` on a Mix & Match behavior (config/basic-mm-pbt.yaml, shortened): the population
// searches α (mix_and_match_alpha), each exploit moves the copied α by exactly ± the behavior's
// alpha_step (clipped to [0, 1]), the members' trainers act with it (their stats report it), and the
// target's .onnx is shipped. A behavior without mix_and_match that Unity announces later is refused
// with the rule's file:line, ending the run at once.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLineageLog, type LineageEvent } from "../../../src/trainers/pbt/index.js";
import { removeDir, tempDir } from "../helpers.js";
import { cli } from "./cli-child.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const STEP = 0.2;

function setup(yaml: string): { dir: string; config: string } {
  const dir = tempDir("mlagents-ts-pbt-mm-");
  dirs.push(dir);
  const config = path.join(dir, "basic-mm-pbt.yaml");
  writeFileSync(config, yaml);
  return { dir, config };
}

/** config/basic-mm-pbt.yaml with a short budget and a selection that copies any better member. */
function shortMmPbtYaml(): string {
  return readFileSync("config/basic-mm-pbt.yaml", "utf8")
    .replace(/max_steps: \d+/, "max_steps: 900")
    .replace(/summary_freq: \d+/, "summary_freq: 150")
    .replace(/ready: \d+/, "ready: 150")
    .replace(/burn_in: \d+/, "burn_in: 150")
    .replace(/episodes: \d+/, "episodes: 5")
    .replace(/relative_margin: [\d.]+/, "relative_margin: 0.0")
    .replace(/significance: [\d.]+/, "significance: 1")
    .replace(/alpha_step: [\d.]+/, `alpha_step: ${STEP}`);
}

/** The source's α when the exploit copied it: its latest event before this one in the log. */
function sourceAlpha(events: readonly LineageEvent[], at: number): number {
  const e = events[at]!;
  const before = events.slice(0, at).filter((x) => x.member === e.source && x.kind !== "failed");
  return before.at(-1)!.new.mix_and_match_alpha!;
}

describe("pbt with mix_and_match_alpha searched", () => {
  it("moves each exploited member's α by ± alpha_step from its source's, and the trainers act with it", async () => {
    const { dir, config } = setup(shortMmPbtYaml());
    const run = cli(["pbt", config, "--run-id", "mm", "--results-dir", dir, "--env", "builtin:basic", "--base-port", "0", "--seed", "4"]);
    const exit = await run.exited;
    expect(exit.code, run.output().slice(-3000)).toBe(0);
    const runDir = path.join(dir, "mm");
    const { events } = await readLineageLog(path.join(runDir, "lineage.jsonl"));
    const inits = events.filter((e) => e.kind === "init");
    expect(inits).toHaveLength(4);
    for (const e of inits) {
      expect(e.new.mix_and_match_alpha).toBeGreaterThanOrEqual(0);
      expect(e.new.mix_and_match_alpha).toBeLessThanOrEqual(0.4);
    }
    const exploits = events.map((e, i) => [e, i] as const).filter(([e]) => e.kind === "exploit");
    expect(exploits.length).toBeGreaterThanOrEqual(1);
    for (const [e, i] of exploits) {
      const from = sourceAlpha(events, i);
      const moved = [from - STEP, from + STEP].map((a) => Math.min(1, Math.max(0, a)));
      expect(moved.some((a) => Math.abs(a - e.new.mix_and_match_alpha!) < 1e-9), `α ${e.new.mix_and_match_alpha} from ${from}`).toBe(true);
    }
    // α changed in the lineage for at least one member, and the trainers act with the lineage's α:
    // every α a member's stats report is one its lineage gave it (init or an exploit), and at least
    // one changed α is reported (an exploit late in the run may be followed by no summary).
    const changed = exploits.map(([e]) => e).filter((e) => e.new.mix_and_match_alpha !== e.old!.mix_and_match_alpha);
    expect(changed.length).toBeGreaterThanOrEqual(1);
    const key = (a: number): number => Number(a.toFixed(9));
    const reported = new Set<number>();
    for (let m = 0; m < 4; m++) {
      const given = new Set(events.filter((e) => e.member === m && e.kind !== "failed").map((e) => key(e.new.mix_and_match_alpha!)));
      const rows = readFileSync(path.join(runDir, "Basic", `member-${m}`, "stats.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
      for (const r of rows) {
        if (typeof r["Mix&Match/Alpha"] !== "number") continue;
        const a = key(r["Mix&Match/Alpha"]);
        expect(given.has(a), `member ${m} reported α ${a}, not one of its lineage's ${[...given].join(", ")}`).toBe(true);
        reported.add(a);
      }
    }
    expect(changed.some((e) => reported.has(key(e.new.mix_and_match_alpha!))), "no changed α in any member's stats").toBe(true);
    expect(existsSync(path.join(runDir, "Basic.onnx"))).toBe(true);
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("Mix &amp; Match α per member");
  }, 600_000);

  it("refuses α for a behavior without mix_and_match at trainer creation, with the rule's file:line, at once", async () => {
    const yaml = [
      "default_settings:",
      "  trainer_type: sac",
      "  max_steps: 1000",
      "pbt:",
      "  population_size: 2",
      "  ready: 100",
      "  explore:",
      "    mix_and_match_alpha: {}",
      "",
    ].join("\n");
    const { dir, config } = setup(yaml);
    const run = cli(["pbt", config, "--run-id", "x", "--results-dir", dir, "--env", "builtin:basic", "--base-port", "0"]);
    expect((await run.exited).code).toBe(1);
    const errors = run.output().split("\n").filter((l) => l.startsWith("[ERROR]"));
    expect(errors).toEqual([
      `[ERROR] ${config}:8: pbt.explore.mix_and_match_alpha: behavior Basic has no mix_and_match section, so it has no α to search (add one under behaviors.Basic, or remove this key)`,
    ]);
    expect(run.output()).not.toContain("Restarting worker");
  }, 120_000);
});
