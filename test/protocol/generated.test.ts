// Regenerates the ts-proto code with the committed buf templates into a temp directory and checks
// that src/protocol/generated and src/export/generated match it byte for byte: stale code fails.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));
const protos = join(root, "protos");
const buf = join(root, "node_modules", ".bin", "buf");
const tmp = mkdtempSync(join(tmpdir(), "mlagents-ts-gen-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe("generated protobuf code", () => {
  it.each([
    ["buf.gen.communicator.yaml", "src/protocol/generated"],
    ["buf.gen.onnx.yaml", "src/export/generated"],
  ])("%s output matches %s", (template, committed) => {
    const config = parse(readFileSync(join(protos, template), "utf8")) as { plugins: { out: string }[] };
    const out = join(tmp, committed);
    for (const plugin of config.plugins) plugin.out = out;
    const tmpTemplate = join(tmp, template);
    writeFileSync(tmpTemplate, stringify(config));
    execFileSync(buf, ["generate", "--template", tmpTemplate], { cwd: protos, stdio: "pipe" });

    const expected = listFiles(out).map((f) => relative(out, f)).sort();
    const actualDir = join(root, committed);
    const actual = listFiles(actualDir).map((f) => relative(actualDir, f)).sort();
    expect(actual).toEqual(expected);
    for (const f of expected) {
      const same = readFileSync(join(out, f)).equals(readFileSync(join(actualDir, f)));
      expect(same, `${committed}/${f} differs from freshly generated code; run npm run proto:gen`).toBe(true);
    }
  });
});
