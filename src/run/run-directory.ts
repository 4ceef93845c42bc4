// results/<run-id>: the ML-Agents rules for starting, resuming or overwriting a run (docs/protocol.md §8.1).
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { RunOptions } from "../config/index.js";
import { runOptionsToYaml } from "../config/index.js";
import { writeFileAtomic } from "../util/atomic-file.js";

export class RunDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunDirectoryError";
  }
}

export interface RunDirectory {
  readonly runDir: string;
  readonly runLogsDir: string;
  /** Continue from the checkpoints in runDir. */
  readonly resume: boolean;
}

/** Checks --resume/--force against what is on disk and creates the folders. */
export async function prepareRunDirectory(options: RunOptions): Promise<RunDirectory> {
  const cp = options.checkpoint_settings;
  const runDir = path.resolve(cp.results_dir, cp.run_id);
  const resume = cp.resume || cp.load_model;
  const exists = existsSync(runDir) && (await fs.readdir(runDir)).length > 0;
  if (resume && !exists) {
    throw new RunDirectoryError(
      `Previous data from this run ID (${cp.run_id}) was not found in ${runDir}. Train a new run by removing the --resume flag.`,
    );
  }
  if (exists && !resume && !cp.inference) {
    if (!cp.force) {
      throw new RunDirectoryError(
        `Previous data from this run ID (${cp.run_id}) was found in ${runDir}. Either specify a new run ID, ` +
          `use --resume to resume this run, or use the --force parameter to overwrite existing data.`,
      );
    }
    await fs.rm(runDir, { recursive: true, force: true });
  }
  const runLogsDir = path.join(runDir, "run_logs");
  await fs.mkdir(runLogsDir, { recursive: true });
  return { runDir, runLogsDir, resume: resume || (cp.inference && exists) };
}

/** The effective configuration, like ML-Agents' configuration.yaml. */
export async function writeConfiguration(runDir: string, options: RunOptions): Promise<void> {
  await writeFileAtomic(path.join(runDir, "configuration.yaml"), runOptionsToYaml(options));
}
