// The lineage tree as an inline SVG: one horizontal line per member over agent steps, and one
// arrow per exploit from the source's line to the member's line at the step it copied the
// source. Hovering an arrow shows the scores and the explored hyperparameters.
import { escapeHtml } from "./escape.js";
import { formatStep, formatValue } from "./format.js";
import type { LineageEvent } from "./lineage.js";
import { colorOf } from "./palette.js";
import { describeChange, memberLabel } from "./population-charts.js";

const WIDTH = 960;
const LEFT = 90;
const RIGHT = 24;
const TOP = 14;
const ROW = 34;
const AXIS = 46;

/** Up to `count` round tick steps from 0 to `max`. */
export function tickSteps(max: number, count = 5): number[] {
  if (max <= 0) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((u) => u >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += unit) ticks.push(Math.round(t));
  return ticks;
}

/** The SVG markup of a population's lineage (members: indices to draw, lastStep: the x range). */
export function lineageSvg(events: readonly LineageEvent[], members: readonly number[], lastStep: number): string {
  const maxStep = Math.max(lastStep, 1);
  const height = TOP + ROW * members.length + AXIS;
  const row = new Map(members.map((m, i) => [m, i]));
  const x = (step: number): number => LEFT + (Math.min(step, maxStep) / maxStep) * (WIDTH - LEFT - RIGHT);
  const y = (member: number): number => TOP + ROW * (row.get(member) ?? 0) + ROW / 2;
  const f = (n: number): string => n.toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<svg class="lineage" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="lineage tree">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
  );
  // Members' lines, from their first event (or 0) to the end of the run.
  for (const m of members) {
    const first = Math.min(0, ...events.filter((e) => e.member === m).map((e) => e.step));
    parts.push(
      `<g class="member" data-member="${m}">` +
        `<text x="${LEFT - 10}" y="${f(y(m) + 4)}" text-anchor="end">${escapeHtml(memberLabel(m))}</text>` +
        `<line x1="${f(x(first))}" y1="${f(y(m))}" x2="${f(x(maxStep))}" y2="${f(y(m))}" stroke="${colorOf(m)}" stroke-width="4" stroke-linecap="round"/>` +
        `</g>`,
    );
  }
  // Step axis.
  const axisY = TOP + ROW * members.length + 6;
  parts.push(`<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}" stroke="#999"/>`);
  for (const t of tickSteps(maxStep)) {
    parts.push(
      `<line x1="${f(x(t))}" y1="${axisY}" x2="${f(x(t))}" y2="${axisY + 4}" stroke="#999"/>` +
        `<text class="tick" x="${f(x(t))}" y="${axisY + 17}" text-anchor="middle">${formatStep(t)}</text>`,
    );
  }
  parts.push(`<text class="tick" x="${WIDTH - RIGHT}" y="${axisY + 30}" text-anchor="end">agent steps</text>`);
  // Exploits: an arrow from the source to the member that copied it; failed attempts: a cross.
  for (const e of events) {
    if (e.kind === "exploit" && e.source !== null) {
      const down = y(e.member) > y(e.source);
      const y1 = y(e.source) + (down ? 4 : -4);
      const y2 = y(e.member) + (down ? -5 : 5);
      const title =
        `${memberLabel(e.member)} copied ${memberLabel(e.source)} at step ${formatStep(e.step)}; ` +
        `scores: ${formatValue(e.score.member)} (member) vs ${formatValue(e.score.source)} (source); explored to ${describeChange(e)}`;
      parts.push(
        `<g class="edge" data-kind="exploit" data-source="${e.source}" data-member="${e.member}" data-step="${e.step}">` +
          `<title>${escapeHtml(title)}</title>` +
          `<circle cx="${f(x(e.step))}" cy="${f(y(e.source))}" r="4" fill="${colorOf(e.source)}" stroke="#333"/>` +
          `<line x1="${f(x(e.step))}" y1="${f(y1)}" x2="${f(x(e.step))}" y2="${f(y2)}" stroke="#333" stroke-width="1.5" marker-end="url(#arrow)"/>` +
          `</g>`,
      );
    } else if (e.kind === "failed") {
      const cx = x(e.step);
      const cy = y(e.member);
      const title = `${memberLabel(e.member)}: exploit${e.source === null ? "" : ` of ${memberLabel(e.source)}`} failed at step ${formatStep(e.step)}`;
      parts.push(
        `<g class="edge" data-kind="failed" data-member="${e.member}" data-step="${e.step}"><title>${escapeHtml(title)}</title>` +
          `<path d="M${f(cx - 5)},${f(cy - 5)} L${f(cx + 5)},${f(cy + 5)} M${f(cx - 5)},${f(cy + 5)} L${f(cx + 5)},${f(cy - 5)}" stroke="#c00" stroke-width="2"/></g>`,
      );
    }
  }
  parts.push(`</svg>`);
  return parts.join("\n");
}
