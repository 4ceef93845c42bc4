// Saving one team member: its trainer state as a checkpoint, the actor as <label>-<step>.onnx next
// to it, and at the end of the run the final model as <label>.onnx in the results folder (a team of
// one: results/<run-id>/<Behavior>.onnx as ML-Agents; a member: in its member-<i>/ folder).
// A failure is one error line, never the end of the run: the previous checkpoint stays valid
// (atomic writes) and training goes on.
import * as path from "node:path";
import type { BehaviorSpec } from "../env/index.js";
import { DEFAULT_OPSET, exportActorToOnnx } from "../export/index.js";
import { writeFileAtomic } from "../util/atomic-file.js";
import { displayPath } from "../util/display-path.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { safeFileName } from "../util/safe-name.js";
import type { TeamMember } from "./team-member.js";

export interface CheckpointTarget {
  readonly logger: Logger;
  /** ONNX opset of exported models; default the exporter's. */
  readonly opset?: number;
}

/** Saves the member now; returns the checkpoint file, or null when it could not be written. */
export async function checkpointMember(m: TeamMember, spec: BehaviorSpec, final: boolean, t: CheckpointTarget): Promise<string | null> {
  const step = m.trainer.stepCount;
  try {
    return await writeCheckpoint(m, spec, final, step, t);
  } catch (error) {
    t.logger.error(`Could not checkpoint ${m.label} at step ${step}: ${errorMessage(error)}`);
    return null;
  }
}

async function writeCheckpoint(m: TeamMember, spec: BehaviorSpec, final: boolean, step: number, t: CheckpointTarget): Promise<string> {
  const stem = safeFileName(m.label);
  let onnx: Uint8Array | null = null;
  try {
    onnx = exportActorToOnnx(m.trainer.snapshot(), spec.observationSpecs.map((o) => [...o.shape]), { opset: t.opset ?? DEFAULT_OPSET });
  } catch (error) {
    t.logger.warn(`Could not export ${m.label} to ONNX at step ${step} (the checkpoint is saved without it): ${errorMessage(error)}`);
  }
  const extra = onnx ? [{ name: `${stem}-${step}.onnx`, bytes: onnx }] : [];
  const info = await m.store.save(step, m.trainer.serializeState(), extra, { reward: m.lastMeanReward, final });
  if (!onnx) return info.path;
  const exported = path.join(m.store.dir, `${stem}-${step}.onnx`);
  t.logger.info(`Exported ${displayPath(exported)}`);
  if (final) {
    const target = path.join(m.modelDir, `${stem}.onnx`);
    await writeFileAtomic(target, onnx);
    t.logger.info(`Copied ${displayPath(exported)} to ${displayPath(target)}.`);
  }
  return info.path;
}
