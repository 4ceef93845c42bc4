// `mlagents-ts pbt` end to end as child processes: a population of 4 on builtin:3dball (exploits,
// lineage log, best member's model, report), the same population from one emulated Editor session,
// --replay of a member along its lineage, and the configurations it refuses.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withPopulation } from "../../../src/cli/commands/pbt.js";
import { parseRunOptions } from "../../../src/config/index.js";
import { readLineageLog, replaySchedule } from "../../../src/trainers/pbt/index.js";
import { cli, shortPbtYaml } from "../../run/population/cli-child.js";
import { removeDir, tempDir, tinyYaml } from "../../run/helpers.js";

const dirs: string[] = [];
const MASS = "    environment_parameters:\n      mass: {min: 0.5, max: 2.0}";
afterAll(() => dirs.forEach(removeDir));

function setup(yaml: string): { dir: string; config: string } {
  const dir = tempDir("mlagents-ts-pbt-");
  dirs.push(dir);
  const config = path.join(dir, "pbt.yaml");
  writeFileSync(config, yaml);
  return { dir, config };
}

/** What every finished population run must have left: 4 members, init and exploit events, the best member's model, the report. */
async function checkPopulationRun(runDir: string, output: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    expect(existsSync(path.join(runDir, "3DBall", `member-${i}`, "stats.jsonl")), `member ${i} stats`).toBe(true);
    expect(existsSync(path.join(runDir, "3DBall", `member-${i}`, `3DBall-member-${i}.onnx`)), `member ${i} model`).toBe(true);
  }
  const { events } = await readLineageLog(path.join(runDir, "lineage.jsonl"));
  expect(events.filter((e) => e.kind === "init").map((e) => e.member)).toEqual([0, 1, 2, 3]);
  const exploits = events.filter((e) => e.kind === "exploit");
  expect(exploits.length).toBeGreaterThanOrEqual(1);
  for (const e of exploits) {
    expect(e.source).not.toBe(e.member);
    expect(e.score.source!).toBeGreaterThan(e.score.member!);
  }
  const best = Number(/PBT 3DBall: the best member is (\d)/.exec(output)![1]);
  const bestModel = readFileSync(path.join(runDir, "3DBall", `member-${best}`, `3DBall-member-${best}.onnx`));
  expect(readFileSync(path.join(runDir, "3DBall.onnx")).equals(bestModel)).toBe(true);
  const population = JSON.parse(readFileSync(path.join(runDir, "pbt", "population.json"), "utf8"));
  expect(population.behaviors["3DBall"].coordinator.members.map((m: { steps: number }) => m.steps > 0)).toEqual([true, true, true, true]);
  expect(population.behaviors["3DBall"].pending).toEqual([]);
  expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("<html");
}

describe("mlagents-ts pbt", () => {
  it("trains a population of 4 on builtin:3dball, each member in its own environment with its own searched mass, exploits, keeps every member's model and the best one's, writes the report; --replay retrains a member on its lineage", async () => {
    const { dir, config } = setup(shortPbtYaml({ extraExplore: MASS }));
    const run = cli(["pbt", config, "--run-id", "p", "--results-dir", dir, "--env", "builtin:3dball", "--num-envs", "1", "--base-port", "0", "--seed", "5"]);
    const exit = await run.exited;
    expect(exit.code, run.output().slice(-3000)).toBe(0);
    for (let i = 0; i < 4; i++) expect(run.output()).toContain(`3DBall?team=0: 12 agents of environment ${i} for member ${i} (member = environment index div 1;`);
    expect(existsSync(path.join(dir, "p", "run_logs", "Player-3.log"))).toBe(true); // four emulators
    expect(run.output()).toMatch(/PBT 3DBall: member \d \(score [-\d.]+, step \d+\) loads member \d's snapshot of step \d+/);
    const runDir = path.join(dir, "p");
    await checkPopulationRun(runDir, run.output());

    // Replay the member with the longest lineage: its hyperparameters switch at the schedule's steps.
    const { events } = await readLineageLog(path.join(runDir, "lineage.jsonl"));
    for (const e of events) expect(e.new["environment_parameters.mass"]).toBeGreaterThanOrEqual(0.5); // searched per member
    const member = [0, 1, 2, 3].sort((a, b) => replaySchedule(events, "3DBall", b).length - replaySchedule(events, "3DBall", a).length)[0]!;
    const schedule = replaySchedule(events, "3DBall", member);
    expect(schedule.length).toBeGreaterThanOrEqual(2);
    const replay = cli(["pbt", "--replay", runDir, "--member", String(member), "--results-dir", dir, "--env", "builtin:3dball", "--base-port", "0"]);
    expect((await replay.exited).code, replay.output().slice(-3000)).toBe(0);
    expect(replay.output()).toContain(`Replay of 3DBall member ${member}: ${schedule.length} segment(s)`);
    const switches = [...replay.output().matchAll(/Replay of 3DBall: step (\d+), hyperparameters (\{.*\})\./g)];
    const reached = schedule.slice(1).filter((s) => s.fromStep <= 2400);
    expect(switches.length).toBe(reached.length);
    switches.forEach((m, k) => {
      expect(Number(m[1])).toBeGreaterThanOrEqual(reached[k]!.fromStep);
      expect(JSON.parse(m[2]!)).toEqual(reached[k]!.hyperparameters);
    });
    expect(existsSync(path.join(dir, `p-replay-member-${member}`, "3DBall.onnx"))).toBe(true);
  }, 600_000);

  it("trains a population of 4 from one emulated Editor session, the agents split between the members", async () => {
    const { dir, config } = setup(shortPbtYaml());
    const run = cli(["pbt", config, "--run-id", "e", "--results-dir", dir, "--base-port", "0", "--seed", "6"]);
    const port = Number((await run.waitFor(/Listening on port (\d+)\./, 120_000))[1]);
    const editor = cli(["emulate", "--env", "3dball", "--port", String(port)]);
    try {
      const exit = await run.exited;
      expect(exit.code, run.output().slice(-3000)).toBe(0);
    } finally {
      if (editor.proc.exitCode === null) editor.proc.kill("SIGTERM");
      await editor.exited;
    }
    expect(run.output()).toMatch(/3DBall\?team=0: 12 agents of environment 0 in 4 members: 3, 3, 3, 3/);
    await checkPopulationRun(path.join(dir, "e"), run.output());
  }, 600_000);

  it("refuses a configuration without pbt: and one that searches environment parameters in a shared environment", async () => {
    const plain = setup(tinyYaml());
    const a = cli(["pbt", plain.config, "--run-id", "x", "--results-dir", plain.dir, "--env", "builtin:3dball"]);
    expect((await a.exited).code).toBe(1);
    expect(a.output()).toContain(`${plain.config} has no pbt: section`);
    const env = setup(shortPbtYaml({ extraExplore: MASS }));
    const b = cli(["pbt", env.config, "--run-id", "y", "--results-dir", env.dir]);
    expect((await b.exited).code).toBe(1);
    expect(b.output()).toMatch(/pbt\.explore\.environment_parameters \(mass\) cannot be searched here: listening for the Editor/);
    expect(existsSync(path.join(env.dir, "y"))).toBe(false);
  }, 120_000);
});

describe("withPopulation (--population)", () => {
  it("overrides the size, and refuses one that members_per_environment does not divide", () => {
    const options = parseRunOptions(shortPbtYaml().replace("pbt:\n", "pbt:\n  members_per_environment: 2\n"));
    expect(withPopulation(options, "p.yaml", 6).pbt!.population_size).toBe(6);
    expect(() => withPopulation(options, "p.yaml", 5)).toThrow("--population 5 is not a multiple of pbt.members_per_environment (2) in p.yaml.");
  });
});
