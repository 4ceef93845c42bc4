// The report as one self-contained HTML document: styles, uPlot, the page script and the data are
// all inline, so the file opens from disk and can be mailed or archived as it is.
import type { ChartSpec } from "./chart-spec.js";
import { CLIENT_SCRIPT } from "./client-script.js";
import { codeForScript, escapeHtml, jsonForScript } from "./escape.js";
import { formatStep, formatValue } from "./format.js";
import type { LineageEvent } from "./lineage.js";
import { describeChange, memberLabel } from "./population-charts.js";
import type { BehaviorSection, ReportModel, ReportTable } from "./report-model.js";
import type { ChartLibrary } from "./uplot-assets.js";

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #f6f7f9; }
  main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 40px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 18px; margin: 28px 0 10px; padding-top: 12px; border-top: 1px solid #dde; }
  h3 { font-size: 14px; margin: 0 0 6px; font-weight: 600; }
  .meta { color: #666; margin: 0 0 8px; }
  .warnings { background: #fff7e0; border: 1px solid #f0d890; padding: 8px 12px; border-radius: 6px; }
  .warnings li { font-family: ui-monospace, monospace; font-size: 12px; }
  table { border-collapse: collapse; background: #fff; margin: 6px 0 14px; }
  th, td { border: 1px solid #dde; padding: 4px 10px; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #eef0f4; font-weight: 600; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
  .card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 10px 12px; min-width: 0; }
  .chart { width: 100%; }
  .lineage text { font-size: 12px; fill: #333; }
  .lineage .tick { font-size: 11px; fill: #666; }
  .lineage .edge { cursor: help; }
  details summary { cursor: pointer; margin: 6px 0; }
  .note { color: #666; font-style: italic; }
`;

function table(t: ReportTable, className: string): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function chartCard(c: ChartSpec): string {
  return `<div class="card"><h3>${escapeHtml(c.title)}${c.logY ? " (log scale)" : ""}</h3><div class="chart" id="chart-${escapeHtml(c.id)}"></div></div>`;
}

function eventsTable(events: readonly LineageEvent[]): string {
  const shown = events.filter((e) => e.kind !== "init");
  if (shown.length === 0) return "";
  const rows = shown.map((e) => [
    formatStep(e.step),
    memberLabel(e.member),
    e.kind === "exploit" ? "copied" : "exploit failed",
    e.source === null ? "–" : memberLabel(e.source),
    `${formatValue(e.score.member)} vs ${formatValue(e.score.source)}`,
    describeChange(e),
  ]);
  const t = table({ columns: ["Step", "Member", "Event", "Source", "Score (member vs source)", "Explored to"], rows }, "events");
  return `<details><summary>Exploit events (${shown.length})</summary>${t}</details>`;
}

function section(s: BehaviorSection, events: readonly LineageEvent[]): string {
  const parts = [`<section class="behavior" data-behavior="${escapeHtml(s.name)}">`, `<h2>${escapeHtml(s.name)}${s.population ? " (population)" : ""}</h2>`];
  parts.push(table(s.table, "summary"));
  if (s.note) parts.push(`<p class="note">${escapeHtml(s.note)}</p>`);
  if (s.charts.length) parts.push(`<div class="charts">${s.charts.map(chartCard).join("\n")}</div>`);
  if (s.lineageSvg) {
    parts.push(
      `<div class="card" style="margin-top:14px"><h3>Lineage: an arrow goes from the member that was copied to the member that copied it (hover for scores and explored values)</h3>${s.lineageSvg}</div>`,
    );
    parts.push(eventsTable(events));
  }
  parts.push(`</section>`);
  return parts.join("\n");
}

/** The full document. `eventsOf` gives a section's lineage events for its event table. */
export function renderHtml(model: ReportModel, library: ChartLibrary, eventsOf: (behavior: string) => readonly LineageEvent[]): string {
  const charts = model.sections.flatMap((s) => s.charts);
  const warnings = model.warnings.length
    ? `<div class="warnings"><strong>Skipped while reading:</strong><ul>${model.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></div>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mlagents-ts report (uPlot ${escapeHtml(library.version)})">
<title>${escapeHtml(model.title)}</title>
<style>${library.css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">Run <code>${escapeHtml(model.runId)}</code> · ${escapeHtml(model.runDir)} · written ${escapeHtml(model.generated)}</p>
${warnings}
${model.sections.map((s) => section(s, eventsOf(s.name))).join("\n")}
</main>
<script type="application/json" id="report-data">${jsonForScript({ charts })}</script>
<script>${codeForScript(library.script)}</script>
<script>${codeForScript(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
