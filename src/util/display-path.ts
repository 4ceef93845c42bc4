// Paths in console lines, as the user would type them.
import * as path from "node:path";

/** Relative to the working folder when inside it, else absolute (never "../../tmp/x"). */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}
