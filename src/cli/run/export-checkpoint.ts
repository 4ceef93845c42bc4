// `mlagents-ts export`: a checkpoint (a run folder's latest, or one .ckpt file) -> .onnx. The actor is
// rebuilt the way `learn` built it: behavior spec from <behavior>/behavior-spec.json, network settings
// from the run's configuration.yaml, weights from the checkpoint; then exported like a checkpoint export.
import { existsSync, promises as fs, statSync } from "node:fs";
import * as path from "node:path";
import { behaviorSettings, ConfigError, loadRunOptions, type TrainerSettings } from "../../config/index.js";
import type { BehaviorSpec } from "../../env/index.js";
import { DEFAULT_OPSET, exportActorToOnnx } from "../../export/index.js";
import { CheckpointFormatError, decodeCheckpoint } from "../../trainers/checkpoint/checkpoint-file.js";
import { CheckpointStore } from "../../trainers/checkpoint/checkpoint-store.js";
import { createTrainer } from "../../trainers/create-trainer.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { safeFileName } from "../../util/safe-name.js";
import { behaviorSpecFromJson } from "../../run/behavior-spec-json.js";
import { CheckpointSourceError } from "./errors.js";

export const SPEC_FILE = "behavior-spec.json";
export const CONFIG_FILE = "configuration.yaml";

export interface ExportRequest {
  /** results/<run-id>, results/<run-id>/<behavior>, or a .ckpt file. */
  readonly source: string;
  /** Behavior to export when the run has several. */
  readonly behavior?: string;
  /** Output file; default results/<run-id>/<behavior>.onnx (run folder) or the .ckpt path with .onnx. */
  readonly out?: string;
  readonly opset?: number;
  readonly logger?: Logger;
}

export interface ExportResult {
  readonly behaviorName: string;
  readonly step: number;
  readonly checkpointPath: string;
  readonly outPath: string;
  readonly bytes: number;
}

interface Located {
  readonly runDir: string;
  readonly behaviorDir: string;
  readonly behaviorName: string;
  readonly step: number;
  readonly checkpointPath: string;
  readonly payload: Uint8Array;
  readonly defaultOut: string;
}

export async function exportCheckpoint(req: ExportRequest): Promise<ExportResult> {
  const found = await locate(req);
  const spec = await readSpec(found.behaviorDir);
  const settings = readSettings(found.runDir, found.behaviorName, req.logger);
  // createTrainer: a Mix & Match checkpoint holds every component; its snapshot is the target alone.
  const trainer = createTrainer({ behaviorName: found.behaviorName, spec, settings, seed: 0, training: false });
  let onnx: Uint8Array;
  try {
    try {
      trainer.loadSerializedState(found.payload);
    } catch (error) {
      throw new CheckpointSourceError(found.checkpointPath, `the checkpoint does not fit behavior ${found.behaviorName} with the run's configuration (${errorMessage(error)})`);
    }
    onnx = exportActorToOnnx(trainer.snapshot(), spec.observationSpecs.map((o) => [...o.shape]), {
      opset: req.opset ?? DEFAULT_OPSET,
    });
  } finally {
    trainer.dispose();
  }
  const outPath = path.resolve(req.out ?? found.defaultOut);
  await fs.mkdir(path.dirname(outPath), { recursive: true });
  await writeFileAtomic(outPath, onnx);
  return { behaviorName: found.behaviorName, step: found.step, checkpointPath: found.checkpointPath, outPath, bytes: onnx.length };
}

async function locate(req: ExportRequest): Promise<Located> {
  const source = path.resolve(req.source);
  if (!existsSync(source)) throw new CheckpointSourceError(req.source, "no such file or folder");
  if (statSync(source).isFile()) return locateFile(source, req);

  // A behavior folder (holds behavior-spec.json) or a run folder (holds behavior folders).
  if (existsSync(path.join(source, SPEC_FILE))) return locateInBehaviorDir(path.dirname(source), source, req);
  const behaviors = await behaviorDirs(source);
  if (behaviors.length === 0) {
    throw new CheckpointSourceError(req.source, `no behavior folder with ${SPEC_FILE} (is this a results/<run-id> folder of mlagents-ts learn?)`);
  }
  let chosen: { dir: string; name: string } | undefined;
  if (req.behavior !== undefined) {
    chosen = behaviors.find((b) => b.name === req.behavior || path.basename(b.dir) === req.behavior);
    if (!chosen) {
      throw new CheckpointSourceError(req.source, `no behavior ${req.behavior} (the run has ${behaviors.map((b) => b.name).join(", ")})`);
    }
  } else if (behaviors.length === 1) {
    chosen = behaviors[0];
  } else {
    throw new CheckpointSourceError(req.source, `the run has several behaviors (${behaviors.map((b) => b.name).join(", ")}); choose one with --behavior`);
  }
  return locateInBehaviorDir(source, chosen!.dir, req);
}

async function locateFile(file: string, req: ExportRequest): Promise<Located> {
  let decoded: ReturnType<typeof decodeCheckpoint>;
  try {
    decoded = decodeCheckpoint(await fs.readFile(file), file);
  } catch (error) {
    const reason = error instanceof CheckpointFormatError ? error.reason : errorMessage(error);
    throw new CheckpointSourceError(file, `not a usable checkpoint (${reason})`);
  }
  const name = decoded.header.behaviorName;
  if (req.behavior !== undefined && req.behavior !== name) {
    throw new CheckpointSourceError(file, `it holds behavior ${name}, not ${req.behavior}`);
  }
  const behaviorDir = path.dirname(file);
  const stem = safeFileName(name);
  return {
    runDir: path.dirname(behaviorDir),
    behaviorDir,
    behaviorName: name,
    step: decoded.header.step,
    checkpointPath: file,
    payload: decoded.payload,
    defaultOut: path.join(behaviorDir, `${stem}-${decoded.header.step}.onnx`),
  };
}

async function locateInBehaviorDir(runDir: string, behaviorDir: string, req: ExportRequest): Promise<Located> {
  const name = await behaviorNameOf(behaviorDir);
  if (req.behavior !== undefined && req.behavior !== name && req.behavior !== path.basename(behaviorDir)) {
    throw new CheckpointSourceError(behaviorDir, `it holds behavior ${name}, not ${req.behavior}`);
  }
  const store = new CheckpointStore({ runDir, behaviorName: name, logger: req.logger });
  const latest = await store.loadLatest();
  if (!latest) throw new CheckpointSourceError(behaviorDir, `no valid checkpoint of behavior ${name} (missing, truncated or corrupted)`);
  return {
    runDir,
    behaviorDir,
    behaviorName: name,
    step: latest.step,
    checkpointPath: store.pathFor(latest.step),
    payload: latest.bytes,
    defaultOut: path.join(runDir, `${safeFileName(name)}.onnx`),
  };
}

/** Sub-folders holding a behavior spec, with the behavior name their checkpoints carry. */
async function behaviorDirs(runDir: string): Promise<{ dir: string; name: string }[]> {
  const out: { dir: string; name: string }[] = [];
  for (const entry of (await fs.readdir(runDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(runDir, entry.name);
    if (entry.isDirectory() && existsSync(path.join(dir, SPEC_FILE))) out.push({ dir, name: await behaviorNameOf(dir) });
  }
  return out;
}

/**
 * Folder names are safeFileName(behavior), which may differ from the name; the checkpoint headers
 * carry the real one. Falls back to the folder name when no checkpoint header is readable.
 */
async function behaviorNameOf(behaviorDir: string): Promise<string> {
  const files = (await fs.readdir(behaviorDir)).filter((f) => f.endsWith(".ckpt")).sort();
  for (const f of files) {
    try {
      return decodeCheckpoint(await fs.readFile(path.join(behaviorDir, f)), f).header.behaviorName;
    } catch {
      // damaged: try the next one
    }
  }
  return path.basename(behaviorDir);
}

async function readSpec(behaviorDir: string): Promise<BehaviorSpec> {
  const file = path.join(behaviorDir, SPEC_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    throw new CheckpointSourceError(file, "the behavior spec saved by learn is missing");
  }
  try {
    const spec = behaviorSpecFromJson(text);
    if (!Array.isArray(spec.observationSpecs) || spec.observationSpecs.some((o) => !Array.isArray(o.shape))) {
      throw new Error("observations are malformed");
    }
    return spec;
  } catch (error) {
    throw new CheckpointSourceError(file, `not a valid behavior spec (${errorMessage(error)})`);
  }
}

function readSettings(runDir: string, behaviorName: string, logger?: Logger): TrainerSettings {
  const file = path.join(runDir, CONFIG_FILE);
  if (!existsSync(file)) {
    throw new CheckpointSourceError(file, "the run's configuration is missing; it holds the network settings the checkpoint was trained with");
  }
  try {
    return behaviorSettings(loadRunOptions(file, logger), behaviorName, logger);
  } catch (error) {
    if (error instanceof ConfigError) throw new CheckpointSourceError(file, error.message);
    throw error;
  }
}
