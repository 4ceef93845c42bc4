// results/<run-id>/run_logs/training_status.json in ML-Agents' layout (GlobalTrainingStatus):
// {"metadata": {...}, "<behavior>": {"checkpoints": [...], "final_checkpoint": {...}}, ...}.
// Each write is read-modify-write of one behavior's entry, serialized per instance and written
// atomically; share one instance between the behaviors of a run.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../../util/atomic-file.js";

export const STATS_FORMAT_VERSION = "0.3.0";

/** One checkpoint as ML-Agents records it (note ML-Agents' spelling "auxillary"). */
export interface StatusCheckpoint {
  steps: number;
  file_path: string;
  reward: number | null;
  creation_time: number;
  auxillary_file_paths: string[];
}

export interface BehaviorStatus {
  checkpoints?: StatusCheckpoint[];
  final_checkpoint?: StatusCheckpoint;
  [key: string]: unknown;
}

export class TrainingStatusFile {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  /** version: this package's version, recorded as metadata.mlagents_version. */
  constructor(runDir: string, private readonly version: string) {
    this.file = path.join(runDir, "run_logs", "training_status.json");
  }

  /** The whole file, or a fresh document when it is missing or unreadable. */
  async read(): Promise<Record<string, unknown>> {
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(this.file, "utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Missing or damaged: rebuilt from the next update (it only mirrors what is on disk).
    }
    return {};
  }

  async readBehavior(behaviorName: string): Promise<BehaviorStatus> {
    const doc = await this.read();
    const entry = doc[behaviorName];
    return entry && typeof entry === "object" ? (entry as BehaviorStatus) : {};
  }

  /** Applies `change` to one behavior's entry and writes the file atomically. */
  updateBehavior(behaviorName: string, change: (entry: BehaviorStatus) => BehaviorStatus): Promise<void> {
    const run = async (): Promise<void> => {
      const doc = await this.read();
      const current = doc[behaviorName];
      doc[behaviorName] = change(current && typeof current === "object" ? (current as BehaviorStatus) : {});
      doc.metadata = { stats_format_version: STATS_FORMAT_VERSION, mlagents_version: this.version };
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(doc, null, 4));
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
