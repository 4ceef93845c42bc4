// Population cost (issue 10, item 7): populations of 1, 4 and 8 on builtin:3dball, each member
// training the same agent steps (max_steps) in its own environment (num_envs 1 per member).
// Size 1 is a plain `learn` run (config/3dball.yaml; pbt needs 2 members or more), the others a
// `pbt` run (config/3dball-pbt.yaml, same behavior settings) through createPbtRun. Per size:
// wall-clock of the whole run (emulator launches included), decisions/s per member, update ms per
// member (time inside the trainers' maybeUpdate), and the wall-clock ratio to the population of 1.
// Target (2 cores): a population of 8 costs at most 3x the wall-clock of one member.
// By default the PBT checks (and so exploits) are pushed past the step budget, so that every size
// does the same work; --exploit keeps the config's ready/burn_in (then exploits are timed too).
// Run: npx tsx bench/pbt.ts [--steps-per-member 20000] [--sizes 1,4,8] [--seed 1] [--exploit] [--verbose]
// --redis: the population across 1, 2, 4 worker processes against in-process (bench/pbt-redis.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { applyCliOverrides, loadRunOptions, type RunOptions } from "../src/config/index.js";
import { createPbtRun } from "../src/run/population/run-population.js";
import { runTraining, type RunTrainingDeps } from "../src/run/run-training.js";
import type { TrainerFactory } from "../src/run/team-builder.js";
import { initBackend } from "../src/trainers/backend.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../src/trainers/trainer.js";
import { createLogger } from "../src/util/logger.js";

const USAGE =
  "usage: npx tsx bench/pbt.ts [--steps-per-member 20000] [--sizes 1,4,8] [--seed 1] [--exploit] [--verbose]\n" +
  "       npx tsx bench/pbt.ts --redis [--workers 1,2,4] [--population 4] [--steps-per-member 2400] [--segment-steps 600] [--seed 1] (needs redis-server on PATH)";

function parseFlags() {
  try {
    return parseArgs({
      options: {
        "steps-per-member": { type: "string", default: "20000" },
        sizes: { type: "string", default: "1,4,8" },
        seed: { type: "string", default: "1" },
        exploit: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        redis: { type: "boolean", default: false },
        workers: { type: "string", default: "1,2,4" },
        population: { type: "string", default: "4" },
        "segment-steps": { type: "string", default: "" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}
const flags = parseFlags();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const steps = Number(flags["steps-per-member"]);
const sizes = flags.sizes.split(",").map(Number);
const seed = Number(flags.seed);
if (!Number.isInteger(steps) || steps < 1 || sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(seed) || seed < 0) {
  console.error(`--steps-per-member and --sizes need positive integers, --seed a non-negative one\n${USAGE}`);
  process.exit(2);
}
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

/** Decisions and time inside maybeUpdate, summed over every member of a run. */
class MemberTiming {
  decisions = 0;
  updateMs = 0;
  updates = 0;
  /** performance.now() at the run's start, and when each member's trainer first reached the budget. */
  startMs = 0;
  doneMs = new Map<number, number>();
  wrap(t: Trainer, member: number): Trainer {
    const self = this;
    return new Proxy(t, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof v !== "function") return v;
        const f = v as (...a: unknown[]) => unknown;
        if (key === "act") {
          return (...args: unknown[]) => {
            self.decisions += (args[0] as { length: number }).length;
            const r = f.apply(target, args);
            if (!self.doneMs.has(member) && target.stepCount >= steps) self.doneMs.set(member, performance.now() - self.startMs);
            return r;
          };
        }
        if (key === "maybeUpdate") {
          return (...args: unknown[]) => {
            const t0 = performance.now();
            const r = f.apply(target, args) as number;
            self.updateMs += performance.now() - t0;
            self.updates += r;
            return r;
          };
        }
        return f.bind(target);
      },
    }) as Trainer;
  }
}

interface SizeResult {
  size: number;
  wallS: number;
  totalSteps: number;
  timing: MemberTiming;
  loadAfter: string;
}

async function runSize(size: number): Promise<SizeResult> {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-bench-pbt-"));
  const logger = createLogger({
    level: "info",
    sink: (level, line) => {
      if (flags.verbose || level === "warn" || level === "error") console.log(`    ${line}`);
    },
  });
  const config = size === 1 ? "config/3dball.yaml" : "config/3dball-pbt.yaml";
  let options: RunOptions = loadRunOptions(config, logger);
  options = applyCliOverrides(options, { env: "builtin:3dball", numEnvs: 1, basePort: 0, runId: `bench-pbt-${size}`, resultsDir, seed, force: true }, logger);
  for (const b of options.behaviors.values()) {
    b.max_steps = steps;
    b.summary_freq = Math.max(1000, Math.floor(steps / 4));
    b.checkpoint_interval = 10_000_000; // checkpoints are not part of the measurement
  }
  if (options.pbt !== null) {
    const pbt = { ...options.pbt, population_size: size };
    if (!flags.exploit) Object.assign(pbt, { ready: steps + 1, burn_in: steps + 1 });
    options = { ...options, pbt };
  }
  const timing = new MemberTiming();
  const createTrainer: TrainerFactory = (behaviorName, spec, settings, s, member) =>
    timing.wrap(new SacTrainer({ behaviorName, spec, settings, seed: s, logger }), member);
  const deps: RunTrainingDeps = { logger, version: "bench", createTrainer };
  const t0 = performance.now();
  timing.startMs = t0;
  try {
    const result = size === 1 ? await runTraining(options, deps) : await (await createPbtRun(options, deps)).run();
    if (result.exitCode !== 0) throw new Error(`population of ${size}: the run exited with code ${result.exitCode}`);
    return { size, wallS: (performance.now() - t0) / 1000, totalSteps: result.totalSteps, timing, loadAfter: load() };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

const backend = await initBackend("auto");
console.log(`mlagents-ts population benchmark — backend ${backend.name}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log(`builtin:3dball, ${steps} agent steps per member, num_envs 1 per member, seed ${seed}, exploits ${flags.exploit ? "on (config's ready/burn_in)" : "off (ready > budget)"}`);
console.log(`load average at start: ${load()}`);

if (flags.redis) {
  const population = Number(flags.population);
  const segmentSteps = flags["segment-steps"] === "" ? Math.max(1, Math.floor(steps / 4)) : Number(flags["segment-steps"]);
  const workerCounts = flags.workers.split(",").map(Number);
  const quiet = createLogger({ level: flags.verbose ? "info" : "warn" });
  const options = (runId: string, resultsDir: string): RunOptions => {
    let o: RunOptions = loadRunOptions("config/3dball-pbt.yaml", quiet);
    o = applyCliOverrides(o, { runId, resultsDir, seed, force: true }, quiet);
    for (const b of o.behaviors.values()) {
      b.max_steps = steps;
      b.checkpoint_interval = 10_000_000;
    }
    return { ...o, pbt: { ...o.pbt!, population_size: population, ...(flags.exploit ? {} : { ready: steps + 1, burn_in: steps + 1 }) } };
  };
  console.log(`--redis: population ${population}, ${steps} agent steps per member in segments of ${segmentSteps}, workers ${workerCounts.join(", ")}`);
  const { runRedisBench } = await import("./pbt-redis.js");
  const createTrainer: TrainerFactory = (behaviorName, spec, settings, s) => new SacTrainer({ behaviorName, spec, settings, seed: s, logger: quiet });
  await runRedisBench({ options, createTrainer, workerCounts, segmentSteps, verbose: flags.verbose, device: backend.name === "cpu" ? "js" : backend.name });
  process.exit(0);
}

const results: SizeResult[] = [];
for (const size of sizes) {
  const r = await runSize(size);
  results.push(r);
  console.log(`  population ${size}: ${r.timing.decisions} decisions, ${r.timing.updates} updates in ${r.wallS.toFixed(1)} s; load ${r.loadAfter}`);
}

function doneSpan(t: MemberTiming): string {
  const xs = [...t.doneMs.values()].map((ms) => ms / 1000);
  return xs.length ? `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}` : "-";
}

const one = results.find((r) => r.size === 1);
// A member's decisions/s is its step budget over the run's wall-clock (the run ends when the last
// member reaches max_steps); members that finish early keep acting (without training) until then,
// which the "decisions, all members" column counts; "members done" gives when the first and the
// last member reached the budget (s from the run's start).
console.log("\n| population | wall-clock s | decisions/s per member | update ms per member | updates per member | decisions, all members | members done, first-last s | wall-clock / population of 1 |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const ratio = one ? (r.wallS / one.wallS).toFixed(2) : "-";
  console.log(
    `| ${r.size} | ${r.wallS.toFixed(1)} | ${(steps / r.wallS).toFixed(0)} | ${(r.timing.updateMs / r.size).toFixed(0)} | ${(r.timing.updates / r.size).toFixed(0)} | ${r.timing.decisions} | ${doneSpan(r.timing)} | ${ratio} |`,
  );
}
const eight = results.find((r) => r.size === 8);
if (one && eight) {
  const ratio = eight.wallS / one.wallS;
  console.log(`target (8 members <= 3x one member's wall-clock, on 2 cores): ${ratio <= 3 ? "met" : "NOT met"} (${ratio.toFixed(2)}x on ${cpus().length} cores)`);
}
console.log(`load average at end: ${load()}`);
