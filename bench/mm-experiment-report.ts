// The table and the hand-written SVG of bench/mm-experiment.ts, from the runs' JSON files: per arm
// the mean-reward curve (populations: the best member at each summary), steps to the threshold,
// final reward, the shipped .onnx driven alone, and Mix & Match's α per member.

export interface ArmCurve {
  index: number;
  /** [agent step of this member, mean reward] per summary. */
  reward: [number, number][];
  /** [agent step, α_K] per summary (Mix & Match only). */
  alpha: [number, number][];
}

export interface ArmRun {
  arm: string;
  seed: number;
  exitCode: number | null;
  wallS: number;
  loadAverage: number;
  /** Members trained (1 for a single run): total agent steps = members × steps per member. */
  members: number;
  maxSteps: number;
  exploits: number;
  curves: ArmCurve[];
  /** Mean episode reward of the shipped .onnx alone, deterministic; null when none was written. */
  shippedReward: number | null;
  /**
   * With --eval-every: [checkpoint step, mean episode reward of the target alone, deterministic],
   * populations: the best member at each checkpoint.
   */
  targetEval?: [number, number][];
}

export const ARM_ORDER = ["target", "simple", "pbt", "mm-pbt"];
const ARM_LABEL: Record<string, string> = {
  target: "target alone (SAC)",
  simple: "simple component alone (α = 0)",
  pbt: "PBT over the target's hyperparameters",
  "mm-pbt": "Mix & Match + PBT (α searched)",
};
const ARM_COLOR: Record<string, string> = { target: "#1f77b4", simple: "#2ca02c", pbt: "#ff7f0e", "mm-pbt": "#d62728" };

/**
 * The arm's curve of one run: at each summary step up to max_steps, the best member's mean reward
 * there. A member's step is its trainer's (after an exploit, the copied state's count goes on);
 * summaries past max_steps (members that finished act on until the last one does) are left out.
 */
export function bestCurve(run: ArmRun): [number, number][] {
  const best = new Map<number, number>();
  for (const c of run.curves) for (const [step, r] of c.reward) if (step <= run.maxSteps) best.set(step, Math.max(best.get(step) ?? -Infinity, r));
  return [...best.entries()].sort((a, b) => a[0] - b[0]);
}

/** First summary step at which the curve reaches `threshold`; null when it never does. */
export function stepsToThreshold(curve: readonly [number, number][], threshold: number): number | null {
  return curve.find(([, r]) => r >= threshold)?.[0] ?? null;
}

function meanStd(xs: readonly number[]): string {
  if (xs.length === 0) return "—";
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

function runsByArm(runs: readonly ArmRun[]): [string, ArmRun[]][] {
  const arms = [...new Set(runs.map((r) => r.arm))].sort((a, b) => ARM_ORDER.indexOf(a) - ARM_ORDER.indexOf(b));
  return arms.map((arm) => [arm, runs.filter((r) => r.arm === arm).sort((a, b) => a.seed - b.seed)]);
}

/** Markdown table: one row per arm, seeds listed, spread as mean ± sample std. */
export function experimentTable(runs: readonly ArmRun[], thresholds: readonly number[]): string {
  const evaluated = runs.some((r) => r.targetEval !== undefined);
  const reachHeads = [
    ...thresholds.map((t) => `steps per member to reward ≥ ${t} (per seed)`),
    ...(evaluated ? thresholds.map((t) => `target alone: steps per member to ≥ ${t} (per seed)`) : []),
  ];
  const lines = [
    `| arm | seeds | ${reachHeads.join(" | ")} | total agent steps (members × steps) | final mean reward (best member), mean ± std | per seed | shipped .onnx alone, mean ± std | exploits | wall-clock s |`,
    `|---|---|${reachHeads.map(() => "---|").join("")}---|---|---|---|---|---|`,
  ];
  for (const [arm, list] of runsByArm(runs)) {
    const curves = list.map(bestCurve);
    const reachOf = (cs: readonly (readonly [number, number][])[]) =>
      thresholds.map((t) =>
        cs
          .map((c) => stepsToThreshold(c, t))
          .map((s) => (s === null ? "not reached" : s.toLocaleString("en-US")))
          .join(" / "),
      );
    const reach = [...reachOf(curves), ...(evaluated ? reachOf(list.map((r) => r.targetEval ?? [])) : [])];
    const finals = curves.map((c) => c.at(-1)?.[1]).filter((x): x is number => x !== undefined);
    const shipped = list.map((r) => r.shippedReward).filter((x): x is number => x !== null);
    lines.push(
      `| ${ARM_LABEL[arm] ?? arm} | ${list.map((r) => r.seed).join(", ")} | ${reach.join(" | ")} | ` +
        `${list.map((r) => (r.members * r.maxSteps).toLocaleString("en-US")).join(" / ")} | ${meanStd(finals)} | ${finals.map((f) => f.toFixed(2)).join(" / ")} | ` +
        `${meanStd(shipped)} (${shipped.map((x) => x.toFixed(2)).join(" / ")}) | ${list.map((r) => r.exploits).join(" / ")} | ${list.map((r) => r.wallS.toFixed(0)).join(" / ")} |`,
    );
  }
  return lines.join("\n");
}

/**
 * Mean reward over steps per member (each seed thin, the seeds' mean thick), with --eval-every the
 * target alone the same way, and Mix & Match's α per member.
 */
export function experimentSvg(runs: readonly ArmRun[], thresholds: readonly number[], title: string): string {
  const evaluated = runs.some((r) => r.targetEval !== undefined);
  const W = evaluated ? 1400 : 900;
  const H = 340;
  const panel = { w: 400, h: 250, top: 50 };
  const lefts = evaluated ? [60, 530, 990] : [60, 490];
  const maxStep = Math.max(1, ...runs.map((r) => r.maxSteps));
  const rewards = runs.flatMap((r) => [...bestCurve(r), ...(r.targetEval ?? [])].map(([, v]) => v));
  // Rounded out to a tick step (0.25 for rewards within a few units, else 1 or more) so the labels read evenly.
  const tick = tickStep(Math.max(1, ...rewards) - Math.min(0, ...rewards));
  const yMin = Math.floor(Math.min(0, ...rewards) / tick) * tick;
  const yMax = Math.ceil(Math.max(1, ...rewards) / tick) * tick;
  const sx = (left: number) => (s: number) => left + (s / maxStep) * panel.w;
  const sy = (lo: number, hi: number) => (v: number) => panel.top + panel.h - ((v - lo) / (hi - lo)) * panel.h;
  const path = (pts: readonly [number, number][], x: (s: number) => number, y: (v: number) => number): string =>
    pts.map(([s, v], i) => `${i ? "L" : "M"}${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">Mix &amp; Match experiment on ${escapeXml(title)} (populations: best member at each summary)</text>`,
  ];
  const axes = (left: number, label: string, lo: number, hi: number, yLabel: string, step = 0.25): void => {
    const x = sx(left);
    const y = sy(lo, hi);
    out.push(`<rect x="${left}" y="${panel.top}" width="${panel.w}" height="${panel.h}" fill="none" stroke="#999"/>`);
    out.push(`<text x="${left + panel.w / 2}" y="${panel.top - 8}" text-anchor="middle">${escapeXml(label)}</text>`);
    const yTicks = Math.round((hi - lo) / step);
    for (let i = 0; i <= 4; i++) {
      const s = (maxStep * i) / 4;
      out.push(`<text x="${x(s).toFixed(1)}" y="${panel.top + panel.h + 14}" text-anchor="middle">${Math.round(s).toLocaleString("en-US")}</text>`);
    }
    for (let i = 0; i <= yTicks; i++) {
      const v = lo + ((hi - lo) * i) / yTicks;
      out.push(`<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(2)}</text>`);
    }
    out.push(`<text x="${left + panel.w / 2}" y="${panel.top + panel.h + 30}" text-anchor="middle">agent steps per member</text>`);
    out.push(`<text x="${left - 40}" y="${panel.top + panel.h / 2}" text-anchor="middle" transform="rotate(-90 ${left - 40} ${panel.top + panel.h / 2})">${escapeXml(yLabel)}</text>`);
  };
  const groups = runsByArm(runs);
  // Rewards: the training reward (left) and, with --eval-every, the target alone (middle).
  const rewardPanel = (left: number, label: string, curveOf: (r: ArmRun) => [number, number][]): void => {
    axes(left, label, yMin, yMax, "mean reward", tick);
    const x0 = sx(left);
    const y0 = sy(yMin, yMax);
    for (const t of thresholds) out.push(`<line x1="${left}" x2="${left + panel.w}" y1="${y0(t).toFixed(1)}" y2="${y0(t).toFixed(1)}" stroke="#666" stroke-dasharray="4 3"/>`);
    groups.forEach(([arm, list], k) => {
      const color = ARM_COLOR[arm] ?? "#000";
      const curves = list.map(curveOf);
      for (const c of curves) out.push(`<path d="${path(c, x0, y0)}" fill="none" stroke="${color}" stroke-opacity="0.3" stroke-width="1"/>`);
      const steps = [...new Set(curves.flatMap((c) => c.map(([s]) => s)))].sort((a, b) => a - b);
      const mean = steps
        .map((s) => {
          const vs = curves.map((c) => c.find(([t]) => t === s)?.[1]).filter((v): v is number => v !== undefined);
          return vs.length === curves.length ? ([s, vs.reduce((a, b) => a + b, 0) / vs.length] as [number, number]) : null;
        })
        .filter((p): p is [number, number] => p !== null);
      out.push(`<path d="${path(mean, x0, y0)}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
      const ly = panel.top + 12 + k * 14;
      out.push(`<line x1="${left + 8}" x2="${left + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"/>`);
      out.push(`<text x="${left + 30}" y="${ly}">${escapeXml(`${ARM_LABEL[arm] ?? arm} (${list.length} seed${list.length > 1 ? "s" : ""})`)}</text>`);
    });
  };
  rewardPanel(lefts[0]!, "Mean reward in training", bestCurve);
  if (evaluated) rewardPanel(lefts[1]!, "Target alone, deterministic (checkpoints)", (r) => r.targetEval ?? []);
  // Right: α per member of the Mix & Match runs.
  const alphaLeft = lefts.at(-1)!;
  axes(alphaLeft, "Mix & Match α per member (target's share of decisions)", 0, 1, "α");
  const x1 = sx(alphaLeft);
  const y1 = sy(0, 1);
  // Only the runs whose α was searched (the simple arm's α is 0 throughout).
  const mm = runs.filter((r) => r.members > 1 && r.curves.some((c) => c.alpha.length > 0));
  const dash = ["", "5 3", "2 2", "8 3 2 3"];
  mm.forEach((run, k) => {
    for (const c of run.curves) {
      const pts = c.alpha.filter(([s]) => s <= run.maxSteps).sort((a, b) => a[0] - b[0]);
      // α holds between summaries and changes at exploits: drawn as a step function.
      const stepped = pts.flatMap((p, i): [number, number][] => (i === 0 ? [p] : [[p[0], pts[i - 1]![1]], p]));
      out.push(`<path d="${path(stepped, x1, y1)}" fill="none" stroke="${ARM_COLOR[run.arm] ?? "#000"}" stroke-opacity="${0.35 + 0.15 * c.index}" stroke-dasharray="${dash[k % dash.length]}"/>`);
    }
  });
  out.push(`<text x="${alphaLeft + 8}" y="${panel.top + 14}">${escapeXml(`${mm.length} run(s); one line per member; dash pattern = seed`)}</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** A tick step giving at most about 12 ticks over `span`: 0.25, 0.5, 1, 2, 5, ... */
function tickStep(span: number): number {
  for (const step of [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100]) if (span / step <= 12) return step;
  return 10 ** Math.ceil(Math.log10(span / 10));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
