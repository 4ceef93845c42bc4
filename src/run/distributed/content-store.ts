// Content-addressed snapshot store of the distributed population: a snapshot is named by the
// SHA-256 of its bytes, so Redis carries only 64-character hashes, a re-run segment that writes the
// same bytes writes the same name, and a reader can prove it got what was meant. The default backend
// is a directory every worker reaches (NFS, a Kubernetes volume); another backend (S3, ...) only
// implements ContentStore. Names from the queue are untrusted: anything but 64 lowercase hex digits
// is refused before it becomes a path.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { isTempName, writeFileAtomic } from "../../util/atomic-file.js";
import { ContentStoreError, quoteForMessage } from "./errors.js";

export interface ContentStore {
  /** Stores `bytes`; returns their SHA-256 in lowercase hex (the name to get them back). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes stored under `hash`, verified; ContentStoreError when missing or corrupt. */
  get(hash: string): Promise<Uint8Array>;
  has(hash: string): Promise<boolean>;
  /** Removes `hash`; no error when it is already gone. */
  delete(hash: string): Promise<void>;
  /** Every stored hash, sorted. */
  list(): Promise<string[]>;
  /** When `hash` was last stored (ms since the epoch), for garbage collection's grace period. */
  storedAt?(hash: string): Promise<number | undefined>;
  /** Removes what interrupted puts left (a worker killed mid-write) if older than `olderThanMs`; returns how many. */
  removeLeftovers?(olderThanMs: number, now: number): Promise<number>;
}

const CONTENT_HASH = /^[0-9a-f]{64}$/;

/** True for a SHA-256 in lowercase hex, the only names a store accepts. */
export function isContentHash(value: unknown): value is string {
  return typeof value === "string" && CONTENT_HASH.test(value);
}

/** SHA-256 of `bytes` in lowercase hex. */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function checkHash(hash: string, location: string): void {
  if (!isContentHash(hash)) {
    throw new ContentStoreError(quoteForMessage(String(hash)), location, "not a content hash (64 lowercase hex digits)");
  }
}

/** Snapshots as files <dir>/<hash>, written atomically; safe for several processes sharing `dir`. */
export class DirectoryContentStore implements ContentStore {
  constructor(readonly dir: string) {}

  /** The file of `hash` (after checking that it is a hash, so it never leaves `dir`). */
  file(hash: string): string {
    checkHash(hash, this.dir);
    return path.join(this.dir, hash);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const hash = contentHash(bytes);
    const file = this.file(hash);
    const existing = await fs.readFile(file).catch(() => undefined);
    if (existing !== undefined && contentHash(existing) === hash) {
      // Already there and intact: only mark it as stored again (garbage collection's grace period).
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      return hash;
    }
    await fs.mkdir(this.dir, { recursive: true });
    // Concurrent puts of the same bytes each write their own temp file and rename it over the same
    // name: every rename is atomic and every candidate holds the same bytes, so any winner is right.
    await writeFileAtomic(file, bytes);
    return hash;
  }

  async get(hash: string): Promise<Uint8Array> {
    const file = this.file(hash);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const problem =
        code === "ENOENT"
          ? "missing (deleted as garbage, or this worker's --store is not the folder the coordinator uses)"
          : `cannot be read (${code ?? (e as Error).message})`;
      throw new ContentStoreError(hash, file, problem);
    }
    const actual = contentHash(bytes);
    if (actual !== hash) throw new ContentStoreError(hash, file, `corrupt: its ${bytes.byteLength} bytes hash to ${actual}`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(hash: string): Promise<boolean> {
    const file = this.file(hash);
    return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
  }

  async delete(hash: string): Promise<void> {
    await fs.rm(this.file(hash), { force: true });
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    // Temp files of writes in progress (".<hash>.tmp-...") and foreign files are not snapshots.
    return names.filter((n) => isContentHash(n)).sort();
  }

  async storedAt(hash: string): Promise<number | undefined> {
    return (await fs.stat(this.file(hash)).catch(() => undefined))?.mtimeMs;
  }

  async removeLeftovers(olderThanMs: number, now: number): Promise<number> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter(isTempName)) {
      const file = path.join(this.dir, name);
      const stat = await fs.stat(file).catch(() => undefined);
      // A young temp file may be another worker's write in progress: leave it.
      if (!stat || now - stat.mtimeMs < olderThanMs) continue;
      await fs.rm(file, { force: true });
      removed++;
    }
    return removed;
  }
}

/** A store in memory: for tests and for a single process that needs no sharing. */
export class MemoryContentStore implements ContentStore {
  private readonly blobs = new Map<string, { bytes: Uint8Array; at: number }>();

  async put(bytes: Uint8Array): Promise<string> {
    const hash = contentHash(bytes);
    this.blobs.set(hash, { bytes: bytes.slice(), at: Date.now() });
    return hash;
  }

  async get(hash: string): Promise<Uint8Array> {
    checkHash(hash, "memory");
    const blob = this.blobs.get(hash);
    if (!blob) throw new ContentStoreError(hash, "memory", "missing");
    return blob.bytes.slice();
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash, "memory");
    return this.blobs.has(hash);
  }

  async delete(hash: string): Promise<void> {
    checkHash(hash, "memory");
    this.blobs.delete(hash);
  }

  async list(): Promise<string[]> {
    return [...this.blobs.keys()].sort();
  }

  async storedAt(hash: string): Promise<number | undefined> {
    checkHash(hash, "memory");
    return this.blobs.get(hash)?.at;
  }
}

export interface GarbageOptions {
  /**
   * Keep snapshots stored less than this long ago (needs store.storedAt). A worker puts a segment's
   * output before its job completes, so the coordinator cannot list it as live yet; the grace
   * period must exceed the time from that put to the coordinator seeing the result. Default 0.
   */
  readonly graceMs?: number;
  /** The current time (ms since the epoch), for tests. */
  readonly now?: number;
}

/**
 * Deletes every stored snapshot not in `live` (the hashes a member or a pending job needs);
 * returns the deleted hashes, sorted.
 */
export async function collectGarbage(store: ContentStore, live: ReadonlySet<string>, opts: GarbageOptions = {}): Promise<string[]> {
  const graceMs = opts.graceMs ?? 0;
  const now = opts.now ?? Date.now();
  const deleted: string[] = [];
  for (const hash of await store.list()) {
    if (live.has(hash)) continue;
    if (graceMs > 0) {
      const at = await store.storedAt?.(hash);
      // A store that cannot date its snapshots keeps them all while a grace period is asked for.
      if (at === undefined || now - at < graceMs) continue;
    }
    await store.delete(hash);
    deleted.push(hash);
  }
  // Leftovers of interrupted writes go too, but only with a grace period: without one, a put in
  // progress could lose its temp file before the rename.
  if (graceMs > 0) await store.removeLeftovers?.(graceMs, now);
  return deleted;
}
