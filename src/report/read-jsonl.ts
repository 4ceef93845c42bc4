// Reads a JSON-lines file written by a run that may still be going or may have been killed (-9):
// a torn last line, a missing file or an odd line never stop the report; each is kept as a warning
// so the page can say what it left out.
import { promises as fs } from "node:fs";

export interface JsonLines {
  /** One parsed object per complete, well-formed line, in file order. */
  readonly records: Record<string, unknown>[];
  /** What was skipped and why ("stats.jsonl:7: not complete JSON (a torn last line?)"). */
  readonly warnings: string[];
  /** false when the file does not exist. */
  readonly exists: boolean;
}

/** Parses `text` as JSON lines; `label` names the file in warnings. */
export function parseJsonLines(text: string, label: string): Omit<JsonLines, "exists"> {
  const records: Record<string, unknown>[] = [];
  const warnings: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const isLast = i === lines.length - 1; // a line without its "\n": the writer was cut off
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      warnings.push(`${label}:${i + 1}: not complete JSON${isLast ? " (a torn last line)" : ""}; skipped`);
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      warnings.push(`${label}:${i + 1}: not a JSON object; skipped`);
      return;
    }
    records.push(value as Record<string, unknown>);
  });
  return { records, warnings };
}

/** Reads and parses `file`; a missing file is empty, not an error. */
export async function readJsonLines(file: string, label: string): Promise<JsonLines> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], warnings: [], exists: false };
    throw error;
  }
  return { ...parseJsonLines(text, label), exists: true };
}
