// Test fixtures for exploit correctness: what each PBT snapshot held when it was taken, which
// snapshot each exploit loaded, and a trainer state without the hyperparameters explore changes.
import { SnapshotStore } from "../../../src/run/population/snapshot-store.js";
import type { SacTrainer, SacTrainerState } from "../../../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../../../src/trainers/trainer.js";

/** Records what each snapshot held when it was taken, and which snapshot each load used. */
export class RecordingStore extends SnapshotStore {
  readonly taken = new Map<string, { owner: Trainer; state: SacTrainerState }>();
  readonly loads: { id: string; into: Trainer }[] = [];
  override async take(id: string, trainer: Trainer): Promise<void> {
    this.taken.set(id, { owner: trainer, state: (trainer as SacTrainer).getState() });
    await super.take(id, trainer);
  }
  override async loadInto(id: string, trainer: Trainer): Promise<void> {
    await super.loadInto(id, trainer);
    this.loads.push({ id, into: trainer });
  }
}

/** A model state without its hyperparameters (explore changes them right after the load). */
export function withoutHyperparameters(model: unknown): object {
  const { hyperparameters: _ignored, ...rest } = model as Record<string, unknown>;
  return rest;
}
