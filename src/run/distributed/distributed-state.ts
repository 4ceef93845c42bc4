// results/<run-id>/pbt/distributed.json: everything a distributed population's coordinator needs to
// go on after a kill -9 (restarted with the same command): the PBT coordinator's state, each
// member's current segment number and input snapshot, its accepted segments, and the lineage
// events decided but perhaps not yet appended. Written atomically after every change, before
// anything it no longer names is deleted.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { PbtHyperparameters } from "../../config/pbt-settings-types.js";
import type { LineageEvent, PopulationState } from "../../trainers/pbt/index.js";
import { writeFileAtomic } from "../../util/atomic-file.js";

export interface AcceptedSegment {
  segment: number;
  /** The trainer's step counter at the segment's start and end. */
  from: number;
  to: number;
  worker: string;
  /** The snapshot it started from (null: fresh) and the one it made. */
  input: string | null;
  output: string;
  /** Mean return of the segment's finished episodes; null when none finished. */
  meanReturn: number | null;
}

export type MemberStatus = "training" | "done" | "failed";

export interface DistributedMember {
  /** Number of the segment queued now (its job id is segmentJobId(run, behavior, member, segment)). */
  segment: number;
  /** Snapshot the current segment starts from; null: a fresh start. */
  input: string | null;
  /** Exploit snapshot the current segment loads; confirmed (exploitLoaded) when its result is accepted. */
  loading: string | null;
  /** The member's own agent steps: the sum of its accepted segments' steps. */
  steps: number;
  status: MemberStatus;
  /** The worker of the last accepted segment. */
  worker: string | null;
  history: AcceptedSegment[];
  /** Why the member failed (its last job's reason). */
  failure: string | null;
}

export interface DistributedState {
  version: 1;
  runId: string;
  behavior: string;
  coordinator: PopulationState;
  /** The environment's behavior spec (behaviorSpecToJson) from the first result: the final ONNX export needs it. */
  behaviorSpec: string | null;
  members: DistributedMember[];
  /** Lineage events decided with this state; appended to lineage.jsonl right after it is written (again on restart if missing). */
  pendingEvents: LineageEvent[];
}

export function distributedStatePath(runDir: string): string {
  return path.join(runDir, "pbt", "distributed.json");
}

export function freshMember(): DistributedMember {
  return { segment: 0, input: null, loading: null, steps: 0, status: "training", worker: null, history: [], failure: null };
}

export async function readDistributedState(runDir: string): Promise<DistributedState | null> {
  const file = distributedStatePath(runDir);
  if (!existsSync(file)) return null;
  const data = JSON.parse(await fs.readFile(file, "utf8")) as DistributedState;
  if (data.version !== 1 || !Array.isArray(data.members) || typeof data.coordinator !== "object" || typeof data.behavior !== "string") {
    throw new Error(`${file}: not a distributed population state of version 1`);
  }
  return data;
}

export async function writeDistributedState(runDir: string, state: DistributedState): Promise<void> {
  const file = distributedStatePath(runDir);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(state, null, 1));
}

/** One member in `pbt --status` (kept in Redis beside the queue). */
export interface MemberStatusLine {
  member: number;
  status: MemberStatus;
  steps: number;
  segment: number;
  /** Who runs the current segment (from its progress), else who ran the last one. */
  worker: string | null;
  running: boolean;
  /** The member's recorded PBT score, null before its first check. */
  score: number | null;
  lastReturn: number | null;
  hyperparameters: PbtHyperparameters;
}

export interface RunStatus {
  runId: string;
  behavior: string;
  updated: string;
  finished: boolean;
  members: MemberStatusLine[];
}
