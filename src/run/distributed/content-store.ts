// TEMPORARY stand-in for the redisbase branch's content-store.ts (replaced on merge).
import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../../util/atomic-file.js";
export interface ContentStore {
  put(bytes: Uint8Array): Promise<string>;
  get(hash: string): Promise<Uint8Array>;
  has(hash: string): Promise<boolean>;
  delete(hash: string): Promise<void>;
  list(): Promise<string[]>;
}
export class DirectoryContentStore implements ContentStore {
  constructor(readonly dir: string) {}
  async put(bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(path.join(this.dir, hash), bytes);
    return hash;
  }
  async get(hash: string): Promise<Uint8Array> {
    return new Uint8Array(await fs.readFile(path.join(this.dir, hash)));
  }
  has(hash: string): Promise<boolean> {
    return Promise.resolve(existsSync(path.join(this.dir, hash)));
  }
  async delete(hash: string): Promise<void> {
    await fs.rm(path.join(this.dir, hash), { force: true });
  }
  async list(): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    return (await fs.readdir(this.dir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }
}
export async function collectGarbage(store: ContentStore, live: Iterable<string>): Promise<string[]> {
  const keep = new Set(live);
  const gone: string[] = [];
  for (const h of await store.list()) if (!keep.has(h)) { await store.delete(h); gone.push(h); }
  return gone;
}
