// Reference counting of member snapshots: a snapshot lives while it is its owner's current record
// or while an exploiter told to load it has not confirmed (Ray Tune #8441 deleted checkpoints an
// exploiter still had to load). Functions return the ids that became free for deletion.

import type { SnapshotRefs } from "./population-state.js";

export type SnapshotTable = Record<string, SnapshotRefs>;

/** A new snapshot becomes `owner`'s current record. */
export function recordSnapshot(table: SnapshotTable, id: string, owner: number): void {
  if (Object.hasOwn(table, id)) throw new Error(`snapshot id "${id}" was already used; every snapshot needs a new id`);
  table[id] = { owner, recorded: true, loaders: [] };
}

/** The snapshot is no longer its owner's current record; released when nobody still has to load it. */
export function unrecordSnapshot(table: SnapshotTable, id: string): string[] {
  const refs = table[id];
  if (refs === undefined) return [];
  refs.recorded = false;
  return releaseIfFree(table, id);
}

/** `loader` was told to load the snapshot: keep it until loader confirms. */
export function pinSnapshot(table: SnapshotTable, id: string, loader: number): void {
  const refs = table[id];
  if (refs === undefined) throw new Error(`snapshot "${id}" is not retained`);
  refs.loaders.push(loader);
}

/** `loader` has loaded the snapshot (or gave up on it); released when nothing else holds it. */
export function unpinSnapshot(table: SnapshotTable, id: string, loader: number): string[] {
  const refs = table[id];
  const index = refs?.loaders.indexOf(loader) ?? -1;
  if (refs === undefined || index < 0) throw new Error(`member ${loader} was not told to load snapshot "${id}"`);
  refs.loaders.splice(index, 1);
  return releaseIfFree(table, id);
}

function releaseIfFree(table: SnapshotTable, id: string): string[] {
  const refs = table[id]!;
  if (refs.recorded || refs.loaders.length > 0) return [];
  delete table[id];
  return [id];
}
