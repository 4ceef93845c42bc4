// SAC benchmark (issue 4, item 7). Figures it does not measure (PyTorch, ML-Agents) are printed
// beside the measured ones from QUOTED (bench/sac-fixtures.ts), labelled with their source and date.
//  (a) gradient updates per second of the SAC core, 3DBall size (64x2, batch 64) and 256x2/batch 256;
//  (b) end-to-end `learn` on builtin:3dball with the shipped config/3dball.yaml: agent decisions per
//      second while learning, and the step and wall-clock time at which the mean reward first reaches
//      90 and 100 (the summary period is shortened for resolution; ML-Agents' file says 12000);
//  (c) where the time of one env step goes: the same loop with no updates, and the share of
//      observe / act / update calls in a normal run (the rest is the protocol round trip + Unity).
// Run: npx tsx bench/sac.ts [--seeds 1,2,3] [--repeats 1] [--backend auto] [--summary-freq 3000] [--max-steps 150000]
//                           [--update-seconds 3] [--skip-updates] [--skip-learn] [--skip-profile] [--verbose]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { applyCliOverrides, loadRunOptions, type RunOptions } from "../src/config/index.js";
import { runTraining } from "../src/run/run-training.js";
import { initBackend, type BackendRequest } from "../src/trainers/backend.js";
import { SacModel } from "../src/trainers/sac/sac-model.js";
import { QUOTED, randomBatch, updateSettings, vectorSpec } from "./sac-fixtures.js";
import { benchFlags, loadAverage, summaryPoints, timeCalls, timeFor, type SummaryPoint } from "./support.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../src/trainers/trainer.js";
import { createLogger, type Logger } from "../src/util/logger.js";

const USAGE =
  "usage: npx tsx bench/sac.ts [--seeds 1,2,3] [--repeats N] [--backend auto|cpu|wasm|js|tensorflow|cuda] [--config FILE]\n" +
  "       [--summary-freq 3000] [--max-steps 150000] [--profile-steps 30000] [--update-seconds 3]\n" +
  "       [--skip-updates] [--skip-learn] [--skip-profile] [--verbose]";

const flags = benchFlags(
  {
    options: {
      seeds: { type: "string", default: "1" },
      repeats: { type: "string", default: "1" },
      backend: { type: "string", default: "auto" },
      config: { type: "string", default: "config/3dball.yaml" },
      "summary-freq": { type: "string", default: "3000" },
      "max-steps": { type: "string", default: "150000" },
      "profile-steps": { type: "string", default: "30000" },
      "update-seconds": { type: "string", default: "3" },
      "skip-updates": { type: "boolean", default: false },
      "skip-learn": { type: "boolean", default: false },
      "skip-profile": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  },
  USAGE,
);
const seeds = flags.seeds.split(",").map(Number);
const summaryFreq = Number(flags["summary-freq"]);
const maxSteps = Number(flags["max-steps"]);
const load = (): string => loadAverage(" ");

// ---------- (a) updates per second ----------

/** Updates per wall-clock second, and CPU ms per update (steadier than wall time on a shared machine). */
function updatesPerSecond(hidden: number, batch: number, seconds: number): { rate: number; cpuMs: number; engine: string } {
  const model = new SacModel(vectorSpec(8, 2), updateSettings(hidden, batch), 1);
  const b = randomBatch(batch, 8, 2);
  model.updateNormalizer(b.obs, batch);
  for (let i = 0; i < 20; i++) model.update(b);
  const loop = timeFor(seconds, () => model.update(b));
  const engine = model.engine;
  model.dispose();
  return { rate: (loop.count * 1000) / loop.totalMs, cpuMs: loop.cpuMs / loop.count, engine };
}

// ---------- (b) end-to-end learn ----------

/** CPU time (user + system) of this process's direct children, from /proc (Linux); NaN elsewhere. */
function childCpuMs(): number {
  try {
    const tick = 10; // USER_HZ is 100 on Linux
    let total = 0;
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      for (const pid of readFileSync(`/proc/${process.pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        total += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime (fields 14, 15)
      }
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

/** Times the trainer calls the run loop makes; everything else in a loop turn is protocol + Unity + bookkeeping. */
class TimedTrainer {
  observeMs = 0;
  actMs = 0;
  updateMs = 0;
  updates = 0;
  envSteps = 0;
  decisions = 0;
  /** performance.now() of the first and latest observe call: the loop's own time span. */
  firstMs = Number.NaN;
  lastMs = Number.NaN;
  /** This process's CPU time (user + system, µs) at the first and latest observe. */
  firstCpuUs = 0;
  lastCpuUs = 0;
  /** CPU time of the child processes (the emulator), ms, Linux only; NaN elsewhere. */
  firstChildCpuMs = Number.NaN;
  lastChildCpuMs = Number.NaN;
  lastChildMs = Number.NaN;
  wrap(t: SacTrainer): Trainer {
    return timeCalls<Trainer>(t, ["observe", "act", "maybeUpdate"], ({ method, args, result, startMs: t0, ms }) => {
      if (method === "observe") {
        this.observeMs += ms;
        this.envSteps++;
        const cpu = process.cpuUsage();
        if (Number.isNaN(this.firstMs)) {
          this.firstMs = t0;
          this.firstCpuUs = cpu.user + cpu.system;
          this.firstChildCpuMs = childCpuMs();
        }
        if (this.envSteps % 500 === 0) this.lastChildCpuMs = childCpuMs();
        if (this.envSteps % 500 === 0) this.lastChildMs = t0;
        this.lastMs = t0;
        this.lastCpuUs = cpu.user + cpu.system;
      } else if (method === "act") {
        this.actMs += ms;
        this.decisions += (args[0] as { length: number }).length;
      } else {
        this.updateMs += ms;
        this.updates += result as number;
      }
    });
  }
}

interface LearnResult {
  seed: number;
  points: SummaryPoint[];
  wallS: number;
  steps: number;
  timing: TimedTrainer;
  first90: SummaryPoint | null;
  first100: SummaryPoint | null;
}

function quietLogger(onSummary: (line: string) => void): Logger {
  return createLogger({
    level: "info",
    sink: (level, line) => {
      if (/ Step: \d+\. Time Elapsed/.test(line)) onSummary(line);
      if (flags.verbose || level === "warn" || level === "error") console.log(`    ${line}`);
    },
  });
}

async function learnOnce(seed: number, tweak: (o: RunOptions) => void, stopAtReward: number | null, stepBudget: number): Promise<LearnResult> {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-bench-"));
  const ac = new AbortController();
  const timing = new TimedTrainer();
  const logger = quietLogger((line) => {
    const m = /Step: (\d+)\. .*Mean Reward: (-?\d+(?:\.\d+)?)/.exec(line);
    if (m && stopAtReward !== null && Number(m[2]) >= stopAtReward) ac.abort();
    if (m && Number(m[1]) >= stepBudget) ac.abort();
  });
  let options = loadRunOptions(flags.config, logger);
  options = applyCliOverrides(options, { env: "builtin:3dball", basePort: 0, runId: `bench-${seed}`, resultsDir, seed, force: true }, logger);
  tweak(options);
  const t0 = performance.now();
  try {
    const result = await runTraining(options, {
      logger,
      version: "bench",
      signal: ac.signal,
      createTrainer: (behaviorName, spec, settings, s) => timing.wrap(new SacTrainer({ behaviorName, spec, settings, seed: s, logger })),
    });
    const wallS = (performance.now() - t0) / 1000;
    const behavior = [...options.behaviors.keys()][0]!;
    const points = summaryPoints(result.runDir, behavior);
    const first = (x: number): SummaryPoint | null => points.find((p) => p.reward !== null && p.reward >= x) ?? null;
    return { seed, points, wallS, steps: result.totalSteps, timing, first90: first(90), first100: first(100) };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

function withSummaryFreq(freq: number, extra: (o: RunOptions) => void = () => undefined): (o: RunOptions) => void {
  return (o) => {
    for (const b of o.behaviors.values()) {
      b.summary_freq = freq;
      b.max_steps = Math.max(b.max_steps, maxSteps);
      b.checkpoint_interval = 10_000_000; // checkpoints are not part of the measurement
    }
    extra(o);
  };
}

/** Decisions/s between the first summary and the last one (the buffer already fills, updates run). */
function learningRate(points: SummaryPoint[]): number {
  if (points.length < 2) return Number.NaN;
  const a = points[0]!;
  const b = points[points.length - 1]!;
  return (b.step - a.step) / (b.time - a.time);
}

const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));

// ---------- main ----------

const backend = await initBackend(flags.backend as BackendRequest);
console.log(`mlagents-ts SAC benchmark — backend ${backend.name} (${backend.description}), node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log(`load average at start: ${load()}`);

if (!flags["skip-updates"]) {
  const seconds = Number(flags["update-seconds"]);
  console.log("\n(a) SAC updates per second (obs 8, act 2, continuous)");
  console.log(`| network | batch | engine | updates/s | wall ms/update | CPU ms/update | PyTorch ms/update (${QUOTED.label}) |`);
  console.log("|---|---|---|---|---|---|---|");
  for (const [hidden, batch] of [[64, 64], [256, 256]] as const) {
    const r = updatesPerSecond(hidden, batch, seconds);
    const torchMs = QUOTED.pytorchUpdateMs[`${hidden}x2/${batch}` as keyof typeof QUOTED.pytorchUpdateMs];
    console.log(`| ${hidden}x2 | ${batch} | ${r.engine} | ${r.rate.toFixed(0)} | ${(1000 / r.rate).toFixed(2)} | ${r.cpuMs.toFixed(2)} | ~${torchMs} (quoted) |`);
  }
  console.log(`(measured here; load average: ${load()}, tensors alive: ${tf.memory().numTensors})`);
  console.log(`(PyTorch column: ${QUOTED.source})`);
}

if (!flags["skip-learn"]) {
  console.log(`\n(b) learn ${flags.config} on builtin:3dball, summary_freq ${summaryFreq}, stop at mean reward 100 or step ${maxSteps}`);
  const rows: LearnResult[] = [];
  const repeats = Number(flags.repeats);
  for (const seed of seeds) {
    for (let rep = 0; rep < repeats; rep++) {
      const r = await learnOnce(seed, withSummaryFreq(summaryFreq), 100, maxSteps);
      rows.push(r);
      console.log(
        `  seed ${seed}: ${r.steps} steps in ${r.wallS.toFixed(1)} s; reward 90 at ${r.first90 ? `${r.first90.step} (${r.first90.time.toFixed(1)} s)` : "-"}, ` +
          `100 at ${r.first100 ? `${r.first100.step} (${r.first100.time.toFixed(1)} s)` : "-"}; ${r.timing.updates} updates; load ${load()}`,
      );
    }
  }
  console.log("\n| seed | decisions/s while learning | decisions/s incl. start-up | steps to 90 | s to 90 | steps to 100 | s to 100 | updates/s |");
  console.log("|---|---|---|---|---|---|---|---|");
  const row = (label: string, xs: (number | null | undefined)[][]): void => {
    const mean = (i: number): number | null => {
      const v = xs.map((x) => x[i]).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      return v.length === xs.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    console.log(`| ${label} | ${fmt(mean(0), 0)} | ${fmt(mean(1), 0)} | ${fmt(mean(2), 0)} | ${fmt(mean(3))} | ${fmt(mean(4), 0)} | ${fmt(mean(5))} | ${fmt(mean(6), 0)} |`);
  };
  const cells = rows.map((r) => [learningRate(r.points), r.steps / r.wallS, r.first90?.step, r.first90?.time, r.first100?.step, r.first100?.time, r.timing.updates / r.wallS]);
  rows.forEach((r, i) => row(String(r.seed), [cells[i]!]));
  if (rows.length > 1) row("mean", cells);
  const ml = QUOTED.mlAgents3dball;
  console.log(`| ML-Agents SAC (${QUOTED.label}) | ~${ml.decisionsPerSecond} (quoted) | | | | ~${ml.stepsTo100} (quoted) | ~${ml.secondsTo100} (quoted) | |`);
  console.log(`(ML-Agents row: ${QUOTED.source}; every other row measured by this run)`);
  console.log(`(time = the run's "Time Elapsed", counted from the trainer's start like ML-Agents', emulator launch included; a step is one agent decision)`);
}

if (!flags["skip-profile"]) {
  const steps = Number(flags["profile-steps"]);
  console.log(`\n(c) where an env step's time goes, per env step (${steps} decisions from a fresh start, seed ${seeds[0]})`);
  console.log("| run | decisions/s | env steps/s | decisions per env step | observe | act | update | rest: protocol round trip + Unity + loop | trainer process CPU busy | emulator process CPU busy |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  const profile = async (label: string, extra: (o: RunOptions) => void): Promise<void> => {
    const r = await learnOnce(seeds[0]!, withSummaryFreq(steps / 5, extra), null, steps);
    // Measured over the loop's own span (first to last observe), so start-up is left out.
    const t = r.timing;
    const spanMs = t.lastMs - t.firstMs;
    const n = t.envSteps;
    const rest = (spanMs - t.observeMs - t.actMs - t.updateMs) / n;
    const ms = (x: number): string => `${fmt(x, 3)} ms`;
    console.log(
      `| ${label} | ${fmt((t.decisions * 1000) / spanMs, 0)} | ${fmt((n * 1000) / spanMs, 0)} | ${fmt(t.decisions / n, 2)} | ${ms(t.observeMs / n)} | ${ms(t.actMs / n)} | ${ms(t.updateMs / n)} (${fmt(t.updates / n, 2)} updates) | ${ms(rest)} | ${fmt((100 * (t.lastCpuUs - t.firstCpuUs)) / 1000 / spanMs, 0)} % | ${fmt((100 * (t.lastChildCpuMs - t.firstChildCpuMs)) / (t.lastChildMs - t.firstMs), 0)} % |`,
    );
  };
  await profile("no updates (steps_per_update 1e9)", (o) => {
    for (const b of o.behaviors.values()) b.hyperparameters = { ...b.hyperparameters, steps_per_update: 1e9 } as typeof b.hyperparameters;
  });
  await profile("shipped config (steps_per_update 10)", () => undefined);
  console.log(`(load average: ${load()})`);
}
