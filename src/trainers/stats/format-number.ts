// Python's f"{x:0.3f}" in JS: round half to even on the exact binary value (toFixed rounds exact
// ties up), "-0.000" for negative zero and small negatives, "nan"/"inf" for non-finite values.

export function formatFixed(x: number, digits = 3): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s = a.toFixed(digits);
  // An exact tie sits halfway between two multiples of 10^-digits; as a binary double that means
  // a * 2^(digits+1) is an odd integer. There toFixed rounds up and Python to the even neighbour.
  const t = a * 2 ** (digits + 1);
  if (Number.isSafeInteger(t) && t % 2 === 1) {
    const down = Math.floor(a * 10 ** digits);
    if (down % 2 === 0) s = (down / 10 ** digits).toFixed(digits);
  }
  return negative ? `-${s}` : s;
}
