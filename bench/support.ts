// What the benchmarks share: the load-average figure they print, medians, timed loops, timed trainer
// calls, and the summaries a run wrote to stats.jsonl. Each bench keeps its own printing.
import { loadavg } from "node:os";
import { readStats } from "../test/support/learning-run.js";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The 1, 5 and 15 minute load averages, two decimals each, joined by `separator`. */
export function loadAverage(separator = ", "): string {
  return loadavg().map((x) => x.toFixed(2)).join(separator);
}

/** The median of `xs` (the upper one for an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

export interface TimedLoop {
  /** Calls made. */
  readonly count: number;
  /** Wall-clock ms of the whole loop, from its start to the end of the last call. */
  readonly totalMs: number;
  /** Wall-clock ms of each call, in call order. */
  readonly each: number[];
  /** CPU ms (user + system) of this process over the loop. */
  readonly cpuMs: number;
}

/** Calls `fn` again and again for `seconds` of wall-clock time, timing each call. */
export function timeFor(seconds: number, fn: () => unknown): TimedLoop {
  const each: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t1 = performance.now();
    fn();
    each.push(performance.now() - t1);
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { count: each.length, totalMs, each, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export interface TimedCall {
  readonly method: string;
  readonly args: unknown[];
  readonly result: unknown;
  /** performance.now() when the call began. */
  readonly startMs: number;
  /** Wall-clock ms the call took. */
  readonly ms: number;
}

/** `target` with each method named in `methods` timed: `onCall` runs after every such call; everything else passes through. */
export function timeCalls<T extends object>(target: T, methods: readonly string[], onCall: (call: TimedCall) => void): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const v = Reflect.get(t, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      const f = v as (...a: unknown[]) => unknown;
      if (typeof key !== "string" || !methods.includes(key)) return f.bind(t);
      return (...args: unknown[]) => {
        const startMs = performance.now();
        const result = f.apply(t, args);
        onCall({ method: key, args, result, startMs, ms: performance.now() - startMs });
        return result;
      };
    },
  });
}

// The reader the learning tests use: one copy for tests and benches.
export { readStats, type StatsRecord } from "../test/support/learning-run.js";

export interface SummaryPoint {
  step: number;
  /** The summary's "Time Elapsed", s. */
  time: number;
  /** Mean episode reward, null when no episode ended in the period. */
  reward: number | null;
}

/** Step, time and mean reward of each summary a run wrote. */
export function summaryPoints(runDir: string, behavior: string): SummaryPoint[] {
  return readStats(runDir, behavior).map((r) => ({ step: r.step!, time: r.time_elapsed!, reward: r["Environment/Cumulative Reward"] ?? null }));
}

/** The bench's flags: a bad flag prints its message and `usage` (exit 2), `--help` prints `usage` (exit 0). */
export function benchFlags<const T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>>["values"] {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed.values;
}
