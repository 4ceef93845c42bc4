// Charts of a population behavior: mean reward per member with the exploit events marked on it,
// and each numeric hyperparameter over steps per member (step functions from the lineage).
import { mixAndMatchAlphaKey } from "../config/pbt-settings-types.js";
import { Tags } from "../trainers/stats/trainer-summary.js";
import { type ChartMarker, type ChartSeries, type ChartSpec, hasPoints, slug, wantsLogScale } from "./chart-spec.js";
import { formatStep, formatValue } from "./format.js";
import { hyperSchedules, type LineageEvent, valueAt } from "./lineage.js";
import type { BehaviorRun, StatsRecord } from "./load-run.js";
import { colorOf } from "./palette.js";

export function memberLabel(index: number): string {
  return `member ${index}`;
}

/** Member indices seen in the stats folders or the lineage, ascending. */
export function memberIndices(behavior: BehaviorRun): number[] {
  const all = new Set<number>(behavior.members.map((m) => m.index));
  for (const e of behavior.lineage) {
    all.add(e.member);
    if (e.source !== null) all.add(e.source);
  }
  return [...all].sort((a, b) => a - b);
}

/** The last step anything was recorded at (stats or lineage). */
export function lastStep(behavior: BehaviorRun): number {
  let max = 0;
  for (const m of behavior.members) for (const r of m.stats) max = Math.max(max, r.step);
  for (const e of behavior.lineage) max = Math.max(max, e.step);
  return max;
}

/** The member's reward curve at `step`, linear between its summaries (null outside them). */
export function rewardAt(stats: readonly StatsRecord[], step: number): number | null {
  const points = stats
    .map((r) => ({ step: r.step, value: r.values[Tags.cumulativeReward] }))
    .filter((p): p is { step: number; value: number } => typeof p.value === "number");
  for (let i = 0; i < points.length; i++) {
    const b = points[i]!;
    if (b.step === step) return b.value;
    if (b.step > step) {
      const a = points[i - 1];
      return a ? a.value + ((b.value - a.value) * (step - a.step)) / (b.step - a.step) : null;
    }
  }
  return null;
}

/** `valueOf` places the marker on the member's curve (default: its reward, else its score). */
function exploitMarkers(behavior: BehaviorRun, valueOf?: (stats: readonly StatsRecord[], e: LineageEvent) => number | null): ChartMarker[] {
  const statsOf = new Map(behavior.members.map((m) => [m.index, m.stats]));
  return behavior.lineage
    .filter((e) => e.kind === "exploit" || e.kind === "failed")
    .map((e) => {
      const stats = statsOf.get(e.member) ?? [];
      // On the member's curve where it is drawn; its score (another metric) is in the events table.
      const value = valueOf ? valueOf(stats, e) : (rewardAt(stats, e.step) ?? e.score.member);
      const from = e.source === null ? "" : ` ← ${memberLabel(e.source)}`;
      const what = e.kind === "exploit" ? "copied" : "exploit failed";
      return {
        step: e.step,
        value,
        color: colorOf(e.member),
        label: `${memberLabel(e.member)}${from} at step ${formatStep(e.step)} (${what})`,
        kind: e.kind === "exploit" ? "exploit" : "failed",
      };
    });
}

function rewardChart(behavior: BehaviorRun, members: readonly number[]): ChartSpec | null {
  const x = [...new Set(behavior.members.flatMap((m) => m.stats.map((r) => r.step)))].sort((a, b) => a - b);
  const series: ChartSeries[] = members.map((index) => {
    const byStep = new Map<number, number | null>();
    for (const r of behavior.members.find((m) => m.index === index)?.stats ?? []) {
      byStep.set(r.step, r.values[Tags.cumulativeReward] ?? null);
    }
    return { label: memberLabel(index), values: x.map((s) => byStep.get(s) ?? null), color: colorOf(index) };
  });
  if (!hasPoints(series)) return null;
  const id = `${slug(behavior.name)}-member-reward`;
  return { id, title: "Mean reward per member (▼ exploit: copied another member)", x, series, logY: false, markers: exploitMarkers(behavior) };
}

/** Numeric hyperparameter names in order of first appearance in the lineage. */
export function numericHyperNames(events: readonly LineageEvent[]): string[] {
  const names: string[] = [];
  for (const e of events) {
    for (const [k, v] of Object.entries(e.new)) if (typeof v === "number" && !names.includes(k)) names.push(k);
  }
  return names;
}

/** Mix & Match: each member's α (the target's share of the decisions) at its summaries, beside the rewards. */
function alphaChart(behavior: BehaviorRun, members: readonly number[]): ChartSpec | null {
  const x = [...new Set(behavior.members.flatMap((m) => m.stats.map((r) => r.step)))].sort((a, b) => a - b);
  const series: ChartSeries[] = members.map((index) => {
    const byStep = new Map<number, number | null>();
    for (const r of behavior.members.find((m) => m.index === index)?.stats ?? []) byStep.set(r.step, r.values[Tags.mixAndMatchAlpha] ?? null);
    return { label: memberLabel(index), values: x.map((s) => byStep.get(s) ?? null), color: colorOf(index), stepped: true };
  });
  if (!hasPoints(series)) return null;
  // Each exploit marked where the member's α stood at its last summary before it.
  const alphaBefore = (stats: readonly StatsRecord[], e: LineageEvent): number | null =>
    stats.filter((r) => r.step <= e.step && typeof r.values[Tags.mixAndMatchAlpha] === "number").at(-1)?.values[Tags.mixAndMatchAlpha] ?? null;
  return { id: `${slug(behavior.name)}-member-alpha`, title: "Mix & Match α per member (the target's share of the decisions; ▼ exploit)", x, series, logY: false, markers: exploitMarkers(behavior, alphaBefore) };
}

function hyperCharts(behavior: BehaviorRun, members: readonly number[], skip: readonly string[]): ChartSpec[] {
  const schedules = hyperSchedules(behavior.lineage);
  const end = lastStep(behavior);
  const x = [...new Set([...behavior.lineage.map((e) => e.step), end])].sort((a, b) => a - b);
  const charts: ChartSpec[] = [];
  for (const name of numericHyperNames(behavior.lineage).filter((n) => !skip.includes(n))) {
    const series: ChartSeries[] = members.map((index) => {
      const s = schedules.get(index)?.get(name);
      const values = x.map((step) => {
        const v = s ? valueAt(s, step) : undefined;
        return typeof v === "number" ? v : null;
      });
      return { label: memberLabel(index), values, color: colorOf(index), stepped: true };
    });
    if (!hasPoints(series)) continue;
    charts.push({ id: `${slug(behavior.name)}-hp-${slug(name)}`, title: `Hyperparameter: ${name}`, x, series, logY: wantsLogScale(series), markers: [] });
  }
  return charts;
}

/**
 * Reward chart first, then Mix & Match's α per member (from the stats: it also shows α where PBT
 * does not search it), then one chart per other numeric hyperparameter, all over steps 0..last.
 */
export function populationCharts(behavior: BehaviorRun): ChartSpec[] {
  const members = memberIndices(behavior);
  const reward = rewardChart(behavior, members);
  const alpha = alphaChart(behavior, members);
  const xRange: [number, number] = [0, Math.max(lastStep(behavior), 1)];
  const skip = alpha ? [mixAndMatchAlphaKey] : [];
  return [...(reward ? [reward] : []), ...(alpha ? [alpha] : []), ...hyperCharts(behavior, members, skip)].map((c) => ({ ...c, xRange }));
}

/** "3e-4 → 2.4e-4" style list of what an exploit's explore step changed. */
export function describeChange(e: LineageEvent): string {
  return Object.entries(e.new)
    .map(([k, v]) => `${k}: ${e.old && k in e.old ? `${formatValue(e.old[k])} → ` : ""}${formatValue(v)}`)
    .join(", ");
}
