// Unity sorts an agent's sensors by name with .NET's InvariantCulture comparison (docs/protocol.md §3.2).
// Approximation used here: characters compare by class first (punctuation < digits < letters),
// letters case-insensitively; on a full tie lowercase sorts before uppercase. This equals the .NET
// order for the sensor names Unity generates (CameraSensor, VectorSensor_size8, StackingSensor_...).

function charClass(c: number): number {
  if (c >= 48 && c <= 57) return 1; // digit
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127) return 2; // letter
  return 0; // punctuation, symbols, spaces
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

export function compareSensorNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    const d = charClass(ca) - charClass(cb) || fold(ca) - fold(cb);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  // Same letters ignoring case: the first case difference decides, lowercase first.
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca > cb ? -1 : 1; // 'a' (97) > 'A' (65), and lowercase sorts first
  }
  return 0;
}

/** Indices of `names` in sorted order (stable). */
export function sortedSensorOrder(names: readonly string[]): number[] {
  return names.map((_, i) => i).sort((i, j) => compareSensorNames(names[i]!, names[j]!) || i - j);
}
