// The population's lineage log (results/<run-id>/lineage.jsonl), one event per line:
//   {"time", "kind": "init"|"exploit"|"failed", "behavior", "member", "step", "source",
//    "score": {"member", "source"}, "old": {hp: value}|null, "new": {hp: value}}
// "init" gives a member's first hyperparameters; "exploit" means the member copied `source` at
// `step` and then explored to `new`. This module checks each record's shape and derives what the
// report draws: hyperparameter step functions per member and the current values.

export type LineageKind = "init" | "exploit" | "failed";
export type HyperValue = number | string | boolean;

export interface LineageEvent {
  readonly time: string;
  readonly kind: LineageKind;
  readonly behavior: string;
  readonly member: number;
  readonly step: number;
  readonly source: number | null;
  readonly score: { readonly member: number | null; readonly source: number | null };
  readonly old: Readonly<Record<string, HyperValue>> | null;
  readonly new: Readonly<Record<string, HyperValue>>;
}

const KINDS: readonly string[] = ["init", "exploit", "failed"];

function isMemberIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function isScore(v: unknown): v is number | null {
  return v === null || (typeof v === "number" && Number.isFinite(v));
}

function hyperMap(v: unknown): Record<string, HyperValue> | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, HyperValue> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "number" || typeof x === "string" || typeof x === "boolean") out[k] = x;
  }
  return out;
}

/** The event of one record, or the reason it cannot be one. */
export function toLineageEvent(r: Record<string, unknown>): LineageEvent | string {
  if (typeof r.kind !== "string" || !KINDS.includes(r.kind)) return `unknown kind ${JSON.stringify(r.kind)}`;
  if (typeof r.behavior !== "string") return `"behavior" is not a string`;
  if (!isMemberIndex(r.member)) return `"member" is not a member index`;
  if (typeof r.step !== "number" || !Number.isFinite(r.step) || r.step < 0) return `"step" is not a step count`;
  const source = r.source ?? null;
  if (source !== null && !isMemberIndex(source)) return `"source" is not a member index or null`;
  if (r.kind === "exploit" && source === null) return `an exploit without a "source"`;
  const score = (r.score ?? {}) as Record<string, unknown>;
  const scoreMember = score.member ?? null;
  const scoreSource = score.source ?? null;
  if (!isScore(scoreMember) || !isScore(scoreSource)) return `"score" values are not numbers or null`;
  const next = hyperMap(r.new ?? {});
  if (!next) return `"new" is not an object`;
  const old = r.old === null || r.old === undefined ? null : hyperMap(r.old);
  if (old === undefined) return `"old" is not an object or null`;
  return {
    time: typeof r.time === "string" ? r.time : "",
    kind: r.kind as LineageKind,
    behavior: r.behavior,
    member: r.member,
    step: r.step,
    source,
    score: { member: scoreMember, source: scoreSource },
    old,
    new: next,
  };
}

/** One member's value of one hyperparameter over steps: it holds `values[i]` from `steps[i]` on. */
export interface HyperSchedule {
  readonly steps: number[];
  readonly values: HyperValue[];
}

/**
 * Per member, per hyperparameter: the step function the lineage describes. "init" sets the values
 * in `new`; "exploit" gives the member every value the source held at that step, then the explored
 * ones in `new` (a log may list only what explore changed); "failed" changes nothing. Events are
 * taken in step order (file order among equal steps), so a log appended by resumed runs reads right.
 */
export function hyperSchedules(events: readonly LineageEvent[]): Map<number, Map<string, HyperSchedule>> {
  const ordered = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.kind !== "failed")
    .sort((a, b) => a.e.step - b.e.step || a.i - b.i);
  const current = new Map<number, Record<string, HyperValue>>();
  const out = new Map<number, Map<string, HyperSchedule>>();
  for (const { e } of ordered) {
    const inherited = e.kind === "exploit" && e.source !== null ? current.get(e.source) : current.get(e.member);
    const values = { ...(inherited ?? {}), ...e.new };
    current.set(e.member, values);
    let member = out.get(e.member);
    if (!member) out.set(e.member, (member = new Map()));
    for (const [name, value] of Object.entries(values)) {
      let s = member.get(name);
      if (!s) member.set(name, (s = { steps: [], values: [] }));
      const last = s.steps.length - 1;
      if (last >= 0 && s.steps[last] === e.step) s.values[last] = value; // same step: the later event wins
      else if (last < 0 || s.values[last] !== value) {
        s.steps.push(e.step);
        s.values.push(value);
      }
    }
  }
  return out;
}

/** The value `schedule` holds at `step` (undefined before its first event). */
export function valueAt(schedule: HyperSchedule, step: number): HyperValue | undefined {
  let v: HyperValue | undefined;
  for (let i = 0; i < schedule.steps.length && schedule.steps[i]! <= step; i++) v = schedule.values[i];
  return v;
}

/** Each member's latest hyperparameters. */
export function currentHypers(events: readonly LineageEvent[]): Map<number, Record<string, HyperValue>> {
  const out = new Map<number, Record<string, HyperValue>>();
  for (const [member, schedules] of hyperSchedules(events)) {
    const values: Record<string, HyperValue> = {};
    for (const [name, s] of schedules) values[name] = s.values[s.values.length - 1]!;
    out.set(member, values);
  }
  return out;
}
