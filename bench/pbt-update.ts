// Population updates: K fast SAC engines updated separately (K update() calls) versus as one
// stacked round (src/trainers/sac/batched-fast-sac.ts), for the 3DBall network (obs 8, 2 actions,
// 64x2, batch 64) and 256x2 / batch 256, K = 1, 4, 8. Every member has its own minibatch and its
// own learning rate and tau (PBT's worst case for the stacked path: no per-member scalar is shared).
// Second table, the tape engine (src/trainers/sac/batched-tape-sac.ts: all members in one graph):
// K = 1, 4, 8 separate TapeSac updates versus one stacked update, 64x2 / batch 64 and 256x2 /
// batch 256.
// Run: npx tsx bench/pbt-update.ts   (BENCH_SECONDS per cell and mode, default 2; wasm backend;
// BENCH_ENGINES=fast,tape picks the tables)
// The two modes alternate round by round, so load from other processes hits both alike; the
// table gives medians per round. Report it with `uptime`'s load average.

import { initBackend } from "../src/trainers/backend.js";
import { StackedFastSac } from "../src/trainers/sac/batched-fast-sac.js";
import { FastSacEngine } from "../src/trainers/sac/fast-engine.js";
import { loadavg } from "node:os";
import { createSacEngine } from "../src/trainers/sac/sac-model.js";
import type { TransitionBatch } from "../src/trainers/common/transition.js";
import { populationRounds, type PopulationWay } from "./population-rounds.js";
import { randomBatch, updateSettings, vectorSpec } from "./sac-fixtures.js";

const OBS = 8;
const ACT = 2;

function engines(k: number, hidden: number, batch: number): FastSacEngine[] {
  return Array.from({ length: k }, (_, i) => {
    const e = createSacEngine(vectorSpec(OBS, ACT), updateSettings(hidden, batch), 7 + i, { engine: "fast" });
    if (!(e instanceof FastSacEngine)) throw new Error("the fast engine did not start");
    e.setHyperparameters({ learningRate: 3e-4 * (1 + 0.1 * i), tau: 0.005 * (1 + 0.1 * i) });
    return e;
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Counts every call into the wasm backend's kernels (products and elementwise) of every Gemm. */
let kernelCalls = 0;
function countKernels(e: FastSacEngine): void {
  const proto = Object.getPrototypeOf(e.core.gemm) as Record<string, unknown>;
  if (proto.__counted) return;
  proto.__counted = true;
  for (const name of ["matmul", "binary", "sigmoid", "sqrt"]) {
    const f = proto[name] as (...a: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...a: unknown[]) {
      kernelCalls++;
      return f.apply(this, a);
    };
  }
}

interface Cell {
  separate: number;
  stacked: number;
  rounds: number;
  /** Kernel calls per round. */
  callsSeparate: number;
  callsStacked: number;
}

function measure(k: number, hidden: number, batch: number, seconds: number): Cell {
  const alone = engines(k, hidden, batch);
  const pooled = engines(k, hidden, batch);
  const stack = new StackedFastSac(pooled);
  const batches: TransitionBatch[] = Array.from({ length: k }, () => randomBatch(batch, OBS, ACT));
  for (const e of [...alone, ...pooled]) e.updateNormalizer(batches[0].obs, batch);
  const items = batches.map((b, member) => ({ member, batch: b }));
  const separateRound = (): void => alone.forEach((e, i) => e.update(batches[i]));
  const stackedRound = (): void => void stack.update(items);
  countKernels(alone[0]);
  for (let i = 0; i < 5; i++) {
    separateRound();
    stackedRound();
  }
  const calls = (f: () => void): number => {
    const c0 = kernelCalls;
    f();
    return kernelCalls - c0;
  };
  const callsSeparate = calls(separateRound);
  const callsStacked = calls(stackedRound);
  const sep: number[] = [];
  const stk: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 2 * seconds * 1000 || sep.length < 5) {
    for (const [run, out] of sep.length % 2 === 0 ? ([[separateRound, sep], [stackedRound, stk]] as const) : ([[stackedRound, stk], [separateRound, sep]] as const)) {
      const t1 = performance.now();
      run();
      out.push(performance.now() - t1);
    }
  }
  stack.release();
  for (const e of [...alone, ...pooled]) e.dispose();
  return { separate: median(sep), stacked: median(stk), rounds: sep.length, callsSeparate, callsStacked };
}

/** The tape engine: K separate TapeSac updates versus one stacked update, alternating round by round. */
function measureTape(k: number, hidden: number, batch: number, seconds: number): { separate: number; stacked: number; rounds: number } {
  const ways = populationRounds(vectorSpec(OBS, ACT), updateSettings(hidden, batch), k, false);
  const [alone, stacked] = [ways.find((w) => w.label === `tape: ${k} separate`)!, ways.find((w) => w.label === `tape: ${k} stacked`)!];
  const batches: TransitionBatch[] = Array.from({ length: k }, () => randomBatch(batch, OBS, ACT));
  const sync = (w: PopulationWay) => (): void => void w.round(batches); // wasm: update() reads synchronously
  const [sepRound, stkRound] = [sync(alone), sync(stacked)];
  for (let i = 0; i < 3; i++) {
    sepRound();
    stkRound();
  }
  const sep: number[] = [];
  const stk: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 2 * seconds * 1000 || sep.length < 5) {
    for (const [run, out] of sep.length % 2 === 0 ? ([[sepRound, sep], [stkRound, stk]] as const) : ([[stkRound, stk], [sepRound, sep]] as const)) {
      const t1 = performance.now();
      run();
      out.push(performance.now() - t1);
    }
  }
  ways.forEach((w) => w.dispose());
  return { separate: median(sep), stacked: median(stk), rounds: sep.length };
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  for (const r of rows) console.log(`| ${r.map((x, j) => x.padStart(widths[j]!)).join(" | ")} |`);
}

const choice = await initBackend("wasm");
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const tables = (process.env.BENCH_ENGINES ?? "fast,tape").split(",");
const SIZES = [
  [64, 64],
  [256, 256],
] as const;
console.log(`backend: ${choice.name}; load average at start ${loadavg().map((x) => x.toFixed(2)).join(", ")}; medians per round (both modes alternate round by round)`);
if (tables.includes("fast")) {
  console.log("\nfast engine (batched-fast-sac.ts)");
  const rows: string[][] = [["network / batch", "K", "separate ms/round", "stacked ms/round", "separate ms/member", "stacked ms/member", "stacked / separate", "kernel calls/member sep -> stk", "rounds"]];
  for (const [hidden, batch] of SIZES) {
    for (const k of [1, 4, 8]) {
      const c = measure(k, hidden, batch, seconds);
      rows.push([`${hidden}x2 / ${batch}`, `${k}`, c.separate.toFixed(2), c.stacked.toFixed(2), (c.separate / k).toFixed(2), (c.stacked / k).toFixed(2), (c.stacked / c.separate).toFixed(3), `${c.callsSeparate / k} -> ${(c.callsStacked / k).toFixed(1)}`, `${c.rounds}`]);
    }
  }
  printTable(rows);
}
if (tables.includes("tape")) {
  console.log("\ntape engine (batched-tape-sac.ts: one graph for all members)");
  const rows: string[][] = [["network / batch", "K", "separate ms/round", "stacked ms/round", "separate ms/member", "stacked ms/member", "stacked / separate", "rounds"]];
  for (const [hidden, batch] of SIZES) {
    for (const k of [1, 4, 8]) {
      const c = measureTape(k, hidden, batch, seconds);
      rows.push([`${hidden}x2 / ${batch}`, `${k}`, c.separate.toFixed(2), c.stacked.toFixed(2), (c.separate / k).toFixed(2), (c.stacked / k).toFixed(2), (c.stacked / c.separate).toFixed(3), `${c.rounds}`]);
    }
  }
  printTable(rows);
}
console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
