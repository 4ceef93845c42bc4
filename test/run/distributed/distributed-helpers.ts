// Shared set-up of the distributed population's process tests: a tiny 3DBall PBT configuration,
// worker and coordinator processes (`node bin/mlagents-ts.js ...`) with their output collected,
// and the coordinator's saved state read back.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll } from "vitest";
import { cli, type Child } from "../population/cli-child.js";
import type { DistributedState } from "../../../src/run/distributed/distributed-state.js";
import { removeDir, tempDir } from "../helpers.js";
import { startRedisServer, type RedisServerHandle, type RedisServerOptions } from "./redis-server.js";

/** A process test file's temporary folder, the processes it starts and its redis-server, all ended after the file. */
export interface ProcessTestFixture {
  readonly dir: string;
  /** Processes to kill -9 after the file (push each one started). */
  readonly children: Child[];
  /** The file's redis-server, started on first use. */
  redis(): Promise<RedisServerHandle>;
}

export function processTestFixture(prefix: string, redisOptions: RedisServerOptions = {}): ProcessTestFixture {
  const dir = tempDir(prefix);
  const children: Child[] = [];
  let server: Promise<RedisServerHandle> | null = null;
  afterAll(async () => {
    for (const c of children) await killed(c);
    await (await server?.catch(() => null))?.stop();
    removeDir(dir);
  });
  return { dir, children, redis: () => (server ??= startRedisServer(redisOptions)) };
}

export interface TinyPbt {
  readonly maxSteps: number;
  /** Agent steps between PBT checks (huge: no exploit). */
  readonly ready: number;
  readonly population?: number;
}

export function writeTinyPbtConfig(dir: string, o: TinyPbt): string {
  const file = path.join(dir, "tiny-pbt.yaml");
  writeFileSync(
    file,
    [
      "behaviors:",
      "  3DBall:",
      "    trainer_type: sac",
      "    hyperparameters: {learning_rate: 0.0003, batch_size: 32, buffer_size: 20000, buffer_init_steps: 0, steps_per_update: 20.0}",
      "    network_settings: {normalize: true, hidden_units: 16, num_layers: 1}",
      `    max_steps: ${o.maxSteps}`,
      "    time_horizon: 64",
      "    summary_freq: 100000",
      "pbt:",
      `  population_size: ${o.population ?? 2}`,
      `  ready: ${o.ready}`,
      "  episodes: 2",
      "  relative_margin: 0.0",
      "  significance: 1",
      "  explore:",
      "    learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-3}",
      "",
    ].join("\n"),
  );
  return file;
}

export interface WorkerSpec {
  readonly redisUrl: string;
  readonly store: string;
  readonly name: string;
  readonly env?: string;
  readonly lockMs?: number;
  /** --redis-ca: the CA of a TLS server's certificate. */
  readonly redisCa?: string;
  /** Added to the process' environment (e.g. MLAGENTS_TS_REDIS_PASSWORD). */
  readonly processEnv?: NodeJS.ProcessEnv;
}

export function startWorker(w: WorkerSpec): Child {
  const args = ["worker", "--redis", w.redisUrl, "--store", w.store, "--env", w.env ?? "builtin:3dball", "--name", w.name, "--device", "js"];
  if (w.lockMs !== undefined) args.push("--lock-ms", String(w.lockMs));
  if (w.redisCa !== undefined) args.push("--redis-ca", w.redisCa);
  return cli(args, w.processEnv);
}

export interface CoordinatorSpec {
  readonly config: string;
  readonly runId: string;
  readonly redisUrl: string;
  readonly store: string;
  readonly resultsDir: string;
  readonly segmentSteps: number;
  readonly attempts?: number;
  /** --redis-ca: the CA of a TLS server's certificate. */
  readonly redisCa?: string;
  /** Added to the process' environment (e.g. MLAGENTS_TS_REDIS_PASSWORD). */
  readonly processEnv?: NodeJS.ProcessEnv;
}

export function startCoordinator(c: CoordinatorSpec): Child {
  return cli([
    "pbt", c.config, "--run-id", c.runId, "--redis", c.redisUrl, "--store", c.store, "--results-dir", c.resultsDir,
    "--segment-steps", String(c.segmentSteps), "--attempts", String(c.attempts ?? 3), "--device", "js", "--seed", "3",
    ...(c.redisCa !== undefined ? ["--redis-ca", c.redisCa] : []),
  ], c.processEnv);
}

export function readState(resultsDir: string, runId: string): DistributedState {
  return JSON.parse(readFileSync(path.join(resultsDir, runId, "pbt", "distributed.json"), "utf8")) as DistributedState;
}

/**
 * Each member's accepted segments follow one another: numbered 0, 1, ... once each, every one
 * starting from the snapshot the previous one made (at its step counter), or after an exploit from
 * a snapshot another member's accepted segment made (at that one's counter); the member's steps
 * are the sum of its segments' steps.
 */
export function expectContiguous(state: DistributedState): void {
  const outputs = new Map<string, number>();
  for (const m of state.members) for (const h of m.history) outputs.set(h.output, h.to);
  for (const [i, m] of state.members.entries()) {
    m.history.forEach((h, k) => {
      if (h.segment !== k) throw new Error(`member ${i}: accepted segment ${h.segment} at position ${k}`);
      const prev = k === 0 ? null : m.history[k - 1]!;
      if (h.input === (prev?.output ?? null)) {
        if (h.from !== (prev?.to ?? 0)) throw new Error(`member ${i}: segment ${k} starts at ${h.from}, the previous ended at ${prev?.to ?? 0}`);
      } else {
        const at = h.input === null ? undefined : outputs.get(h.input);
        if (at === undefined) throw new Error(`member ${i}: segment ${k} started from ${h.input}, which no accepted segment made`);
        if (h.from !== at) throw new Error(`member ${i}: segment ${k} starts at ${h.from}, its exploited snapshot was made at ${at}`);
      }
    });
    const sum = m.history.reduce((a, h) => a + h.to - h.from, 0);
    if (sum !== m.steps) throw new Error(`member ${i}: ${m.steps} steps counted, the segments sum to ${sum}`);
  }
}

export async function killed(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill("SIGKILL");
  await child.exited;
}

/** `p`, or a failure naming `what` with the processes' output once `ms` passed (a deadline, not a wait). */
export async function within<T>(p: Promise<T>, ms: number, what: string, children: readonly { name: string; child: Child }[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => {
      const out = children.map(({ name, child }) => `--- ${name}:\n${child.output().slice(-2500)}`).join("\n");
      reject(new Error(`${what}: not within ${ms / 1000} s\n${out}`));
    }, ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
