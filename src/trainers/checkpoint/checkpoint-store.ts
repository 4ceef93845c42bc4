// Checkpoints of one behavior in results/<run-id>/<behavior>/:
//   <behavior>-<step>.ckpt   one per save, the newest keep_checkpoints kept (with their extra files)
//   checkpoint.ckpt          the latest state (what --resume loads)
// Every file is replaced atomically, so a crash at any point leaves a folder that loads: at worst
// the previous checkpoint. loadLatest() verifies checksums and falls back to the newest valid file.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Logger } from "../../util/logger.js";
import { linkFileAtomic, removeStaleTempFiles, writeFileAtomic } from "../../util/atomic-file.js";
import { safeFileName } from "../../util/safe-name.js";
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint } from "./checkpoint-file.js";
import { TrainingStatusFile, type StatusCheckpoint } from "./training-status.js";

export const LATEST_CHECKPOINT = "checkpoint.ckpt";

export interface CheckpointInfo {
  readonly step: number;
  readonly path: string;
  readonly creationTime: number;
  readonly reward: number | null;
  /** Extra files saved with it (e.g. the exported .onnx). */
  readonly auxiliaryPaths: readonly string[];
}

export interface CheckpointStoreOptions {
  /** results/<run-id> */
  readonly runDir: string;
  readonly behaviorName: string;
  /** Folder of the files; default runDir/<behavior> (a population member has its own). */
  readonly dir?: string;
  /** Newest step files to keep; 0 or less keeps all (ML-Agents). Default 5. */
  readonly keepCheckpoints?: number;
  readonly logger?: Logger;
  /** Package version for file headers and training_status.json metadata. */
  readonly version?: string;
  /** Shared status file of the run (one per run when several behaviors train). */
  readonly status?: TrainingStatusFile;
  /** Clock in seconds since the epoch (tests). */
  readonly now?: () => number;
}

export interface SaveOptions {
  /** Mean reward at the checkpoint, recorded in training_status.json. */
  readonly reward?: number | null;
  /** Also record it as the behavior's final_checkpoint (at exit). */
  readonly final?: boolean;
}

export class CheckpointPathError extends Error {
  constructor(readonly behaviorName: string, readonly fileName: string) {
    super(`Behavior ${behaviorName}: extra checkpoint file name "${fileName}" is not a plain file name.`);
    this.name = "CheckpointPathError";
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class CheckpointStore {
  readonly dir: string;
  readonly status: TrainingStatusFile;
  private readonly stem: string;
  private readonly stepFile: RegExp;
  private readonly keep: number;
  private readonly now: () => number;

  constructor(private readonly options: CheckpointStoreOptions) {
    this.stem = safeFileName(options.behaviorName);
    this.dir = options.dir ?? path.join(options.runDir, this.stem);
    this.stepFile = new RegExp(`^${escapeRegExp(this.stem)}-(\\d+)\\.ckpt$`);
    this.keep = options.keepCheckpoints ?? 5;
    this.status = options.status ?? new TrainingStatusFile(options.runDir, options.version ?? "0.1.0");
    this.now = options.now ?? ((): number => Date.now() / 1000);
  }

  /** Path of the step file for `step`. */
  pathFor(step: number): string {
    return path.join(this.dir, `${this.stem}-${step}.ckpt`);
  }

  async save(
    step: number,
    stateBytes: Uint8Array,
    extraFiles: readonly { name: string; bytes: Uint8Array }[] = [],
    options: SaveOptions = {},
  ): Promise<CheckpointInfo> {
    if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`Checkpoint step must be a non-negative integer, got ${step}.`);
    for (const extra of extraFiles) {
      if (safeFileName(extra.name) !== extra.name || extra.name === LATEST_CHECKPOINT) {
        throw new CheckpointPathError(this.options.behaviorName, extra.name);
      }
    }
    await fs.mkdir(this.dir, { recursive: true });
    const creationTime = this.now();
    const auxiliaryPaths: string[] = [];
    for (const extra of extraFiles) {
      const p = path.join(this.dir, extra.name);
      await writeFileAtomic(p, extra.bytes);
      auxiliaryPaths.push(p);
    }
    const file = this.pathFor(step);
    const header = { behaviorName: this.options.behaviorName, step, creationTime, trainer: "mlagents-ts", version: this.options.version };
    await writeFileAtomic(file, encodeCheckpoint(header, stateBytes));
    await linkFileAtomic(file, path.join(this.dir, LATEST_CHECKPOINT));
    const info: CheckpointInfo = { step, path: file, creationTime, reward: options.reward ?? null, auxiliaryPaths };
    const removed = await this.prune(step);
    await this.status.updateBehavior(this.options.behaviorName, (entry) => {
      const list = (entry.checkpoints ?? []).filter((c) => c.steps !== step && !removed.has(c.steps));
      list.push(toStatus(info));
      list.sort((a, b) => a.steps - b.steps);
      const next = { ...entry, checkpoints: list };
      if (options.final) next.final_checkpoint = toStatus(info);
      return next;
    });
    return info;
  }

  /**
   * The newest loadable state: checkpoint.ckpt, unless it is damaged (then the newest valid step
   * file, logged in one line) or a valid step file is newer (a crash between the two writes).
   * Leftover temp files of interrupted writes are removed. null when nothing valid exists.
   */
  async loadLatest(): Promise<{ step: number; bytes: Uint8Array } | null> {
    await removeStaleTempFiles(this.dir);
    const latestPath = path.join(this.dir, LATEST_CHECKPOINT);
    const latest = await this.tryRead(latestPath);
    const steps = (await this.stepFiles()).reverse();
    if (latest.ok) {
      for (const s of steps) {
        if (s <= latest.step) break;
        const newer = await this.tryRead(this.pathFor(s));
        if (newer.ok) return { step: newer.step, bytes: newer.payload };
      }
      return { step: latest.step, bytes: latest.payload };
    }
    for (const s of steps) {
      const candidate = await this.tryRead(this.pathFor(s));
      if (!candidate.ok) continue;
      if (latest.exists) {
        this.options.logger?.warn(`${latest.reason} Resuming ${this.options.behaviorName} from ${this.pathFor(s)} instead.`);
      }
      // Repair the pointer so the next resume does not need the fallback.
      await linkFileAtomic(this.pathFor(s), latestPath).catch(() => undefined);
      return { step: candidate.step, bytes: candidate.payload };
    }
    if (latest.exists || steps.length > 0) {
      this.options.logger?.warn(`No valid checkpoint for ${this.options.behaviorName} in ${this.dir}; none can be resumed.`);
    }
    return null;
  }

  /** Step files that pass verification, oldest first. */
  async listValid(): Promise<CheckpointInfo[]> {
    const entry = await this.status.readBehavior(this.options.behaviorName);
    const out: CheckpointInfo[] = [];
    for (const s of await this.stepFiles()) {
      const r = await this.tryRead(this.pathFor(s));
      if (!r.ok) continue;
      const recorded = entry.checkpoints?.find((c) => c.steps === s);
      out.push({
        step: r.step,
        path: this.pathFor(s),
        creationTime: r.creationTime,
        reward: recorded?.reward ?? null,
        auxiliaryPaths: recorded ? auxiliaryOf(recorded) : [],
      });
    }
    return out;
  }

  /** Steps of the <behavior>-<step>.ckpt files present, ascending. */
  private async stepFiles(): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const steps: number[] = [];
    for (const n of names) {
      const m = this.stepFile.exec(n);
      if (m) steps.push(Number(m[1]));
    }
    return steps.sort((a, b) => a - b);
  }

  /** Deletes step files (and files named <behavior>-<step>.*) beyond the newest `keep`. */
  private async prune(justSaved: number): Promise<Set<number>> {
    const removed = new Set<number>();
    if (this.keep <= 0) return removed;
    const steps = await this.stepFiles();
    const doomed = steps.slice(0, Math.max(0, steps.length - this.keep)).filter((s) => s !== justSaved);
    if (doomed.length === 0) return removed;
    const names = await fs.readdir(this.dir);
    for (const s of doomed) {
      const prefix = `${this.stem}-${s}.`;
      for (const n of names) {
        if (n.startsWith(prefix)) await fs.rm(path.join(this.dir, n), { force: true });
      }
      removed.add(s);
    }
    return removed;
  }

  private async tryRead(
    file: string,
  ): Promise<
    | { ok: true; step: number; creationTime: number; payload: Uint8Array }
    | { ok: false; exists: boolean; reason: string }
  > {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch {
      return { ok: false, exists: false, reason: `Checkpoint ${file} is missing.` };
    }
    try {
      const { header, payload } = decodeCheckpoint(bytes, file);
      if (header.behaviorName !== this.options.behaviorName) {
        throw new CheckpointFormatError(file, `it belongs to behavior ${header.behaviorName}`);
      }
      return { ok: true, step: header.step, creationTime: header.creationTime, payload };
    } catch (error) {
      const reason = error instanceof CheckpointFormatError ? error.message : `Checkpoint ${file} is not usable.`;
      return { ok: false, exists: true, reason };
    }
  }
}

/** ML-Agents records the exported model as file_path and everything else as auxiliary. */
function toStatus(info: CheckpointInfo): StatusCheckpoint {
  const onnx = info.auxiliaryPaths.find((p) => p.endsWith(".onnx"));
  return {
    steps: info.step,
    file_path: onnx ?? info.path,
    reward: info.reward,
    creation_time: info.creationTime,
    auxillary_file_paths: onnx ? [info.path, ...info.auxiliaryPaths.filter((p) => p !== onnx)] : [...info.auxiliaryPaths],
  };
}

function auxiliaryOf(c: StatusCheckpoint): string[] {
  return [c.file_path, ...c.auxillary_file_paths].filter((p) => !p.endsWith(".ckpt"));
}
