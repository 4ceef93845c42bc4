// Charts and summary row of a plain (single-trainer) behavior: reward, losses, entropy
// coefficient and episode length over agent steps, from stats.jsonl (ML-Agents tag names).
import { Tags } from "../trainers/stats/trainer-summary.js";
import { type ChartSeries, type ChartSpec, hasPoints, slug, wantsLogScale } from "./chart-spec.js";
import type { StatsRecord } from "./load-run.js";
import { colorOf } from "./palette.js";

export const REWARD_STD_TAG = "Environment/Cumulative Reward Std";
export const EPISODE_COUNT_TAG = "Environment/Episode Count";

/** Every tag that matches, in order of first appearance. */
export function tagsMatching(stats: readonly StatsRecord[], match: (tag: string) => boolean): string[] {
  const tags: string[] = [];
  for (const r of stats) for (const k of Object.keys(r.values)) if (match(k) && !tags.includes(k)) tags.push(k);
  return tags;
}

function column(stats: readonly StatsRecord[], tag: string): (number | null)[] {
  return stats.map((r) => r.values[tag] ?? null);
}

/** `logScale`: allowed for values that decay geometrically (coefficients), never for rewards or losses. */
function chart(id: string, title: string, stats: readonly StatsRecord[], series: ChartSeries[], logScale = false): ChartSpec | null {
  if (!hasPoints(series)) return null;
  return { id, title, x: stats.map((r) => r.step), series, logY: logScale && wantsLogScale(series), markers: [] };
}

function rewardSeries(stats: readonly StatsRecord[]): ChartSeries[] {
  const mean = column(stats, Tags.cumulativeReward);
  const std = column(stats, REWARD_STD_TAG);
  const band = (sign: number): (number | null)[] =>
    mean.map((m, i) => (m === null || std[i] === null ? null : m + sign * std[i]!));
  const color = colorOf(0);
  const series: ChartSeries[] = [{ label: "mean reward", values: mean, color }];
  if (std.some((v) => v !== null)) {
    series.push({ label: "− 1 std", values: band(-1), color, dashed: true });
    series.push({ label: "+ 1 std", values: band(1), color, dashed: true });
  }
  return series;
}

function tagSeries(stats: readonly StatsRecord[], tags: readonly string[]): ChartSeries[] {
  return tags.map((tag, i) => ({ label: tag.replace(/^[^/]*\//, ""), values: column(stats, tag), color: colorOf(i) }));
}

/** Mix & Match: α_K and the share of the decisions each component took, per summary. */
function mixSeries(stats: readonly StatsRecord[]): ChartSeries[] {
  const alpha = column(stats, Tags.mixAndMatchAlpha);
  if (!alpha.some((v) => v !== null)) return [];
  const shares = tagsMatching(stats, (t) => t.startsWith(Tags.mixAndMatchDecisions));
  return [
    { label: "α (target's weight)", values: alpha, color: colorOf(0) },
    ...shares.map((tag, i) => ({ label: `decisions ${tag.slice(Tags.mixAndMatchDecisions.length + 1)}`, values: column(stats, tag), color: colorOf(i + 1), dashed: true })),
  ];
}

/** The charts of one plain behavior, leaving out those with no data. */
export function plainCharts(behavior: string, stats: readonly StatsRecord[]): ChartSpec[] {
  const id = (what: string): string => `${slug(behavior)}-${what}`;
  const losses = tagsMatching(stats, (t) => t.startsWith("Losses/"));
  const entropyCoeffs = tagsMatching(stats, (t) => t.includes("Entropy Coeff"));
  const charts = [
    chart(id("reward"), "Mean reward", stats, rewardSeries(stats)),
    chart(id("mix-and-match"), "Mix & Match: α and each component's share of the decisions", stats, mixSeries(stats)),
    chart(id("losses"), "Losses", stats, tagSeries(stats, losses)),
    chart(id("entropy-coefficient"), "Entropy coefficient", stats, tagSeries(stats, entropyCoeffs), true),
    chart(id("episode-length"), "Episode length", stats, tagSeries(stats, [Tags.episodeLength])),
  ];
  return charts.filter((c): c is ChartSpec => c !== null);
}

/** The last non-null value of `tag`, with its step. */
export function lastValue(stats: readonly StatsRecord[], tag: string): { step: number; value: number } | null {
  for (let i = stats.length - 1; i >= 0; i--) {
    const v = stats[i]!.values[tag];
    if (typeof v === "number") return { step: stats[i]!.step, value: v };
  }
  return null;
}

/** Sum of the episode counts of every summary. */
export function episodeCount(stats: readonly StatsRecord[]): number {
  return stats.reduce((n, r) => n + (r.values[EPISODE_COUNT_TAG] ?? 0), 0);
}
