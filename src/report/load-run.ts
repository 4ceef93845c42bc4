// Reads what a run folder holds for the report: every behavior's stats.jsonl (or, for a
// population, member-<i>/stats.jsonl per member) and lineage.jsonl. Read-only, and tolerant of a
// run that is still writing or was killed: torn lines and missing files become warnings.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { safeFileName } from "../util/safe-name.js";
import { ReportError } from "./errors.js";
import { type LineageEvent, toLineageEvent } from "./lineage.js";
import { readJsonLines } from "./read-jsonl.js";

/** One summary: its step and every numeric value by ML-Agents tag name (non-finite as null). */
export interface StatsRecord {
  readonly step: number;
  readonly values: Readonly<Record<string, number | null>>;
}

export interface MemberRun {
  readonly index: number;
  readonly stats: StatsRecord[];
}

export interface BehaviorRun {
  /** The behavior name (from the lineage when it has events, else the folder name). */
  readonly name: string;
  /** stats.jsonl of a plain run (empty for a population or before the first summary). */
  readonly stats: StatsRecord[];
  /** Population members by index (empty for a plain run). */
  readonly members: MemberRun[];
  /** This behavior's lineage events, in file order. */
  readonly lineage: LineageEvent[];
}

export interface RunData {
  readonly runId: string;
  readonly runDir: string;
  readonly behaviors: BehaviorRun[];
  /** What was skipped while reading, for the page. */
  readonly warnings: string[];
}

export const LINEAGE_FILE = "lineage.jsonl";
export const STATS_FILE = "stats.jsonl";
const MEMBER_DIR = /^member-(\d+)$/;

async function readStats(file: string, label: string, warnings: string[]): Promise<StatsRecord[]> {
  const { records, warnings: w } = await readJsonLines(file, label);
  warnings.push(...w);
  const out: StatsRecord[] = [];
  for (const r of records) {
    if (typeof r.step !== "number" || !Number.isFinite(r.step)) {
      warnings.push(`${label}: a record without a numeric "step"; skipped`);
      continue;
    }
    const values: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === "step") continue;
      if (typeof v === "number") values[k] = Number.isFinite(v) ? v : null;
      else if (v === null) values[k] = null;
    }
    out.push({ step: r.step, values });
  }
  return out.sort((a, b) => a.step - b.step);
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function readLineage(runDir: string, warnings: string[]): Promise<LineageEvent[]> {
  const { records, warnings: w } = await readJsonLines(path.join(runDir, LINEAGE_FILE), LINEAGE_FILE);
  warnings.push(...w);
  const events: LineageEvent[] = [];
  records.forEach((r, i) => {
    const e = toLineageEvent(r);
    if (typeof e === "string") warnings.push(`${LINEAGE_FILE}: event ${i + 1}: ${e}; skipped`);
    else events.push(e);
  });
  return events;
}

/** Loads a run folder; throws a ReportError when it is not one (no stats and no lineage). */
export async function loadRun(runDir: string): Promise<RunData> {
  const dir = path.resolve(runDir);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new ReportError(runDir, "no such run folder");
  const warnings: string[] = [];
  const lineage = await readLineage(dir, warnings);
  const behaviors: BehaviorRun[] = [];
  const folders = new Set<string>();
  for (const name of await subdirectories(dir)) {
    const behaviorDir = path.join(dir, name);
    const memberDirs = (await subdirectories(behaviorDir)).filter((d) => MEMBER_DIR.test(d));
    const hasStats = await exists(path.join(behaviorDir, STATS_FILE));
    if (!hasStats && memberDirs.length === 0) continue; // run_logs/ and anything else that is not a behavior
    folders.add(name);
    const members: MemberRun[] = [];
    for (const m of memberDirs) {
      const index = Number(MEMBER_DIR.exec(m)![1]);
      const label = `${name}/${m}/${STATS_FILE}`;
      members.push({ index, stats: await readStats(path.join(behaviorDir, m, STATS_FILE), label, warnings) });
    }
    members.sort((a, b) => a.index - b.index);
    const stats = hasStats ? await readStats(path.join(behaviorDir, STATS_FILE), `${name}/${STATS_FILE}`, warnings) : [];
    const events = lineage.filter((e) => safeFileName(e.behavior) === name);
    behaviors.push({ name: events[0]?.behavior ?? name, stats, members, lineage: events });
  }
  // A lineage that names a behavior with no folder yet (killed before its first summary).
  const orphans = new Map<string, LineageEvent[]>();
  for (const e of lineage) {
    if (folders.has(safeFileName(e.behavior))) continue;
    orphans.set(e.behavior, [...(orphans.get(e.behavior) ?? []), e]);
  }
  for (const [name, events] of orphans) behaviors.push({ name, stats: [], members: [], lineage: events });
  if (behaviors.length === 0) {
    throw new ReportError(runDir, `no <Behavior>/${STATS_FILE} and no ${LINEAGE_FILE}: not a run folder, or no summary was written yet`);
  }
  return { runId: path.basename(dir), runDir: dir, behaviors, warnings };
}
