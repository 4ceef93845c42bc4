import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  collectGarbage,
  type ContentStore,
  DirectoryContentStore,
  isContentHash,
  MemoryContentStore,
} from "../../../src/run/distributed/content-store.js";
import { ContentStoreError } from "../../../src/run/distributed/errors.js";

const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);
// FIPS 180-2 appendix B.1: SHA-256("abc").
const SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

async function storeErrorOf(promise: Promise<unknown>): Promise<ContentStoreError> {
  const e = await promise.then(
    () => new Error("expected a ContentStoreError"),
    (error: unknown) => error,
  );
  if (!(e instanceof ContentStoreError)) throw e;
  expect(e.message).not.toContain("\n");
  return e;
}

describe("DirectoryContentStore", () => {
  let dir: string;
  let store: DirectoryContentStore;
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), "mlagents-ts-store-")), "snapshots");
    store = new DirectoryContentStore(dir);
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it("names content by its SHA-256 and gives the same bytes back", async () => {
    expect(await store.list()).toEqual([]); // the folder does not exist yet
    const hash = await store.put(bytesOf("abc"));
    expect(hash).toBe(SHA256_ABC);
    expect(Buffer.from(await store.get(hash)).toString("utf8")).toBe("abc");
    expect(await store.has(hash)).toBe(true);
    expect(await store.list()).toEqual([SHA256_ABC]);
    expect(readdirSync(dir)).toEqual([SHA256_ABC]);
  });

  it("stores identical content once, also when many puts race", async () => {
    const blob = randomBytes(1 << 20);
    const hashes = await Promise.all(Array.from({ length: 16 }, () => store.put(new Uint8Array(blob))));
    const expected = createHash("sha256").update(blob).digest("hex");
    expect(new Set(hashes)).toEqual(new Set([expected]));
    expect(readdirSync(dir)).toEqual([expected]); // no temp file left behind
    expect(Buffer.from(await store.get(expected)).equals(blob)).toBe(true);
  });

  it("reports a missing snapshot by hash and path", async () => {
    const hash = "0".repeat(64);
    const e = await storeErrorOf(store.get(hash));
    expect(e.message).toBe(`snapshot ${hash} (${path.join(dir, hash)}): missing (deleted as garbage, or this worker's --store is not the folder the coordinator uses)`);
    expect(await store.has(hash)).toBe(false);
  });

  it("reports a corrupt snapshot, and a put of the same content repairs it", async () => {
    const hash = await store.put(bytesOf("abc"));
    writeFileSync(path.join(dir, hash), "abd");
    const e = await storeErrorOf(store.get(hash));
    expect(e.hash).toBe(hash);
    expect(e.location).toBe(path.join(dir, hash));
    expect(e.message).toMatch(/corrupt: its 3 bytes hash to [0-9a-f]{64}/);
    await store.put(bytesOf("abc"));
    expect(Buffer.from(await store.get(hash)).toString("utf8")).toBe("abc");
  });

  it("deletes, and ignores temp files and foreign files in list()", async () => {
    const a = await store.put(bytesOf("a"));
    const b = await store.put(bytesOf("b"));
    writeFileSync(path.join(dir, `.${a}.tmp-123-abcd`), "partial");
    writeFileSync(path.join(dir, "README"), "not a snapshot");
    expect(await store.list()).toEqual([a, b].sort());
    await store.delete(a);
    await store.delete(a); // already gone: no error
    expect(await store.list()).toEqual([b]);
  });

  it("refuses any name that is not 64 lowercase hex digits before touching the disk", async () => {
    for (const bad of ["../../etc/passwd", SHA256_ABC.toUpperCase(), SHA256_ABC.slice(1), `${SHA256_ABC}0`, "", `${SHA256_ABC.slice(0, 63)}/`]) {
      for (const call of [store.get(bad), store.has(bad), store.delete(bad)]) {
        const e = await storeErrorOf(call);
        expect(e.message).toMatch(/not a content hash \(64 lowercase hex digits\)/);
      }
    }
  });
});

describe("content hash validation (properties)", () => {
  it("accepts exactly the 64-digit lowercase hex strings", async () => {
    const store = new MemoryContentStore();
    const hex = fc.hexaString({ minLength: 64, maxLength: 64 }).map((s) => s.toLowerCase());
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.hexaString({ minLength: 60, maxLength: 70 }), hex), async (name) => {
        const valid = /^[0-9a-f]{64}$/.test(name);
        expect(isContentHash(name)).toBe(valid);
        if (valid) expect(await store.has(name)).toBe(false);
        else await expect(store.has(name)).rejects.toBeInstanceOf(ContentStoreError);
      }),
      { numRuns: 500 },
    );
  });

  it("a directory store never creates a file outside its folder, whatever the name", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-store-prop-"));
    const store = new DirectoryContentStore(path.join(root, "s"));
    try {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 70 }), async (name) => {
          await store.delete(name).catch(() => undefined);
          await store.get(name).catch(() => undefined);
          expect(readdirSync(root)).toEqual([]);
        }),
        { numRuns: 200 },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("collectGarbage", () => {
  const stores: Array<[string, () => { store: ContentStore; cleanup(): void }]> = [
    ["memory", () => ({ store: new MemoryContentStore(), cleanup: () => undefined })],
    [
      "directory",
      () => {
        const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-gc-"));
        return { store: new DirectoryContentStore(root), cleanup: () => rmSync(root, { recursive: true, force: true }) };
      },
    ],
  ];

  it.each(stores)("deletes every snapshot not live (%s store)", async (_name, make) => {
    const { store, cleanup } = make();
    try {
      const hashes = await Promise.all(["m0", "m1", "old0", "old1", "pending"].map((s) => store.put(bytesOf(s))));
      const live = new Set([hashes[0]!, hashes[1]!, hashes[4]!, "f".repeat(64) /* live but not stored: fine */]);
      const deleted = await collectGarbage(store, live);
      expect(deleted).toEqual([hashes[2]!, hashes[3]!].sort());
      expect(await store.list()).toEqual([hashes[0]!, hashes[1]!, hashes[4]!].sort());
      expect(await collectGarbage(store, live)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it("keeps snapshots younger than the grace period (a running segment's output)", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-gc-"));
    const store = new DirectoryContentStore(root);
    try {
      const old = await store.put(bytesOf("old"));
      const fresh = await store.put(bytesOf("fresh"));
      const now = Date.now();
      const anHourAgo = new Date(now - 3_600_000);
      utimesSync(path.join(root, old), anHourAgo, anHourAgo);
      expect(await collectGarbage(store, new Set(), { graceMs: 60_000, now })).toEqual([old]);
      expect(await store.list()).toEqual([fresh]);
      // Putting the same bytes again counts as storing them anew.
      utimesSync(path.join(root, fresh), anHourAgo, anHourAgo);
      await store.put(bytesOf("fresh"));
      expect(await collectGarbage(store, new Set(), { graceMs: 60_000, now: Date.now() })).toEqual([]);
      // A worker killed mid-put leaves a temp file: removed once older than the grace period, not before.
      const stale = path.join(root, `.${fresh}.tmp-99-0000`);
      const inProgress = path.join(root, `.${old}.tmp-98-1111`);
      writeFileSync(stale, "half a snapshot");
      writeFileSync(inProgress, "a write in progress");
      utimesSync(stale, anHourAgo, anHourAgo);
      await collectGarbage(store, new Set([fresh]), { graceMs: 60_000, now: Date.now() });
      expect(readdirSync(root).sort()).toEqual([path.basename(inProgress), fresh].sort());
      // Without a grace period nothing but snapshots is touched.
      utimesSync(inProgress, anHourAgo, anHourAgo);
      await collectGarbage(store, new Set([fresh]));
      expect(readdirSync(root)).toContain(path.basename(inProgress));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
