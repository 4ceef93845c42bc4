// The Mix & Match experiment (issue 11, README "Mix & Match curricula"): on one built-in task, four
// arms trained through the CLI (`learn` / `pbt`, child processes) for the same agent steps per
// member, several seeds each:
//   target  - the target architecture alone (plain SAC, the behavior of the -mm config without mix_and_match)
//   simple  - the simple component alone (the -mm config with α_K fixed at 0: only component 1 acts)
//   pbt     - a population over the target's hyperparameters (learning_rate)
//   mm-pbt  - Mix & Match + PBT: the same population also searching α (mix_and_match_alpha)
// Each run's mean reward per summary (populations: the best member at each summary), the steps to a
// reward thresholds, the final reward, the shipped .onnx driven alone (deterministic, `runPolicy`), and
// each Mix & Match member's α per summary are written to <out>/runs/<arm>-<seed>.json as they finish;
// `--report` (also run at the end) prints the table and writes <out>/mm-experiment.svg.
// --task names the built-in environment (basic, 3dball, hybrid, forage); --config the -mm YAML (default
// config/<task>-mm.yaml); --metric the populations' ranking (mean_reward or evaluation, both arms);
// --alpha-range the fresh members' α_K range of the mm-pbt arm. Negative thresholds: --thresholds=-1.2,0.
// Run: npx tsx bench/mm-experiment.ts --help for the flags and their defaults (USAGE below).
// --eval-every N: a checkpoint (and its .onnx) every N steps per member; after the run each one is
// driven alone, deterministic, for --episodes episodes: the target alone over training in every arm
// (for Mix & Match the target component, for populations the best member at each checkpoint).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import * as path from "node:path";
import { getBuiltinEnvironment } from "../src/emulator/environments/registry.js";
import { runAgainstEmulator } from "../test/export/helpers/emulated-run.js";
import { experimentSvg, experimentTable, type ArmRun } from "./mm-experiment-report.js";
import { benchFlags, loadAverage } from "./support.js";

const USAGE =
  "usage: npx tsx bench/mm-experiment.ts [--task basic] [--config FILE] [--seeds 1,2,3] [--arms target,simple,pbt,mm-pbt]\n" +
  "       [--max-steps 5000] [--summary-freq 500] [--population 4] [--thresholds 0.5,0.7] [--parallel 2]\n" +
  "       [--metric mean_reward] [--alpha-range 0,0.4] [--pbt-episodes 20] [--eval-every 0] [--episodes 20]\n" +
  "       [--out bench-results/mm-experiment] [--report]";

const args = benchFlags(
  {
    options: {
      task: { type: "string", default: "basic" },
      config: { type: "string" },
      seeds: { type: "string", default: "1,2,3" },
      arms: { type: "string", default: "target,simple,pbt,mm-pbt" },
      "max-steps": { type: "string", default: "5000" },
      "summary-freq": { type: "string", default: "500" },
      population: { type: "string", default: "4" },
      thresholds: { type: "string", default: "0.5,0.7" },
      metric: { type: "string", default: "mean_reward" },
      "alpha-range": { type: "string", default: "0,0.4" },
      "pbt-episodes": { type: "string", default: "20" },
      "eval-every": { type: "string", default: "0" },
      parallel: { type: "string", default: "2" },
      episodes: { type: "string", default: "20" },
      out: { type: "string", default: "bench-results/mm-experiment" },
      report: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  },
  USAGE,
);

const ROOT = path.resolve(import.meta.dirname, "..");
const task = args.task;
const maxSteps = Number(args["max-steps"]);
const summaryFreq = Number(args["summary-freq"]);
const population = Number(args.population);
const thresholds = args.thresholds.split(",").map(Number);
// The populations' ranking: the members' recent training reward (mean_reward; for Mix & Match the
// mixture's), or the snapshot alone in deterministic evaluation episodes (evaluation; for Mix &
// Match the target component). Both population arms use the same metric.
const metric = args.metric;
if (metric !== "mean_reward" && metric !== "evaluation") throw new Error(`--metric: mean_reward or evaluation, got ${metric}`);
const [alphaMin, alphaMax] = args["alpha-range"].split(",").map(Number);
const out = path.resolve(args.out);
const runsDir = path.join(out, "runs");
const behavior = getBuiltinEnvironment(task).behaviors[0]!.name;
const mmConfig = path.resolve(args.config ?? path.join(ROOT, "config", `${task}-mm.yaml`));
const evalEvery = Number(args["eval-every"]);

/**
 * The YAML without the block whose first line matches `key` (that line, and the lines below it down
 * to the next non-blank one indented as shallow or shallower).
 */
function withoutSection(text: string, key: RegExp): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => key.test(l));
  if (start < 0) return text;
  const indent = lines[start]!.search(/\S/);
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === "" || lines[end]!.search(/\S/) > indent)) end++;
  return [...lines.slice(0, start), ...lines.slice(end)].join("\n");
}

/** The -mm config with the run's budget, and the arm's changes (no mix_and_match; α fixed; a pbt: section). */
function armYaml(arm: string): string {
  const checkpoints = evalEvery > 0 ? `keep_checkpoints: ${Math.ceil(maxSteps / evalEvery) + 2}\n    checkpoint_interval: ${evalEvery}` : `keep_checkpoints: 1\n    checkpoint_interval: ${maxSteps * 10}`;
  // The config's own pbt: section goes: each population arm writes its own.
  let text = withoutSection(readFileSync(mmConfig, "utf8"), /^pbt:/)
    .replace(/max_steps: \d+/, `max_steps: ${maxSteps}`)
    .replace(/summary_freq: \d+/, `summary_freq: ${summaryFreq}`)
    .replace(/keep_checkpoints: \d+/, checkpoints);
  if (arm === "target" || arm === "pbt") text = withoutSection(text, /^\s*mix_and_match:/); // the behavior's own network alone
  if (arm === "simple") text = text.replace(/initial_alpha: \[[^\]]*\]/, "initial_alpha: [1.0, 0.0]");
  if (arm === "mm-pbt") text = text.replace(/initial_alpha: \[[^\]]*\]/, "initial_alpha: [1.0, 0.0]");
  if (!text.endsWith("\n")) text += "\n";
  if (arm === "pbt" || arm === "mm-pbt") {
    const ready = Math.max(summaryFreq, Math.round(maxSteps / 10));
    text += [
      "pbt:",
      `  population_size: ${population}`,
      `  ready: ${ready}`,
      `  burn_in: ${2 * ready}`,
      `  episodes: ${args["pbt-episodes"]}`,
      `  metric: ${metric}`,
      "  relative_margin: 0.05",
      "  significance: 0.05",
      "  explore:",
      "    learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-3}",
      ...(arm === "mm-pbt" ? [`    mix_and_match_alpha: {min: ${alphaMin}, max: ${alphaMax}}`] : []),
      "",
    ].join("\n");
  }
  return text;
}

function runCli(argv: string[], logFile: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), ...argv], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.once("exit", (code) => {
      writeFileSync(logFile, log);
      resolve(code);
    });
  });
}

interface StatsRow {
  step: number;
  [tag: string]: number | undefined;
}

function readStats(file: string): StatsRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as StatsRow);
}

async function runArm(arm: string, seed: number): Promise<void> {
  const dir = path.join(out, "work", `${arm}-${seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, `${arm}.yaml`);
  writeFileSync(config, armYaml(arm));
  const isPopulation = arm === "pbt" || arm === "mm-pbt";
  const t0 = performance.now();
  const code = await runCli(
    [isPopulation ? "pbt" : "learn", config, "--run-id", "r", "--results-dir", dir, "--env", `builtin:${task}`, "--base-port", "0", "--seed", String(seed), "--force"],
    path.join(dir, "log.txt"),
  );
  const wallS = (performance.now() - t0) / 1000;
  const runDir = path.join(dir, "r");
  const memberDirs = isPopulation ? Array.from({ length: population }, (_, i) => path.join(runDir, behavior, `member-${i}`)) : [path.join(runDir, behavior)];
  const members = memberDirs.map((d, index) => {
    const rows = readStats(path.join(d, "stats.jsonl"));
    return {
      index,
      reward: rows.filter((r) => typeof r["Environment/Cumulative Reward"] === "number").map((r) => [r.step, r["Environment/Cumulative Reward"]!] as [number, number]),
      alpha: rows.filter((r) => typeof r["Mix&Match/Alpha"] === "number").map((r) => [r.step, r["Mix&Match/Alpha"]!] as [number, number]),
    };
  });
  const targetEval = evalEvery > 0 ? await evaluateCheckpoints(memberDirs, isPopulation) : undefined;
  const onnx = path.join(runDir, `${behavior}.onnx`);
  const shipped = existsSync(onnx) ? await runAgainstEmulator(onnx, task, { episodes: Number(args.episodes) }) : null;
  const lineageFile = path.join(runDir, "lineage.jsonl");
  const exploits = existsSync(lineageFile) ? readFileSync(lineageFile, "utf8").split("\n").filter((l) => l.includes('"exploit"')).length : 0;
  const result: ArmRun = {
    arm,
    seed,
    exitCode: code,
    wallS,
    loadAverage: loadavg()[0]!, // the 1-minute figure, as a number for the JSON
    members: isPopulation ? population : 1,
    maxSteps,
    exploits,
    curves: members,
    shippedReward: shipped?.report.meanEpisodeReward ?? null,
    ...(targetEval ? { targetEval } : {}),
  };
  writeFileSync(path.join(runsDir, `${arm}-${seed}.json`), JSON.stringify(result));
  console.log(`${arm} seed ${seed}: exit ${code}, ${wallS.toFixed(0)} s, shipped .onnx alone ${result.shippedReward?.toFixed(3)}, load ${result.loadAverage.toFixed(1)}`);
}

/**
 * Every checkpoint .onnx of the run (the target alone: export writes only the target) driven
 * deterministically; per checkpoint step, the best member's mean episode reward.
 */
async function evaluateCheckpoints(memberDirs: string[], isPopulation: boolean): Promise<[number, number][]> {
  const best = new Map<number, number>();
  for (const [i, dir] of memberDirs.entries()) {
    const prefix = isPopulation ? `${behavior}-member-${i}-` : `${behavior}-`;
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(".onnx")) : [];
    for (const f of files) {
      const step = Number(f.slice(prefix.length, -".onnx".length));
      if (!Number.isInteger(step) || step > maxSteps + evalEvery) continue;
      const run = await runAgainstEmulator(path.join(dir, f), task, { episodes: Number(args.episodes) });
      const reward = run.report.meanEpisodeReward;
      if (reward === null) continue; // no episode ended
      // Checkpoints of members land at their own step counts: binned to the nearest multiple of N.
      const bin = Math.round(step / evalEvery) * evalEvery;
      best.set(bin, Math.max(best.get(bin) ?? -Infinity, reward));
    }
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]);
}

function report(): void {
  const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(path.join(runsDir, f), "utf8")) as ArmRun) : [];
  console.log(experimentTable(runs, thresholds));
  const svg = experimentSvg(runs, thresholds, `builtin:${task}`);
  writeFileSync(path.join(out, "mm-experiment.svg"), svg);
  console.log(`wrote ${path.join(out, "mm-experiment.svg")}`);
}

mkdirSync(runsDir, { recursive: true });
if (!args.report) {
  console.log(`load average at start: ${loadAverage()}`);
  const seeds = args.seeds.split(",").map(Number);
  const arms = args.arms.split(",");
  // Seed by seed, every arm: a cut-short experiment still compares the arms on the seeds it has.
  const queue = seeds.flatMap((seed) => arms.map((arm) => ({ arm, seed })));
  const workers = Array.from({ length: Number(args.parallel) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await runArm(job.arm, job.seed);
  });
  await Promise.all(workers);
  console.log(`load average at end: ${loadAverage()}`);
}
report();
