// Typed errors of the config layer. A ConfigError carries the key path it is about and, when the
// value came from a YAML file, the file name and line, so one printed line points at the fix:
//   config/3dball.yaml:12: unknown key "batch_sise" at behaviors.3DBall.hyperparameters (did you mean "batch_size"?)

export interface ConfigLocation {
  /** File the YAML came from, when known. */
  fileName?: string;
  /** 1-based line of the offending key or value, when known. */
  line?: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Dotted key path, e.g. "behaviors.3DBall.hyperparameters.batch_size"; "" for the whole file. */
  readonly keyPath: string;
  /** What is wrong, already naming the key path in the form that reads best. */
  readonly problem: string;
  readonly fileName: string | undefined;
  readonly line: number | undefined;

  constructor(keyPath: string, problem: string, location: ConfigLocation = {}) {
    super(locationPrefix(location) + problem);
    this.keyPath = keyPath;
    this.problem = problem;
    this.fileName = location.fileName;
    this.line = location.line;
  }
}

function locationPrefix({ fileName, line }: ConfigLocation): string {
  if (fileName !== undefined && line !== undefined) return `${fileName}:${line}: `;
  if (fileName !== undefined) return `${fileName}: `;
  if (line !== undefined) return `line ${line}: `;
  return "";
}

/** `unknown key "k" at parent (did you mean "x"?)` */
export function unknownKeyError(
  key: string,
  parentPath: string,
  allowed: readonly string[],
  location: ConfigLocation = {},
): ConfigError {
  const where = parentPath === "" ? "top level" : parentPath;
  const suggestion = closestKey(key, allowed);
  const hint = suggestion !== undefined ? ` (did you mean "${suggestion}"?)` : ` (allowed: ${allowed.join(", ")})`;
  return new ConfigError(joinPath(parentPath, key), `unknown key "${key}" at ${where}${hint}`, location);
}

/** `path: expected X, got "v"` */
export function typeError(path: string, expected: string, got: unknown, location: ConfigLocation = {}): ConfigError {
  return new ConfigError(path, `${path}: expected ${expected}, got ${describeValue(got)}`, location);
}

/** `path: problem` */
export function valueError(path: string, problem: string, location: ConfigLocation = {}): ConfigError {
  return new ConfigError(path, `${path}: ${problem}`, location);
}

export function joinPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/** A short, quoted rendering of a YAML value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return typeof value;
}

/** The allowed key nearest to `key` by edit distance, if it is close enough to be a likely typo. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of allowed) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
