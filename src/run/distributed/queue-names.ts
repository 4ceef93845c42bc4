// Where a distributed population lives in Redis: one BullMQ queue of segment jobs for every run,
// and per run two small keys: its configuration (YAML, what workers build trainers from) and its
// status (what `pbt --status` prints). Only hashes and small data go into Redis; snapshots live in
// the content store.
import * as path from "node:path";
import { safeFileName } from "../../util/safe-name.js";

export const SEGMENT_QUEUE = "mlagents-ts-segments";

/** The run's configuration YAML (runOptionsToYaml), written by the coordinator. */
export function runConfigKey(runId: string): string {
  return `mlagents-ts:run:${runId}:config`;
}

/** The run's status JSON (members, workers, steps, scores), written by the coordinator. */
export function runStatusKey(runId: string): string {
  return `mlagents-ts:run:${runId}:status`;
}

/** A run's snapshots in the shared store: one folder per run, so one run's garbage collection never touches another's. */
export function runStoreDir(storeRoot: string, runId: string): string {
  return path.join(storeRoot, safeFileName(runId));
}

/**
 * BullMQ's lock (and stalled-check interval) in ms: a worker that died holding a job loses it after
 * about this long. MLAGENTS_TS_LOCK_MS overrides the default 30 s (tests use a short one).
 */
export function lockDurationMs(flag?: number): number {
  const env = process.env.MLAGENTS_TS_LOCK_MS;
  const value = flag ?? (env === undefined ? 30_000 : Number(env));
  if (!Number.isInteger(value) || value < 200) throw new RangeError(`the lock duration must be an integer of 200 ms or more, got ${String(flag ?? env)}`);
  return value;
}
