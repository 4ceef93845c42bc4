// Creates the team of a behavior the first time Unity announces it: N trainers, each restored from
// its own latest checkpoint (--resume, --inference) or initialized from another run
// (--initialize-from), and the behavior spec saved beside the checkpoints so a later session can
// be checked against what the run was trained on.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { TrainerSettings } from "../config/index.js";
import { behaviorSpecDifference, UnitySessionRefusedError, type BehaviorSpec } from "../env/index.js";
import { CheckpointStore } from "../trainers/checkpoint/checkpoint-store.js";
import type { TrainingStatusFile } from "../trainers/checkpoint/training-status.js";
import type { Trainer } from "../trainers/trainer.js";
import { writeFileAtomic } from "../util/atomic-file.js";
import type { Logger } from "../util/logger.js";
import { safeFileName } from "../util/safe-name.js";
import { behaviorSpecFromJson, behaviorSpecToJson } from "./behavior-spec-json.js";
import { BehaviorTeam } from "./behavior-team.js";
import { memberPlace, memberSeed, memberStore, newMember, type TeamMember } from "./team-member.js";

/** Builds the trainer of one member; `member` is 0 for a team of one. */
export type TrainerFactory = (behaviorName: string, spec: BehaviorSpec, settings: TrainerSettings, seed: number, member: number) => Trainer;

export interface TeamBuilderOptions {
  readonly runDir: string;
  readonly logger: Logger;
  readonly version: string;
  readonly status: TrainingStatusFile;
  readonly seed: number;
  readonly resume: boolean;
  readonly inference: boolean;
  readonly createTrainer: TrainerFactory;
  /** Members serving a behavior (default 1). */
  readonly teamSize?: (behaviorName: string) => number;
  /** Each member owns this many consecutive environments (default: members share every environment's agents). */
  readonly environmentsPerMember?: number;
  /** With environmentsPerMember: each group of this many consecutive members owns them together (default 1). */
  readonly membersPerEnvironment?: number;
  /** Initial weights from another run's folder (--initialize-from). */
  readonly initializeFromDir?: string | null;
}

export async function buildTeam(name: string, spec: BehaviorSpec, settings: TrainerSettings, o: TeamBuilderOptions): Promise<BehaviorTeam> {
  const size = o.teamSize?.(name) ?? 1;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`Behavior ${name}: a team needs 1 or more members, got ${size}.`);
  const specFile = path.join(o.runDir, safeFileName(name), "behavior-spec.json");
  if (existsSync(specFile)) {
    const saved = behaviorSpecFromJson(await fs.readFile(specFile, "utf8"));
    const diff = behaviorSpecDifference(saved, spec);
    if (diff) throw new UnitySessionRefusedError(name, `does not match the checkpoints of this run: ${diff}`);
  }
  const members: TeamMember[] = [];
  try {
    for (let i = 0; i < size; i++) members.push(await buildMember(name, spec, settings, i, size, o));
  } catch (error) {
    for (const m of members) m.trainer.dispose();
    throw error;
  }
  if (!o.inference) {
    await fs.mkdir(path.dirname(specFile), { recursive: true });
    await writeFileAtomic(specFile, behaviorSpecToJson(spec));
  }
  return new BehaviorTeam(name, spec, settings, members, o.environmentsPerMember ?? null, o.membersPerEnvironment ?? 1);
}

async function buildMember(name: string, spec: BehaviorSpec, settings: TrainerSettings, index: number, size: number, o: TeamBuilderOptions): Promise<TeamMember> {
  const place = memberPlace(o.runDir, name, index, size);
  const store = memberStore(place, settings, o);
  const seed = memberSeed(o.seed, index);
  const trainer = o.createTrainer(name, spec, settings, seed, index);
  try {
    const latest = o.resume || o.inference ? await store.loadLatest() : null;
    if (latest) {
      trainer.loadSerializedState(latest.bytes);
      o.logger.info(
        o.inference ? `Loaded ${place.label} (step ${trainer.stepCount}) for inference.` : `Resuming training of ${place.label} from step ${trainer.stepCount}.`,
      );
    } else if (o.initializeFromDir) {
      await initializeFrom(trainer, name, place.label, spec, settings, seed, index, o);
    }
  } catch (error) {
    trainer.dispose();
    throw error;
  }
  return newMember(place, trainer, store, settings);
}

/** Weights and normalizer come from the other run (its member of the same index, or its single trainer); steps and buffer start fresh. */
async function initializeFrom(
  trainer: Trainer,
  name: string,
  label: string,
  spec: BehaviorSpec,
  settings: TrainerSettings,
  seed: number,
  index: number,
  o: TeamBuilderOptions,
): Promise<void> {
  const dir = o.initializeFromDir!;
  const own = memberPlace(dir, name, index, 2);
  const candidates = [
    new CheckpointStore({ runDir: dir, dir: own.dir, behaviorName: own.label, logger: o.logger }),
    new CheckpointStore({ runDir: dir, behaviorName: name, logger: o.logger }),
  ];
  let latest: { step: number; bytes: Uint8Array } | null = null;
  for (const store of candidates) {
    if (existsSync(store.dir)) latest = await store.loadLatest();
    if (latest) break;
  }
  if (!latest) {
    o.logger.warn(`--initialize-from: no checkpoint of ${name} in ${dir}; starting from scratch.`);
    return;
  }
  const donor = o.createTrainer(name, spec, settings, seed, index);
  try {
    donor.loadSerializedState(latest.bytes);
    trainer.initializeWeightsFrom(donor);
  } finally {
    donor.dispose();
  }
  o.logger.info(`Initialized ${label} from ${dir} (step ${latest.step}).`);
}
