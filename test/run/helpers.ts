// Shared set-up for the run-level tests: a tiny 3DBall configuration in a temp folder, runTraining in
// editor mode on a free port with an in-memory logger, and ways to read what the run left on disk.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseRunOptions, type RunOptions } from "../../src/config/index.js";
import { runTraining, type RunResult, type RunTrainingDeps } from "../../src/run/run-training.js";
import type { DecisionSteps, TerminalSteps } from "../../src/env/index.js";
import { SacTrainer } from "../../src/trainers/sac/sac-trainer.js";
import { initBackend } from "../../src/trainers/backend.js";
import { createMemoryLogger } from "../../src/util/logger.js";

export interface TinyConfig {
  readonly checkpointInterval?: number;
  readonly summaryFreq?: number;
  readonly maxSteps?: number;
  readonly keepCheckpoints?: number;
  /** Default 20. */
  readonly stepsPerUpdate?: number;
  /** Behavior key in the YAML (default 3DBall). */
  readonly behavior?: string;
  /** Extra YAML appended at the top level (env_settings etc.). */
  readonly extraYaml?: string;
}

/** A small SAC 3DBall configuration: 16 hidden units, batch 32, frequent summaries. */
export function tinyYaml(c: TinyConfig = {}): string {
  return [
    "default_settings:",
    "  trainer_type: sac",
    `  hyperparameters: { batch_size: 32, buffer_size: 20000, steps_per_update: ${c.stepsPerUpdate ?? 20}, buffer_init_steps: 0 }`,
    "  network_settings: { hidden_units: 16, num_layers: 1, normalize: true }",
    `  keep_checkpoints: ${c.keepCheckpoints ?? 5}`,
    `  checkpoint_interval: ${c.checkpointInterval ?? 1000000}`,
    `  summary_freq: ${c.summaryFreq ?? 500}`,
    `  max_steps: ${c.maxSteps ?? 5000000}`,
    "  time_horizon: 64",
    c.extraYaml ?? "",
  ].join("\n");
}

export function tempDir(prefix = "mlagents-ts-learn-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function tinyOptions(resultsDir: string, c: TinyConfig = {}, runId = "r"): RunOptions {
  const o = parseRunOptions(tinyYaml(c));
  o.checkpoint_settings.results_dir = resultsDir;
  o.checkpoint_settings.run_id = runId;
  o.env_settings.seed = 1;
  return o;
}

let backendReady: Promise<unknown> | null = null;
/** The plain JS backend: deterministic and quick to start for tiny networks. */
export function ensureBackend(): Promise<unknown> {
  backendReady ??= initBackend("js");
  return backendReady;
}

export interface StartedRun {
  readonly port: number;
  readonly lines: string[];
  readonly done: Promise<RunResult>;
  /** The trainers the run created, by plain behavior name (the latest one per name). */
  readonly trainers: Map<string, SacTrainer>;
  /** Every trainer the run created, in order, with its team member index. */
  readonly created: { readonly behaviorName: string; readonly member: number; readonly trainer: SacTrainer }[];
  /** Total steps of the live trainers. */
  steps(): number;
  /** Ctrl+C. */
  abort(): Promise<RunResult>;
  /** Resolves once a log line matching `re` appears (counting from `from`), or rejects after `ms`. */
  waitForLine(re: RegExp, ms?: number, from?: number): Promise<string>;
}

/** runTraining in editor mode on a free port. */
export async function startRun(options: RunOptions, extra: Partial<RunTrainingDeps> = {}): Promise<StartedRun> {
  await ensureBackend();
  const logger = createMemoryLogger("debug");
  const ac = new AbortController();
  let onPort: (p: number) => void = () => undefined;
  const listening = new Promise<number>((r) => (onPort = r));
  const trainers = new Map<string, SacTrainer>();
  const created: StartedRun["created"] = [];
  const done = runTraining(options, {
    logger,
    version: "0.1.0",
    editorPort: 0,
    signal: ac.signal,
    onListening: (ports) => onPort(ports[0]!),
    createTrainer: (behaviorName, spec, settings, seed, member) => {
      const t = new SacTrainer({ behaviorName, spec, settings, seed, logger });
      trainers.set(behaviorName, t);
      created.push({ behaviorName, member, trainer: t });
      return t;
    },
    ...extra,
  });
  const port = await Promise.race([listening, done.then(() => -1)]);
  if (port < 0) throw new Error(`runTraining ended before listening:\n${logger.lines.join("\n")}`);
  return {
    port,
    lines: logger.lines,
    done,
    trainers,
    created,
    steps: () => [...trainers.values()].reduce((a, t) => a + t.stepCount, 0),
    abort: () => {
      ac.abort();
      return done;
    },
    waitForLine: (re, ms = 20_000, from = 0) => waitForLine(logger.lines, re, ms, from),
  };
}

export async function waitForLine(lines: string[], re: RegExp, ms = 20_000, from = 0): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = lines.slice(from).find((l) => re.test(l));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no log line matching ${re} within ${ms} ms; last lines:\n${lines.slice(-15).join("\n")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function until(cond: () => boolean, ms = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface StatusCheckpointJson {
  steps: number;
  file_path: string;
  auxillary_file_paths: string[];
}

export function readStatus(runDir: string): Record<string, { checkpoints?: StatusCheckpointJson[]; final_checkpoint?: StatusCheckpointJson }> {
  return JSON.parse(readFileSync(path.join(runDir, "run_logs", "training_status.json"), "utf8"));
}

/** Steps of the <behavior>-<step>.ckpt files in a behavior folder. */
export function checkpointSteps(runDir: string, behavior = "3DBall"): number[] {
  const dir = path.join(runDir, behavior);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => new RegExp(`^${behavior}-(\\d+)\\.ckpt$`).exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** A line with a stack frame ("    at foo (file:1:2)") must never reach the log. */
export function stackLines(lines: readonly string[]): string[] {
  return lines.filter((l) => /\n\s+at .+[:(]/.test(l) || /^\s+at .+\d+:\d+\)?$/.test(l));
}

/** A SAC trainer that remembers every (environment, agent id) it observed. */
export class RecordingTrainer extends SacTrainer {
  readonly seen: [number, number][] = [];
  override observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): void {
    for (const id of decision.agentId) this.seen.push([envIndex, id]);
    for (const id of terminal.agentId) this.seen.push([envIndex, id]);
    super.observe(decision, terminal, envIndex);
  }
}
