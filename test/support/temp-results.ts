// A results folder per test, removed when that test finishes. Apart from learning-run.ts because the
// benches import that file outside vitest, where importing vitest throws.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { onTestFinished } from "vitest";

/** A fresh folder under the OS temp dir for one test's results; removed when that test finishes. */
export function tempResultsDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
