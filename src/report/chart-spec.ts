// What the page draws, as plain data: built in Node (testable), embedded as JSON, drawn by uPlot.

export interface ChartSeries {
  readonly label: string;
  /** One value per x; null where this series has no point (the line spans the gap). */
  readonly values: (number | null)[];
  readonly color: string;
  /** Step function (hyperparameters hold their value until the next event). */
  readonly stepped?: boolean;
  /** A thin dashed line (e.g. mean ± std). */
  readonly dashed?: boolean;
}

/** An exploit (or failed exploit) drawn on a member's reward curve. */
export interface ChartMarker {
  readonly step: number;
  /** Where on the y axis; null: the marker is drawn on the x axis. */
  readonly value: number | null;
  readonly color: string;
  readonly label: string;
  readonly kind: "exploit" | "failed";
}

export interface ChartSpec {
  /** Unique in the page; the canvas container is #chart-<id>. */
  readonly id: string;
  readonly title: string;
  /** Agent steps, ascending. */
  readonly x: number[];
  readonly series: ChartSeries[];
  /** Logarithmic y axis (positive values spanning more than a decade or so). */
  readonly logY: boolean;
  readonly markers: ChartMarker[];
  /** Fixed x range [from, to] so charts of one population line up with its lineage; absent: the data's. */
  readonly xRange?: [number, number];
}

/** A y axis is logarithmic when every value is positive and they span at least 20x. */
export function wantsLogScale(series: readonly ChartSeries[]): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (v === null) continue;
      if (v <= 0) return false;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return min < max && max / min >= 20;
}

/** true when at least one series has a point. */
export function hasPoints(series: readonly ChartSeries[]): boolean {
  return series.some((s) => s.values.some((v) => v !== null));
}

/** Chart ids and DOM ids from free text (behavior names come from Unity). */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return s || "x";
}
