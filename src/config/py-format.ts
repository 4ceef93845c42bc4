// Python's repr() of floats and float lists, so console lines read exactly like ML-Agents'
// ("Uniform sampler: min=0.0, max=4.0", "intervals=[[0.0, 1.0], [2.0, 3.0]]").

/** Python `repr(float(x))`: shortest round-trip digits, ".0" on integral values, exponent outside [1e-4, 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exponent = Number(expText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const point = exponent + 1; // digits before the decimal point
  let text: string;
  if (point <= 0) text = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) text = digits + "0".repeat(point - digits.length) + ".0";
  else text = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + text;
}

/** Python repr of a list of [min, max] float pairs. */
export function pyFloatPairs(pairs: readonly (readonly number[])[]): string {
  return "[" + pairs.map((p) => "[" + p.map(pyFloat).join(", ") + "]").join(", ") + "]";
}
