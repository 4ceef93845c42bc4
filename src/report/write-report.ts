// writeReport(runDir): the one call the run layer makes at the end of `learn` and `pbt`, and what
// `mlagents-ts report` runs. Reads the run folder, builds the page, writes it atomically (a
// browser that has the old report open never sees half a file).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/atomic-file.js";
import { loadRun } from "./load-run.js";
import { buildModel } from "./report-model.js";
import { renderHtml } from "./render-html.js";
import { chartLibrary } from "./uplot-assets.js";

export const REPORT_FILE = "report.html";

export interface WrittenReport {
  /** Absolute path of the HTML file. */
  readonly path: string;
  readonly bytes: number;
  readonly behaviors: number;
  readonly charts: number;
  /** Lines and records skipped while reading (torn lines, malformed events). */
  readonly warnings: string[];
}

/** The HTML text of the report of `runDir` (throws a ReportError when it is not a run folder). */
export async function renderReport(runDir: string, now?: Date): Promise<{ html: string; charts: number; behaviors: number; warnings: string[] }> {
  const run = await loadRun(runDir);
  const model = buildModel(run, now);
  const html = renderHtml(model, await chartLibrary(), (name) => run.behaviors.find((b) => b.name === name)?.lineage ?? []);
  return { html, charts: model.sections.reduce((n, s) => n + s.charts.length, 0), behaviors: model.sections.length, warnings: run.warnings };
}

/** Writes the report of `runDir` to `outFile` (default `<runDir>/report.html`). */
export async function writeReport(runDir: string, outFile?: string): Promise<WrittenReport> {
  const target = path.resolve(outFile ?? path.join(runDir, REPORT_FILE));
  const { html, charts, behaviors, warnings } = await renderReport(runDir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await writeFileAtomic(target, html);
  return { path: target, bytes: Buffer.byteLength(html), behaviors, charts, warnings };
}
