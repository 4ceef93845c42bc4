// Member snapshots of a PBT population: the exact state that earned a recorded score, kept in
// memory (trainer.getState(), a deep copy) for loading, and written atomically to
// results/<run-id>/pbt/snapshots/<id>.ckpt (serializeState with the replay buffer) so an exploit
// decided before a kill -9 can still load it after --resume.
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import type { Trainer } from "../../trainers/trainer.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { safeFileName } from "../../util/safe-name.js";

export class SnapshotStore {
  private readonly memory = new Map<string, unknown>();

  constructor(readonly dir: string) {}

  file(id: string): string {
    return path.join(this.dir, `${safeFileName(id)}.ckpt`);
  }

  /** Keeps the trainer's current state under `id`, in memory and on disk. */
  async take(id: string, trainer: Trainer): Promise<void> {
    this.memory.set(id, trainer.getState());
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(id), trainer.serializeState(true));
  }

  /** Makes `trainer` an exact copy of snapshot `id` (its hyperparameters included). */
  async loadInto(id: string, trainer: Trainer): Promise<void> {
    if (this.memory.has(id)) {
      trainer.setState(this.memory.get(id));
      return;
    }
    const file = this.file(id);
    if (!existsSync(file)) throw new Error(`PBT snapshot ${id} is missing (${file})`);
    trainer.loadSerializedState(new Uint8Array(await fs.readFile(file)), "state");
  }

  /** Forgets and deletes snapshots nobody needs any more. */
  async release(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.memory.delete(id);
      await fs.rm(this.file(id), { force: true });
    }
  }

  /** Deletes files of snapshots the population no longer retains (left by a kill between a write and its release). */
  async prune(retained: readonly string[]): Promise<void> {
    if (!existsSync(this.dir)) return;
    const keep = new Set(retained.map((id) => path.basename(this.file(id))));
    for (const name of await fs.readdir(this.dir)) if (!keep.has(name)) await fs.rm(path.join(this.dir, name), { force: true });
  }
}
