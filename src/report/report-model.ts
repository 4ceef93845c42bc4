// Everything the page shows, built from the loaded run: per behavior its summary table, its
// charts and (for a population) its lineage tree.
import { Tags } from "../trainers/stats/trainer-summary.js";
import type { ChartSpec } from "./chart-spec.js";
import { formatStep, formatValue } from "./format.js";
import { currentHypers } from "./lineage.js";
import { lineageSvg } from "./lineage-svg.js";
import type { BehaviorRun, RunData } from "./load-run.js";
import { episodeCount, lastValue, plainCharts } from "./plain-charts.js";
import { lastStep, memberIndices, memberLabel, populationCharts } from "./population-charts.js";

export interface ReportTable {
  readonly columns: string[];
  readonly rows: string[][];
}

export interface BehaviorSection {
  readonly name: string;
  readonly population: boolean;
  readonly table: ReportTable;
  readonly charts: ChartSpec[];
  /** SVG markup of the lineage tree; null for a plain run. */
  readonly lineageSvg: string | null;
  /** Said under the heading when there is nothing to draw yet. */
  readonly note: string | null;
}

export interface ReportModel {
  readonly title: string;
  readonly runId: string;
  readonly runDir: string;
  /** ISO time the report was written. */
  readonly generated: string;
  readonly sections: BehaviorSection[];
  readonly warnings: string[];
}

function plainSection(b: BehaviorRun): BehaviorSection {
  const last = b.stats[b.stats.length - 1];
  const reward = lastValue(b.stats, Tags.cumulativeReward);
  const elapsed = lastValue(b.stats, "time_elapsed");
  const table: ReportTable = {
    columns: ["Behavior", "Steps", "Final mean reward", "Episodes", "Time elapsed"],
    rows: [
      [
        b.name,
        last ? formatStep(last.step) : "0",
        reward ? `${formatValue(reward.value)} (step ${formatStep(reward.step)})` : "–",
        String(episodeCount(b.stats)),
        elapsed ? `${formatValue(elapsed.value)} s` : "–",
      ],
    ],
  };
  const charts = plainCharts(b.name, b.stats);
  return { name: b.name, population: false, table, charts, lineageSvg: null, note: charts.length ? null : "No summary was written yet." };
}

function populationSection(b: BehaviorRun): BehaviorSection {
  const members = memberIndices(b);
  const hypers = currentHypers(b.lineage);
  const hyperNames = [...new Set([...hypers.values()].flatMap((h) => Object.keys(h)))];
  const finals = new Map(members.map((m) => [m, lastValue(b.members.find((x) => x.index === m)?.stats ?? [], Tags.cumulativeReward)]));
  const best = [...finals].filter(([, r]) => r !== null).sort((p, q) => q[1]!.value - p[1]!.value)[0]?.[0];
  const rows = members.map((m) => {
    const stats = b.members.find((x) => x.index === m)?.stats ?? [];
    const final = finals.get(m);
    const exploits = b.lineage.filter((e) => e.kind === "exploit" && e.member === m).length;
    return [
      `${memberLabel(m)}${m === best ? " ★" : ""}`,
      formatStep(stats[stats.length - 1]?.step ?? 0),
      final ? formatValue(final.value) : "–",
      String(exploits),
      ...hyperNames.map((h) => formatValue(hypers.get(m)?.[h])),
    ];
  });
  const table: ReportTable = { columns: ["Member (★ best)", "Steps", "Final mean reward", "Exploits", ...hyperNames], rows };
  const charts = populationCharts(b);
  return {
    name: b.name,
    population: true,
    table,
    charts,
    lineageSvg: members.length ? lineageSvg(b.lineage, members, lastStep(b)) : null,
    note: charts.length ? null : "No member has written a summary yet.",
  };
}

/** A behavior is a population when it has member folders or lineage events. */
export function isPopulation(b: BehaviorRun): boolean {
  return b.members.length > 0 || b.lineage.length > 0;
}

export function buildModel(run: RunData, now: Date = new Date()): ReportModel {
  const population = run.behaviors.some(isPopulation);
  return {
    title: `${population ? "Population" : "Training"} report: ${run.runId}`,
    runId: run.runId,
    runDir: run.runDir,
    generated: now.toISOString(),
    sections: run.behaviors.map((b) => (isPopulation(b) ? populationSection(b) : plainSection(b))),
    warnings: run.warnings,
  };
}
