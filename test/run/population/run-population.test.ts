// `pbt.metric: evaluation` end to end as child processes on builtin:basic, in both layouts (members
// owning their environments; one emulated Editor session split by agent id): every member is scored
// on separate deterministic evaluation episodes, as population.json, the log and stats.jsonl show.
// Basic starts every episode at the same place and its dynamics are deterministic, so the episodes
// of one frozen deterministic policy all return the same: a score made of training episodes
// (stochastic actions) would not.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./cli-child.js";
import { removeDir, tempDir } from "../helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const EPISODES = 3;
const yaml = [
  "behaviors:",
  "  Basic:",
  "    trainer_type: sac",
  "    hyperparameters: {learning_rate: 0.0003, batch_size: 32, buffer_size: 20000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 10.0, init_entcoef: 0.01}",
  "    network_settings: {normalize: false, hidden_units: 20, num_layers: 2}",
  "    reward_signals: {extrinsic: {gamma: 0.99, strength: 1.0}}",
  "    max_steps: 1000",
  "    time_horizon: 10",
  "    summary_freq: 500",
  "pbt:",
  "  population_size: 2",
  "  ready: 300",
  "  burn_in: 300",
  "  metric: evaluation",
  `  episodes: ${EPISODES}`,
  // A policy that never reaches a goal would hold its agent for Basic's 100 steps.
  "  evaluation_max_steps: 40",
  "  relative_margin: 0.0",
  "  significance: 1",
  "  explore:",
  "    learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-2}",
].join("\n");

interface Record {
  snapshotId: string;
  step: number;
  score: number;
  episodes: number[];
}

function setup(): { dir: string; config: string } {
  const dir = tempDir("mlagents-ts-pbt-eval-");
  dirs.push(dir);
  const config = path.join(dir, "pbt.yaml");
  writeFileSync(config, yaml);
  return { dir, config };
}

/** Every member recorded a score made of EPISODES evaluation returns, the ones its log line and stats report. */
function checkEvaluated(runDir: string, output: string): void {
  const population = JSON.parse(readFileSync(path.join(runDir, "pbt", "population.json"), "utf8"));
  const members = population.behaviors.Basic.coordinator.members as { id: number; record: Record | null }[];
  expect(members).toHaveLength(2);
  const lines = [...output.matchAll(/PBT Basic: member (\d) evaluated its snapshot of step (\d+): (\d+) deterministic episodes.*?, mean return ([-\d.e]+) \((\d+) agent steps, not training steps\)\./g)];
  for (const m of members) {
    const record = m.record!;
    expect(record, `member ${m.id} has a record`).not.toBeNull();
    expect(record.episodes).toHaveLength(EPISODES);
    // One frozen deterministic policy in a deterministic scene: identical returns.
    for (const r of record.episodes) expect(r).toBeCloseTo(record.episodes[0]!, 6);
    expect(record.score).toBeCloseTo(record.episodes[0]!, 6);
    const mine = lines.filter((l) => Number(l[1]) === m.id);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const last = mine.at(-1)!;
    expect([Number(last[2]), Number(last[3])]).toEqual([record.step, EPISODES]);
    expect(Number(last[4])).toBeCloseTo(record.score, 3);
    expect(Number(last[5])).toBeGreaterThanOrEqual(EPISODES);
    const stats = readFileSync(path.join(runDir, "Basic", `member-${m.id}`, "stats.jsonl"), "utf8");
    expect(stats).toContain('"PBT/Evaluation Return"');
  }
  expect(output).not.toContain("not supported by the run yet");
}

describe("pbt with metric: evaluation", () => {
  it("scores members that own their environments on deterministic evaluation episodes", async () => {
    const { dir, config } = setup();
    const run = cli(["pbt", config, "--run-id", "own", "--results-dir", dir, "--env", "builtin:basic", "--num-areas", "2", "--base-port", "0", "--seed", "3"]);
    const exit = await run.exited;
    expect(exit.code, run.output().slice(-3000)).toBe(0);
    checkEvaluated(path.join(dir, "own"), run.output());
  }, 300_000);

  it("scores members that share one emulated Editor session (agents split by id) the same way", async () => {
    const { dir, config } = setup();
    const run = cli(["pbt", config, "--run-id", "editor", "--results-dir", dir, "--base-port", "0", "--seed", "4"]);
    const port = Number((await run.waitFor(/Listening on port (\d+)\./, 120_000))[1]);
    const editor = cli(["emulate", "--env", "basic", "--num-areas", "4", "--port", String(port)]);
    try {
      const exit = await run.exited;
      expect(exit.code, run.output().slice(-3000)).toBe(0);
    } finally {
      if (editor.proc.exitCode === null) editor.proc.kill("SIGTERM");
      await editor.exited;
    }
    expect(run.output()).toMatch(/Basic\?team=0: 4 agents of environment 0 in 2 members: 2, 2/);
    checkEvaluated(path.join(dir, "editor"), run.output());
  }, 300_000);
});
