// The lineage log of a PBT run (JSON lines in the run folder): one event per line for each
// member's initial hyperparameters, each exploit and each failure. The HTML report and
// `pbt --replay` read this exact format. Each line is appended and fsynced on its own, so a kill -9
// loses at most the line being written; reading skips such a torn last line, and opening for
// append cuts it off first so the next event starts on a line of its own.

import { promises as fs } from "node:fs";
import type { PbtHyperparameters } from "../../config/pbt-settings-types.js";
import type { ExploitDecision } from "./coordinator.js";

export type LineageKind = "init" | "exploit" | "failed";

export interface LineageEvent {
  /** ISO 8601 time of the event. */
  time: string;
  kind: LineageKind;
  behavior: string;
  member: number;
  /** The member's agent steps. */
  step: number;
  /** Member copied from (exploit); null otherwise. */
  source: number | null;
  score: { member: number | null; source: number | null };
  /** Hyperparameters before the event; null for init. */
  old: PbtHyperparameters | null;
  /** Hyperparameters after the event. */
  new: PbtHyperparameters;
}

export function initEvent(behavior: string, member: number, hyperparameters: PbtHyperparameters, time: Date): LineageEvent {
  return { time: time.toISOString(), kind: "init", behavior, member, step: 0, source: null, score: { member: null, source: null }, old: null, new: { ...hyperparameters } };
}

export function exploitEvent(behavior: string, d: ExploitDecision, time: Date): LineageEvent {
  return {
    time: time.toISOString(),
    kind: "exploit",
    behavior,
    member: d.member,
    step: d.step,
    source: d.source,
    score: { member: d.scores.member, source: d.scores.source },
    old: { ...d.oldHyperparameters },
    new: { ...d.newHyperparameters },
  };
}

/** A member's training failed at `step`; it keeps `hyperparameters` until an exploit event revives it. */
export function failedEvent(behavior: string, member: number, step: number, hyperparameters: PbtHyperparameters, time: Date): LineageEvent {
  return { time: time.toISOString(), kind: "failed", behavior, member, step, source: null, score: { member: null, source: null }, old: null, new: { ...hyperparameters } };
}

/** Appends events to a lineage log, one fsynced line each, in call order. */
export class LineageLog {
  private tail: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Opens (creating if absent) `path` for appending, first cutting off a torn last line. */
  static async open(path: string): Promise<LineageLog> {
    await repairTornTail(path);
    return new LineageLog(path);
  }

  append(event: LineageEvent): Promise<void> {
    const line = JSON.stringify(event) + "\n";
    const write = this.tail.then(() => appendLine(this.path, line));
    this.tail = write.catch(() => undefined);
    return write;
  }
}

async function appendLine(path: string, line: string): Promise<void> {
  const handle = await fs.open(path, "a");
  try {
    await handle.writeFile(line);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Truncates `path` after its last newline (a line cut by kill -9); creates it when absent. */
async function repairTornTail(path: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await fs.writeFile(path, "");
    return;
  }
  const keep = bytes.lastIndexOf(0x0a) + 1;
  if (keep < bytes.length) await fs.truncate(path, keep);
}

export interface LineageRead {
  events: LineageEvent[];
  /** True when the last line was incomplete (a write cut short) and was skipped. */
  tornTail: boolean;
}

/** Reads a lineage log. A torn last line is skipped; a malformed line before it is an error naming its line. */
export async function readLineageLog(path: string): Promise<LineageRead> {
  return parseLineageLog(await fs.readFile(path, "utf8"), path);
}

export function parseLineageLog(text: string, label = "lineage log"): LineageRead {
  const lines = text.split("\n");
  const complete = text.endsWith("\n") || text === "";
  const last = lines.pop() ?? ""; // after the final "\n" this is ""; otherwise the unterminated tail
  const events: LineageEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const event = parseEvent(line);
    if (typeof event === "string") throw new Error(`${label}:${i + 1}: ${event}`);
    events.push(event);
  });
  return { events, tornTail: !complete && last.trim() !== "" };
}

function parseEvent(line: string): LineageEvent | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return "not a JSON line";
  }
  if (typeof v !== "object" || v === null) return "not a JSON object";
  const e = v as Record<string, unknown>;
  const score = e.score as Record<string, unknown> | null | undefined;
  const nullableNumber = (x: unknown): boolean => x === null || typeof x === "number";
  if (typeof e.time !== "string") return "time must be a string";
  if (e.kind !== "init" && e.kind !== "exploit" && e.kind !== "failed") return `unknown kind ${JSON.stringify(e.kind)}`;
  if (typeof e.behavior !== "string") return "behavior must be a string";
  if (!Number.isInteger(e.member) || !Number.isInteger(e.step)) return "member and step must be integers";
  if (!(e.source === null || Number.isInteger(e.source))) return "source must be an integer or null";
  if (typeof score !== "object" || score === null || !nullableNumber(score.member) || !nullableNumber(score.source)) return "score must be {member, source}";
  if (!(e.old === null || isHyperparameters(e.old)) || !isHyperparameters(e.new)) return "old and new must be maps of numbers";
  return e as unknown as LineageEvent;
}

function isHyperparameters(v: unknown): v is PbtHyperparameters {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "number");
}
