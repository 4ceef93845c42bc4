// Crash-safe file replacement: a reader sees either the old bytes or the new bytes, never a mix.
// Write a temp file in the same directory (rename is only atomic within one filesystem), fsync it,
// rename over the target, then fsync the directory so the rename itself survives a power loss.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

/** Marker in temp-file names, so leftovers of a crashed write can be recognised and removed. */
export const TEMP_MARKER = ".tmp-";

/** The temp name used while `target` is being written: hidden, same folder, unique per attempt. */
export function tempNameFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** True for names produced by tempNameFor (a leftover from an interrupted write). */
export function isTempName(fileName: string): boolean {
  return fileName.startsWith(".") && fileName.includes(TEMP_MARKER);
}

/** fsync a directory so a rename or unlink in it is durable; a no-op where the OS refuses (Windows). */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Directories cannot be opened/fsynced on some platforms; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Replaces `target` with `bytes` atomically (temp file + fsync + rename + directory fsync). */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = tempNameFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, "wx", 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/**
 * Makes `target` another name for the existing file `source` (hard link, no copy), atomically
 * replacing whatever `target` was. Falls back to an atomic copy where hard links are unsupported.
 */
export async function linkFileAtomic(source: string, target: string): Promise<void> {
  const tmp = tempNameFor(target);
  try {
    await fs.link(source, tmp);
    await fs.rename(tmp, target);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    await writeFileAtomic(target, await fs.readFile(source));
    return;
  }
  await fsyncDirectory(path.dirname(target));
}

/** Removes leftover temp files of interrupted writes in `dir`; returns how many were removed. */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!isTempName(name)) continue;
    await fs.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}
