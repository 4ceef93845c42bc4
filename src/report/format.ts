// Number formats for the report's tables and labels (fixed locale so tests and pages agree).

/** 12,000 */
export function formatStep(step: number): string {
  return Math.round(step).toLocaleString("en-US");
}

/** Four significant digits without trailing zeros; exponent form for very small or large values. */
export function formatValue(x: number | string | boolean | null | undefined): string {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(4)));
}
