import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isTempName, linkFileAtomic, removeStaleTempFiles, tempNameFor, writeFileAtomic } from "../../src/util/atomic-file.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "atomic-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("creates and replaces a file, leaving no temp files", async () => {
    const f = path.join(dir, "a.bin");
    await writeFileAtomic(f, Uint8Array.from([1, 2, 3]));
    expect([...(await fs.readFile(f))]).toEqual([1, 2, 3]);
    await writeFileAtomic(f, "new");
    expect(await fs.readFile(f, "utf8")).toBe("new");
    expect(await fs.readdir(dir)).toEqual(["a.bin"]);
  });

  it("a crash before the rename leaves the old content; the leftover temp file is recognised and removed", async () => {
    const f = path.join(dir, "state.ckpt");
    await writeFileAtomic(f, "old");
    // Simulated crash: the temp file was written (partly) but never renamed.
    const tmp = tempNameFor(f);
    await fs.writeFile(tmp, "ne");
    expect(isTempName(path.basename(tmp))).toBe(true);
    expect(await fs.readFile(f, "utf8")).toBe("old");
    expect(await removeStaleTempFiles(dir)).toBe(1);
    expect(await fs.readdir(dir)).toEqual(["state.ckpt"]);
  });

  it("fails cleanly when the folder does not exist", async () => {
    await expect(writeFileAtomic(path.join(dir, "missing", "x"), "x")).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it("ordinary names are not temp names", () => {
    expect(isTempName("3DBall-100.ckpt")).toBe(false);
    expect(isTempName(".hidden")).toBe(false);
  });
});

describe("linkFileAtomic", () => {
  it("makes the target carry the source's bytes and replaces an existing target", async () => {
    const src = path.join(dir, "s");
    const dst = path.join(dir, "d");
    await fs.writeFile(src, "source");
    await fs.writeFile(dst, "old");
    await linkFileAtomic(src, dst);
    expect(await fs.readFile(dst, "utf8")).toBe("source");
    await fs.rm(src);
    expect(await fs.readFile(dst, "utf8")).toBe("source"); // survives removal of the step file
  });
});
