// Does PBT work? (issue 10, item 8): a population on builtin:3dball from deliberately poor, spread
// initial hyperparameters (config/3dball-pbt-experiment.yaml: learning rate log-uniform in
// [1e-5, 1e-2], init_entcoef log-uniform in [0.01, 1]), trained twice per seed: with PBT, and as
// random search (the same run with exploitation disabled: ready and burn_in past the step budget,
// so no member is ever checked). Both arms of a seed draw the same initial configurations (the
// population is sampled from the seed before any check; the script compares the two lineage logs'
// init events and stops if they differ) and the same budget: population x --steps-per-member agent
// steps in all (max_steps per member; the run is stopped once the population has spent it, because
// an exploit moves a member's step count to its source's, so a PBT member may train more or fewer
// of its own steps than max_steps).
//
// Measured per run, watching every member's trainer: the population's agent steps (each member's own
// decisions while it trains) and the wall-clock when the best member's mean of its last --window
// finished episodes first reaches --target; the final population mean (the mean over members of that
// same window at the end); the exploits (lineage log). Prints a markdown table, writes the curves to
// a JSON file and an SVG plot (bench/pbt-experiment-plot.ts).
// Run: npx tsx bench/pbt-experiment.ts [--seeds 1,2,3] [--population 8] [--steps-per-member 60000]
//        [--ready 4000] [--burn-in 8000] [--arms pbt,random] [--json F] [--svg F] [--from-json F]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { applyCliOverrides, loadRunOptions, type RunOptions } from "../src/config/index.js";
import { LINEAGE_FILE } from "../src/run/population/pbt-driver.js";
import { createPbtRun } from "../src/run/population/run-population.js";
import type { RunTrainingDeps } from "../src/run/run-training.js";
import type { TrainerFactory } from "../src/run/team-builder.js";
import { initBackend } from "../src/trainers/backend.js";
import { readLineageLog } from "../src/trainers/pbt/index.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import { createLogger } from "../src/util/logger.js";
import { benchFlags } from "./support.js";
import { experimentSvg, type PlotRun } from "./pbt-experiment-plot.js";
import { PopulationWatch, type RunFigures } from "./pbt-experiment-watch.js";

const USAGE =
  "usage: npx tsx bench/pbt-experiment.ts [--seeds 1,2,3] [--population 8] [--steps-per-member 60000] [--ready 4000] [--burn-in 8000]\n" +
  "  [--target 95] [--window 12] [--arms pbt,random] [--config config/3dball-pbt-experiment.yaml] [--json docs/img/pbt-experiment.json]\n" +
  "  [--also 10,50 (lower thresholds, from the curves)] [--svg docs/img/pbt-experiment.svg] [--from-json FILE (table and plot from an earlier run, no training)] [--verbose]";

const flags = benchFlags(
  {
    options: {
      seeds: { type: "string", default: "1,2,3" },
      population: { type: "string", default: "8" },
      "steps-per-member": { type: "string", default: "60000" },
      ready: { type: "string", default: "4000" },
      "burn-in": { type: "string" },
      target: { type: "string", default: "95" },
      window: { type: "string", default: "12" },
      arms: { type: "string", default: "pbt,random" },
      config: { type: "string", default: "config/3dball-pbt-experiment.yaml" },
      json: { type: "string", default: "docs/img/pbt-experiment.json" },
      svg: { type: "string", default: "docs/img/pbt-experiment.svg" },
      also: { type: "string", default: "" },
      "from-json": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  },
  USAGE,
);
const positive = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} needs a positive integer, got ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const seeds = flags.seeds.split(",").map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--seeds needs non-negative integers, got ${s}\n${USAGE}`);
    process.exit(2);
  }
  return n;
});
const population = positive("population", flags.population);
const steps = positive("steps-per-member", flags["steps-per-member"]);
const ready = positive("ready", flags.ready);
const burnIn = flags["burn-in"] === undefined ? 2 * ready : positive("burn-in", flags["burn-in"]);
const target = Number(flags.target);
const window = positive("window", flags.window);
const arms = flags.arms.split(",").map((a) => {
  if (a !== "pbt" && a !== "random") {
    console.error(`--arms takes pbt and/or random, got ${a}\n${USAGE}`);
    process.exit(2);
  }
  return a;
});
if (population < 2 || !Number.isFinite(target)) {
  console.error(`--population needs at least 2 members, --target a number\n${USAGE}`);
  process.exit(2);
}

// Lower thresholds, read off the stored curves (for budgets too small to reach --target).
const lower = flags.also === "" ? [] : flags.also.split(",").map(Number);
if (lower.some((t) => !Number.isFinite(t))) {
  console.error(`--also takes comma-separated numbers, got ${flags.also}\n${USAGE}`);
  process.exit(2);
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

interface ExperimentFile {
  date: string;
  machine: string;
  settings: { config: string; population: number; stepsPerMember: number; ready: number; burnIn: number; target: number; window: number };
  runs: RunFigures[];
}

async function runArm(seed: number, arm: "pbt" | "random"): Promise<RunFigures> {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-pbt-experiment-"));
  const logger = createLogger({
    level: "info",
    sink: (level, line) => {
      if (flags.verbose || level === "warn" || level === "error" || (arm === "pbt" && line.includes("loads member"))) console.log(`    ${line}`);
    },
  });
  let options: RunOptions = loadRunOptions(flags.config, logger);
  options = applyCliOverrides(options, { env: "builtin:3dball", numEnvs: 1, basePort: 0, runId: `pbt-experiment-${arm}-${seed}`, resultsDir, seed, force: true }, logger);
  if (options.pbt === null) throw new Error(`${flags.config} has no pbt: section`);
  for (const b of options.behaviors.values()) {
    b.max_steps = steps;
    b.summary_freq = Math.max(1000, Math.floor(steps / 4));
    b.checkpoint_interval = 10_000_000; // checkpoints are not part of the experiment
  }
  // Random search: the same population, never checked, so never exploited.
  const noCheck = steps + 1;
  options = {
    ...options,
    pbt: { ...options.pbt, population_size: population, ready: arm === "pbt" ? ready : noCheck, burn_in: arm === "pbt" ? burnIn : noCheck },
  };
  const budget = new AbortController(); // the population's total agent steps are spent: stop the run
  const watch = new PopulationWatch(population, steps, window, target, () => budget.abort());
  const createTrainer: TrainerFactory = (behaviorName, spec, settings, s, member) =>
    watch.wrap(new SacTrainer({ behaviorName, spec, settings, seed: s, logger }), member);
  const deps: RunTrainingDeps = { logger, version: "pbt-experiment", createTrainer, signal: budget.signal };
  const loadStart = load();
  try {
    const run = await createPbtRun(options, deps);
    watch.start();
    const result = await run.run();
    if (result.exitCode !== 0) throw new Error(`seed ${seed}, ${arm}: the run exited with code ${result.exitCode}`);
    const { events } = await readLineageLog(path.join(result.runDir, LINEAGE_FILE));
    return watch.figures(seed, arm, events, { start: loadStart, end: load() });
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

function fmt(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function meanSd(xs: readonly (number | null)[], digits: number): string {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return "-";
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  const reached = v.length < xs.length ? ` (${v.length} of ${xs.length})` : "";
  return `${fmt(m, digits)} ± ${fmt(sd, digits)}${reached}`;
}

/** Steps per member and seconds of the first curve point whose best member is at least `threshold` (curve resolution). */
function firstOnCurve(r: RunFigures, threshold: number): { steps: number; seconds: number } | null {
  const p = r.curve.find((q) => q.best !== null && q.best >= threshold);
  return p ? { steps: p.stepsPerMember, seconds: p.seconds } : null;
}

function printTable(file: ExperimentFile): void {
  const s = file.settings;
  console.log(`\npopulation ${s.population}, ${s.stepsPerMember} agent steps per member, ready ${s.ready}, burn_in ${s.burnIn}; target: best member's mean of its last ${s.window} episodes >= ${s.target}`);
  const also = lower.map((t) => ` steps per member to ${t} |`).join("");
  console.log(`\n| seed | arm | steps per member to ${s.target} | wall-clock s to ${s.target} |${also} final population mean | final best member | exploits | agent steps, all members | wall-clock s | load start / end |`);
  console.log(`|---|---|---|---|${lower.map(() => "---|").join("")}---|---|---|---|---|---|`);
  for (const r of file.runs) {
    const cells = lower.map((t) => ` ${fmt(firstOnCurve(r, t)?.steps)} |`).join("");
    console.log(
      `| ${r.seed} | ${r.arm} | ${fmt(r.reached ? r.reached.stepsPerMember : null)} | ${fmt(r.reached?.seconds, 1)} |${cells} ${fmt(r.finalMean, 1)} | ${fmt(r.finalBest, 1)} | ${r.exploits} | ${fmt(r.totalSteps)} | ${fmt(r.wallS, 1)} | ${r.load.start.split(" ")[0]} / ${r.load.end.split(" ")[0]} |`,
    );
  }
  for (const arm of ["pbt", "random"] as const) {
    const rs = file.runs.filter((r) => r.arm === arm);
    if (rs.length === 0) continue;
    const cells = lower.map((t) => ` ${meanSd(rs.map((r) => firstOnCurve(r, t)?.steps ?? null), 0)} |`).join("");
    console.log(
      `| mean ± sd | ${arm} | ${meanSd(rs.map((r) => r.reached?.stepsPerMember ?? null), 0)} | ${meanSd(rs.map((r) => r.reached?.seconds ?? null), 1)} |${cells} ${meanSd(rs.map((r) => r.finalMean), 1)} | ${meanSd(rs.map((r) => r.finalBest), 1)} | ${meanSd(rs.map((r) => r.exploits), 1)} | ${meanSd(rs.map((r) => r.totalSteps), 0)} | ${meanSd(rs.map((r) => r.wallS), 1)} | |`,
    );
  }
  console.log("\ninitial configurations (the same in both arms of a seed):");
  for (const r of file.runs.filter((x) => x.arm === file.runs[0]!.arm)) {
    const cfg = r.initial.map((h, i) => `${i}: ${Object.entries(h).map(([k, v]) => `${k} ${Number(v.toPrecision(2))}`).join(", ")}`).join("; ");
    console.log(`  seed ${r.seed}: ${cfg}`);
  }
}

function writeOutputs(file: ExperimentFile, quiet = false): void {
  for (const f of [flags.json, flags.svg]) mkdirSync(path.dirname(f), { recursive: true });
  if (flags["from-json"] === undefined) writeFileSync(flags.json, JSON.stringify(file, null, 1) + "\n");
  const plotRuns: PlotRun[] = file.runs.map((r) => ({ seed: r.seed, arm: r.arm, curve: r.curve }));
  const s = file.settings;
  const title = `3DBall, population ${s.population} from poor initial hyperparameters: best member's mean of last ${s.window} episodes`;
  writeFileSync(flags.svg, experimentSvg(plotRuns, s.target, title));
  if (!quiet) console.log(`\ncurves: ${flags["from-json"] === undefined ? flags.json : `${flags["from-json"]} (read)`}; plot: ${flags.svg}`);
}

if (flags["from-json"] !== undefined) {
  const file = JSON.parse(readFileSync(flags["from-json"], "utf8")) as ExperimentFile;
  printTable(file);
  writeOutputs(file);
} else {
  const backend = await initBackend("auto");
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}, backend ${backend.name}`;
  console.log(`mlagents-ts PBT experiment: ${machine}`);
  console.log(`${flags.config} on builtin:3dball, population ${population}, ${steps} agent steps per member, seeds ${seeds.join(",")}, arms ${arms.join(",")}`);
  console.log(`load average at start: ${load()}`);
  const file: ExperimentFile = {
    date: new Date().toISOString(),
    machine,
    settings: { config: flags.config, population, stepsPerMember: steps, ready, burnIn, target, window },
    runs: [],
  };
  for (const seed of seeds) {
    let initial: string | null = null;
    for (const arm of arms) {
      const r = await runArm(seed, arm);
      const mine = JSON.stringify(r.initial);
      if (initial !== null && initial !== mine) throw new Error(`seed ${seed}: the arms drew different initial configurations:\n${initial}\n${mine}`);
      initial = mine;
      file.runs.push(r);
      writeOutputs(file, true); // after every run: an interrupted experiment keeps what it measured
      console.log(
        `  seed ${seed} ${arm}: ${target} at ${r.reached ? `${fmt(r.reached.stepsPerMember)} steps per member (member ${r.reached.member}), ${fmt(r.reached.seconds, 1)} s` : "never"}; ` +
          `final mean ${fmt(r.finalMean, 1)}, best ${fmt(r.finalBest, 1)}; ${r.exploits} exploits; ${fmt(r.totalSteps)} steps in ${fmt(r.wallS, 1)} s; load ${r.load.end}`,
      );
    }
  }
  printTable(file);
  writeOutputs(file);
  console.log(`load average at end: ${load()}`);
}
