// The SVG of bench/pbt-experiment.ts: one panel per seed, the best member's reward (mean of its last
// finished episodes) over agent steps per member, PBT against random search, with the population's
// mean as a thin line and the target as a dashed line. Hand-written SVG: no chart dependency for a
// static picture in the README.

/** One point of a run's curve: the population's agent steps per member and its members' rewards. */
export interface CurvePoint {
  /** All members' agent steps divided by the population size. */
  stepsPerMember: number;
  seconds: number;
  /** Best member's mean of its last episodes; null before any member finished an episode. */
  best: number | null;
  /** Mean over the members that finished an episode. */
  mean: number | null;
}

export interface PlotRun {
  seed: number;
  arm: "pbt" | "random";
  curve: CurvePoint[];
}

const ARM_STYLE = {
  pbt: { color: "#d62728", label: "PBT" },
  random: { color: "#1f77b4", label: "random search (no exploit)" },
} as const;

const PANEL_W = 300;
const PANEL_H = 220;
const MARGIN = { left: 46, right: 12, top: 42, bottom: 40 };

/** The whole SVG document for `runs` (any number of seeds, two arms each). */
export function experimentSvg(runs: readonly PlotRun[], target: number, title: string): string {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const xMax = niceCeil(Math.max(1, ...runs.flatMap((r) => r.curve.map((p) => p.stepsPerMember))));
  // The y range fits the data; the target line is drawn only when some run came near it.
  const values = runs.flatMap((r) => r.curve.flatMap((p) => [p.best, p.mean])).filter((v): v is number => v !== null);
  const dataMax = Math.max(1, ...values);
  const y: YRange = { min: Math.min(0, ...values), max: dataMax >= 0.8 * target ? nearTarget(Math.max(target, dataMax)) : niceCeil(dataMax, Y_STEPS) };
  const panelOuterW = PANEL_W + MARGIN.left + MARGIN.right;
  const width = Math.max(760, panelOuterW * Math.max(1, seeds.length));
  const height = PANEL_H + MARGIN.top + MARGIN.bottom + 44;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  seeds.forEach((seed, i) => {
    parts.push(panel(runs.filter((r) => r.seed === seed), seed, i * panelOuterW, xMax, y, target));
  });
  parts.push(legend(height - 14, width));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

interface YRange {
  min: number;
  max: number;
}

function panel(runs: readonly PlotRun[], seed: number, x0: number, xMax: number, yr: YRange, target: number): string {
  const left = x0 + MARGIN.left;
  const top = MARGIN.top;
  const sx = (v: number): number => left + (v / xMax) * PANEL_W;
  const sy = (v: number): number => top + ((yr.max - clamp(v, yr.min, yr.max)) / (yr.max - yr.min)) * PANEL_H;
  const out: string[] = [`<g>`, `<text x="${left + PANEL_W / 2}" y="${top - 6}" text-anchor="middle">seed ${seed}</text>`];
  // Axes, grid and ticks.
  for (let k = 0; k <= 4; k++) {
    const y = (yr.max * k) / 4;
    out.push(`<line x1="${left}" x2="${left + PANEL_W}" y1="${f(sy(y))}" y2="${f(sy(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 4}" y="${f(sy(y) + 4)}" text-anchor="end">${Number(y.toPrecision(3))}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const v = (xMax * k) / 4;
    out.push(`<line x1="${f(sx(v))}" x2="${f(sx(v))}" y1="${top + PANEL_H}" y2="${top + PANEL_H + 4}" stroke="#444"/>`);
    out.push(`<text x="${f(sx(v))}" y="${top + PANEL_H + 16}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#444"/>`);
  if (target <= yr.max) {
    out.push(`<line x1="${left}" x2="${left + PANEL_W}" y1="${f(sy(target))}" y2="${f(sy(target))}" stroke="#2ca02c" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${left + PANEL_W - 3}" y="${f(sy(target) + 12)}" text-anchor="end" fill="#2ca02c">${target}</text>`);
  } else {
    out.push(`<text x="${left + 6}" y="${top + 14}" fill="#2ca02c">target ${target}: above the chart, not reached</text>`);
  }
  out.push(`<text x="${left + PANEL_W / 2}" y="${top + PANEL_H + 32}" text-anchor="middle">agent steps per member</text>`);
  if (x0 === 0) out.push(`<text transform="translate(${x0 + 12},${top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">reward</text>`);
  for (const run of runs) {
    const style = ARM_STYLE[run.arm];
    out.push(polyline(run.curve, (p) => p.mean, sx, sy, style.color, 1, "0.45"));
    out.push(polyline(run.curve, (p) => p.best, sx, sy, style.color, 2, "1"));
  }
  out.push("</g>");
  return out.join("\n");
}

function polyline(curve: readonly CurvePoint[], value: (p: CurvePoint) => number | null, sx: (v: number) => number, sy: (v: number) => number, color: string, width: number, opacity: string): string {
  const pts = curve.filter((p) => value(p) !== null).map((p) => `${f(sx(p.stepsPerMember))},${f(sy(value(p)!))}`);
  if (pts.length === 0) return "";
  return `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="${width}" stroke-opacity="${opacity}"/>`;
}

function legend(y: number, width: number): string {
  const items: string[] = [];
  let x = Math.max(10, width / 2 - 360);
  for (const arm of ["pbt", "random"] as const) {
    const s = ARM_STYLE[arm];
    const text = `${s.label}: best member`;
    items.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"/>`);
    items.push(`<text x="${x + 30}" y="${y}">${escapeXml(text)}</text>`);
    x += 30 + text.length * 6.2 + 24; // ~6.2 px per character at 11 px sans-serif
  }
  items.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="#444" stroke-opacity="0.45"/>`);
  items.push(`<text x="${x + 30}" y="${y}">thin: population mean</text>`);
  return items.join("\n");
}

/** Axis ends whose quarters are round: x ticks at 7.5k for 30k, y ticks at 5 for 20. */
const X_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
const Y_STEPS = [1, 2, 4, 6, 8, 10];

/** A round top just above `v` (100.1, 3DBall's best return, gives 100: a hair above the frame is clipped). */
function nearTarget(v: number): number {
  const round = niceCeil(v, Y_STEPS) / 10;
  return Math.floor(v / round) * round >= v * 0.99 ? Math.floor(v / round) * round : Math.ceil(v / round) * round;
}

/** The first of `steps` times a power of ten that is at least `v`. */
function niceCeil(v: number, steps: readonly number[] = X_STEPS): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of steps) if (m * p >= v) return m * p;
  return 10 * p;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function f(v: number): string {
  return v.toFixed(1);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
