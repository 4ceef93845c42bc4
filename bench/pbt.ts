// Population cost (issue 10, item 7): populations of 1, 4 and 8 on builtin:3dball, each member
// training the same agent steps (max_steps) in its own environment (num_envs 1 per member).
// Size 1 is a plain `learn` run (config/3dball.yaml; pbt needs 2 members or more), the others a
// `pbt` run (config/3dball-pbt.yaml, same behavior settings) through createPbtRun. Per size:
// wall-clock of the whole run (emulator launches included), decisions/s per member, update ms per
// member (time inside the trainers' maybeUpdate), and the wall-clock ratio to the population of 1.
// Target (2 cores): a population of 8 costs at most 3x the wall-clock of one member.
// By default the PBT checks (and so exploits) are pushed past the step budget, so that every size
// does the same work; --exploit keeps the config's ready/burn_in (then exploits are timed too).
// Layouts (--layouts, each size above 1 runs in each): "own", every member its own emulator
// process; "shared", the whole population in one emulator of num_areas x N areas, its agents split
// between the members by agent id (pbt.members_per_environment: N).
// --threaded sets the trainer setting `threaded: true` in every arm, the population of 1 included
// (so the ratio compares like with like): the members' updates run in one worker thread while the
// trainer's thread steps the environments (src/trainers/sac/threaded-sac-engine.ts).
// Run: npx tsx bench/pbt.ts [--steps-per-member 20000] [--sizes 1,4,8] [--layouts own,shared] [--seed 1] [--exploit] [--threaded] [--verbose]
// --redis: the population across 1, 2, 4 worker processes against in-process (bench/pbt-redis.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { applyCliOverrides, loadRunOptions, type RunOptions } from "../src/config/index.js";
import { createPbtRun } from "../src/run/population/run-population.js";
import { runTraining, type RunTrainingDeps } from "../src/run/run-training.js";
import type { TrainerFactory } from "../src/run/team-builder.js";
import { initBackend } from "../src/trainers/backend.js";
import { SacTrainer } from "../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../src/trainers/trainer.js";
import { createLogger } from "../src/util/logger.js";
import { benchFlags } from "./support.js";

const USAGE =
  "usage: npx tsx bench/pbt.ts [--steps-per-member 20000] [--sizes 1,4,8] [--layouts own,shared] [--seed 1] [--exploit] [--threaded] [--verbose]\n" +
  "       npx tsx bench/pbt.ts --redis [--workers 1,2,4] [--population 4] [--steps-per-member 2400] [--segment-steps 600] [--seed 1] (needs redis-server on PATH)";

const flags = benchFlags(
  {
    options: {
      "steps-per-member": { type: "string", default: "20000" },
      sizes: { type: "string", default: "1,4,8" },
      layouts: { type: "string", default: "own,shared" },
      seed: { type: "string", default: "1" },
      exploit: { type: "boolean", default: false },
      threaded: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      redis: { type: "boolean", default: false },
      workers: { type: "string", default: "1,2,4" },
      population: { type: "string", default: "4" },
      "segment-steps": { type: "string", default: "" },
      help: { type: "boolean", default: false },
    },
  },
  USAGE,
);
const steps = Number(flags["steps-per-member"]);
const sizes = flags.sizes.split(",").map(Number);
const seed = Number(flags.seed);
type Layout = "own" | "shared";
const layouts = flags.layouts.split(",") as Layout[];
if (layouts.length === 0 || layouts.some((l) => l !== "own" && l !== "shared")) {
  console.error(`--layouts takes own and/or shared\n${USAGE}`);
  process.exit(2);
}
if (!Number.isInteger(steps) || steps < 1 || sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(seed) || seed < 0) {
  console.error(`--steps-per-member and --sizes need positive integers, --seed a non-negative one\n${USAGE}`);
  process.exit(2);
}
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

/**
 * CPU seconds of this process (the trainer), of its main thread alone, and of its finished children
 * (the emulators: the run has closed them and waited for their exit when it returns), from /proc;
 * null where there is no /proc. CPU time is what a busy machine distorts least: it says what the
 * run costs, wall-clock says what it waited for. The main thread is the trainer's loop; the rest of
 * the process is the update worker (--threaded) and V8's helper threads (garbage collection,
 * compilation). On 2 free cores a run needs at least max(main thread, rest, all / 2).
 */
function cpuSeconds(): { own: number; main: number; children: number } | null {
  // After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14 (clock ticks).
  const tick = 100;
  const fields = (file: string): number[] => readFileSync(file, "utf8").replace(/^.*\) /, "").split(" ").map(Number);
  try {
    const all = fields("/proc/self/stat");
    const main = fields(`/proc/self/task/${process.pid}/stat`);
    return { own: (all[11]! + all[12]!) / tick, main: (main[11]! + main[12]!) / tick, children: (all[13]! + all[14]!) / tick };
  } catch {
    return null;
  }
}

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
  /** "own" or "shared" (always "own" for the population of 1: one trainer, one emulator). */
  layout: Layout;
  wallS: number;
  totalSteps: number;
  timing: MemberTiming;
  loadAfter: string;
  /** CPU seconds of the trainer process and of the emulator processes during the run; null without /proc. */
  cpu: { trainer: number; mainThread: number; emulators: number } | null;
}

async function runSize(size: number, layout: Layout): Promise<SizeResult> {
  const resultsDir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-bench-pbt-"));
  const logger = createLogger({
    level: "info",
    sink: (level, line) => {
      if (flags.verbose || level === "warn" || level === "error") console.log(`    ${line}`);
    },
  });
  const config = size === 1 ? "config/3dball.yaml" : "config/3dball-pbt.yaml";
  let options: RunOptions = loadRunOptions(config, logger);
  options = applyCliOverrides(options, { env: "builtin:3dball", numEnvs: 1, basePort: 0, runId: `bench-pbt-${size}-${layout}`, resultsDir, seed, force: true }, logger);
  for (const b of options.behaviors.values()) {
    b.max_steps = steps;
    b.summary_freq = Math.max(1000, Math.floor(steps / 4));
    b.checkpoint_interval = 10_000_000; // checkpoints are not part of the measurement
    b.threaded = flags.threaded;
  }
  if (options.pbt !== null) {
    const pbt = { ...options.pbt, population_size: size, members_per_environment: layout === "shared" ? size : 1 };
    if (!flags.exploit) Object.assign(pbt, { ready: 2 * steps + 1000, burn_in: 2 * steps + 1000 });
    options = { ...options, pbt };
  }
  const timing = new MemberTiming();
  const createTrainer: TrainerFactory = (behaviorName, spec, settings, s, member) =>
    timing.wrap(new SacTrainer({ behaviorName, spec, settings, seed: s, logger }), member);
  const deps: RunTrainingDeps = { logger, version: "bench", createTrainer };
  const t0 = performance.now();
  timing.startMs = t0;
  const cpu0 = cpuSeconds();
  try {
    const result = size === 1 ? await runTraining(options, deps) : await (await createPbtRun(options, deps)).run();
    if (result.exitCode !== 0) throw new Error(`population of ${size}: the run exited with code ${result.exitCode}`);
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = cpuSeconds();
    const cpu = cpu0 && cpu1 ? { trainer: cpu1.own - cpu0.own, mainThread: cpu1.main - cpu0.main, emulators: cpu1.children - cpu0.children } : null;
    return { size, layout, wallS, totalSteps: result.totalSteps, timing, loadAfter: load(), cpu };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

const backend = await initBackend("auto");
console.log(`mlagents-ts population benchmark — backend ${backend.name}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log(
  `builtin:3dball, ${steps} agent steps per member, layouts ${layouts.join(", ")} (own: an emulator per member; shared: one emulator of num_areas x N), seed ${seed}, exploits ${flags.exploit ? "on (config's ready/burn_in)" : "off (ready > budget)"}, threaded: ${flags.threaded}`,
);
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
  for (const layout of size === 1 ? (["own"] as const) : layouts) {
    const r = await runSize(size, layout);
    results.push(r);
    console.log(`  population ${size} (${layout}): ${r.timing.decisions} decisions, ${r.timing.updates} updates in ${r.wallS.toFixed(1)} s; load ${r.loadAfter}`);
  }
}

function doneSpan(t: MemberTiming): string {
  const xs = [...t.doneMs.values()].map((ms) => ms / 1000);
  return xs.length ? `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}` : "-";
}

/** The least wall-clock 2 free cores need for this CPU: neither thread nor the whole can go faster. */
function floorOnTwoCores(cpu: { trainer: number; mainThread: number; emulators: number }): number {
  return Math.max(cpu.mainThread, cpu.trainer - cpu.mainThread, (cpu.trainer + cpu.emulators) / 2);
}

const one = results.find((r) => r.size === 1);
// A member's decisions/s is its step budget over the run's wall-clock (the run ends when the last
// member reaches max_steps); a member that finishes early stops stepping its own emulator (one
// sharing an emulator acts until its group is done), which the "decisions, all members" column
// shows; "members done" gives when the first and the last member reached the budget (s from the
// run's start); CPU s: the trainer process, and the emulator processes together.
console.log(
  "\n| population | emulators | wall-clock s | decisions/s per member | update ms per member | updates per member | decisions, all members | members done, first-last s | CPU s trainer (main thread + other threads) / emulators | CPU floor on 2 cores, s | wall-clock / population of 1 |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const ratio = one ? (r.wallS / one.wallS).toFixed(2) : "-";
  console.log(
    `| ${r.size} | ${r.layout === "shared" ? "1 shared" : r.size === 1 ? "1" : `${r.size} own`} | ${r.wallS.toFixed(1)} | ${(steps / r.wallS).toFixed(0)} | ${(r.timing.updateMs / r.size).toFixed(0)} | ${(r.timing.updates / r.size).toFixed(0)} | ${r.timing.decisions} | ${doneSpan(r.timing)} | ${r.cpu ? `${r.cpu.trainer.toFixed(1)} (${r.cpu.mainThread.toFixed(1)} + ${(r.cpu.trainer - r.cpu.mainThread).toFixed(1)}) / ${r.cpu.emulators.toFixed(1)}` : "-"} | ${r.cpu ? floorOnTwoCores(r.cpu).toFixed(1) : "-"} | ${ratio} |`,
  );
}
for (const eight of results.filter((r) => r.size === 8)) {
  if (!one) break;
  const ratio = eight.wallS / one.wallS;
  console.log(`target (8 members <= 3x one member's wall-clock, on 2 cores), ${eight.layout}: ${ratio <= 3 ? "met" : "NOT met"} (${ratio.toFixed(2)}x on ${cpus().length} cores)`);
  if (eight.cpu && one.cpu) console.log(`  CPU floors on 2 free cores, ${eight.layout}: ${(floorOnTwoCores(eight.cpu) / floorOnTwoCores(one.cpu)).toFixed(2)}x`);
}
console.log(`load average at end: ${load()}`);
