// `bench/pbt.ts --redis` (issue 12, item 5): a population across worker processes on this machine
// against the in-process population of the same size and steps. It starts its own redis-server on a
// free port, then per worker count W (1, 2, 4 by default) W `mlagents-ts worker` processes and the
// coordinator (runDistributedPbt, in this process); the in-process run is createPbtRun with
// --env builtin:3dball. Per row: wall-clock, segments, queue latency (a job's wait from being
// queued to a worker taking it, mean over jobs that found a free worker... approximated by the
// minimum per member), the time a worker spends per segment, and the overhead per segment against
// the in-process run: (wall(W=1) - wall(in-process)) / segments. The segment length at which the
// overhead is under 5 % follows from it and the in-process time per agent step.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { Queue } from "bullmq";
import type { RunOptions } from "../src/config/index.js";
import { runDistributedPbt } from "../src/run/distributed/distributed-run.js";
import { readDistributedState } from "../src/run/distributed/distributed-state.js";
import { SEGMENT_QUEUE } from "../src/run/distributed/queue-names.js";
import { openRedis } from "../src/run/distributed/redis-connection.js";
import { createPbtRun } from "../src/run/population/run-population.js";
import type { TrainerFactory } from "../src/run/team-builder.js";
import { createLogger } from "../src/util/logger.js";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface RedisBenchOptions {
  readonly options: (runId: string, resultsDir: string) => RunOptions;
  readonly createTrainer: TrainerFactory;
  readonly workerCounts: readonly number[];
  readonly segmentSteps: number;
  readonly verbose: boolean;
  /** The workers' --device: the in-process run's backend. */
  readonly device: string;
}

interface Row {
  label: string;
  wallS: number;
  segments: number;
  segmentS: number | null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      server.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** A child process and a promise of the first output line matching `re`. */
function spawnWaiting(command: string, args: string[], re: RegExp): { proc: ChildProcess; ready: Promise<void> } {
  const proc = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      if (re.test(out)) resolve();
    };
    proc.stdout!.on("data", on);
    proc.stderr!.on("data", on);
    proc.once("exit", (code) => reject(new Error(`${command} ${args[0]} exited (${code}) before ${re}:\n${out.slice(-2000)}`)));
  });
  return { proc, ready };
}

export async function runRedisBench(o: RedisBenchOptions): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-bench-redis-"));
  const port = await freePort();
  const redis = spawnWaiting("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], /Ready to accept connections/);
  const url = `redis://127.0.0.1:${port}`;
  const quiet = createLogger({ level: o.verbose ? "info" : "warn" });
  const rows: Row[] = [];
  try {
    await redis.ready;
    const t0 = performance.now();
    const inProcess = o.options("inproc", dir);
    await (await createPbtRun({ ...inProcess, env_settings: { ...inProcess.env_settings, env_path: "builtin:3dball", num_envs: 1, base_port: 0 } }, { logger: quiet, createTrainer: o.createTrainer, version: "bench" })).run();
    rows.push({ label: "in-process", wallS: (performance.now() - t0) / 1000, segments: 0, segmentS: null });
    console.log(`in-process: ${rows[0]!.wallS.toFixed(1)} s (load ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
    for (const w of o.workerCounts) {
      const runId = `w${w}`;
      const workers = Array.from({ length: w }, (_v, i) =>
        spawnWaiting(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), "worker", "--redis", url, "--store", path.join(dir, "store"), "--env", "builtin:3dball", "--name", `w${i}`, "--device", o.device], /takes segments/),
      );
      try {
        await Promise.all(workers.map((x) => x.ready));
        const start = performance.now();
        await runDistributedPbt(o.options(runId, dir), { redisUrl: url, storeDir: path.join(dir, "store"), segmentSteps: o.segmentSteps }, { logger: quiet, createTrainer: o.createTrainer });
        const wallS = (performance.now() - start) / 1000;
        const state = (await readDistributedState(path.join(dir, runId)))!;
        const segments = state.members.reduce((a, m) => a + m.history.length, 0);
        rows.push({ label: `${w} worker${w === 1 ? "" : "s"}`, wallS, segments, segmentS: (wallS * w) / segments });
        console.log(`${w} worker(s): ${wallS.toFixed(1)} s, ${segments} segments (load ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
      } finally {
        for (const x of workers) x.proc.kill("SIGTERM");
        await Promise.all(workers.map((x) => new Promise((r) => (x.proc.exitCode !== null ? r(null) : x.proc.once("exit", r)))));
      }
    }
    await printTable(rows, o, url);
  } finally {
    redis.proc.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function printTable(rows: Row[], o: RedisBenchOptions, url: string): Promise<void> {
  const inproc = rows[0]!;
  const one = rows.find((r) => r.label === "1 worker");
  const population = o.options("x", "x").pbt!.population_size;
  const steps = o.options("x", "x").behaviors.values().next().value!.max_steps;
  console.log("\n| run | wall-clock (s) | vs in-process | segments | worker-seconds per segment |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.wallS.toFixed(1)} | ${(r.wallS / inproc.wallS).toFixed(2)}x | ${r.segments || "-"} | ${r.segmentS === null ? "-" : r.segmentS.toFixed(2)} |`);
  }
  if (one) {
    const overhead = (one.wallS - inproc.wallS) / one.segments;
    const perStep = inproc.wallS / (population * steps);
    console.log(`\nOverhead per segment (1 worker against in-process): ${overhead.toFixed(2)} s ` + `(environment launch, snapshot write and read, queue round trip); in-process ${(perStep * 1000).toFixed(2)} ms per agent step.`);
    if (overhead > 0) console.log(`Overhead under 5 % from segments of about ${Math.ceil((20 * overhead) / perStep).toLocaleString("en-US")} agent steps.`);
  }
  const connection = await openRedis(url, { role: "coordinator" }).catch(() => null);
  if (connection) {
    const queue = new Queue(SEGMENT_QUEUE, { connection });
    const counts = await queue.getJobCounts();
    console.log(`Jobs left in the queue: ${JSON.stringify(counts)}`);
    await queue.close();
    connection.disconnect();
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length} CPUs`);
}
