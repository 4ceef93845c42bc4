// The layer check (.dependency-cruiser.cjs, `npm run lint:layers`) can fail: it runs the real
// depcruise command with the project's rules on small source trees written to a temporary folder,
// one with a forbidden import per rule and one with every edge the rules allow.
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const depcruise = join(repo, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
const config = join(repo, ".dependency-cruiser.cjs");
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** Source files by path; each value lists the modules it imports (`type:` prefix = import type). */
type Tree = Record<string, string[]>;

function writeTree(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), "mlagents-ts-layers-"));
  roots.push(root);
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }));
  for (const [file, imports] of Object.entries(tree)) {
    const lines = imports.map((target, i) => {
      const typeOnly = target.startsWith("type:");
      const from = relativeImport(file, typeOnly ? target.slice(5) : target);
      return typeOnly ? `import type { T as T${i} } from "${from}";` : `import { v as v${i} } from "${from}";`;
    });
    const uses = imports.map((t, i) => (t.startsWith("type:") ? `export type U${i} = T${i};` : `export const u${i} = v${i};`));
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), [...lines, "export type T = number;", "export const v = 1;", ...uses, ""].join("\n"));
  }
  return root;
}

/** "./x.js"-style specifier from one src file to another (both given from the tree root). */
function relativeImport(from: string, to: string): string {
  const fromParts = dirname(from).split("/");
  const toParts = to.split("/");
  let common = 0;
  while (common < fromParts.length && fromParts[common] === toParts[common]) common++;
  const up = fromParts.length - common;
  const rest = toParts.slice(common).join("/").replace(/\.ts$/, ".js");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Runs depcruise as `npm run lint:layers` does (its text report and exit code) in `root`. */
function cruise(root: string): Promise<{ code: number; violations: Violation[]; dependencies: number }> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [depcruise, "src", "--config", config], { cwd: root, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      // "  error RULE: FROM → TO" (a cycle continues "→\n      NEXT →\n ...").
      const violations = [...stdout.matchAll(/error ([\w-]+): (\S+) →\s+(\S+)/g)].map(([, rule, from, to]) => ({ rule: rule!, from: from!, to: to! }));
      const cruised = /(\d+) dependencies cruised/.exec(stdout);
      if (cruised === null || (code !== 0 && violations.length === 0)) return fail(new Error(`depcruise did not report: ${stderr}${stdout}`));
      done({ code, violations, dependencies: Number(cruised[1]) });
    });
  });
}

describe("the layer check (.dependency-cruiser.cjs)", () => {
  it("reports every forbidden import, with its rule", async () => {
    const root = writeTree({
      "src/protocol/wire.ts": ["src/env/steps.ts"],
      "src/env/steps.ts": [],
      "src/env/launcher.ts": ["src/emulator/main.ts"],
      "src/emulator/main.ts": ["src/trainers/sac.ts"],
      "src/trainers/sac.ts": ["src/protocol/generated/msg.ts"],
      "src/protocol/generated/msg.ts": [],
      "src/trainers/a.ts": ["src/trainers/b.ts"],
      "src/trainers/b.ts": ["src/trainers/a.ts"],
      "src/export/onnx.ts": ["src/report/page.ts"],
      "src/report/page.ts": ["src/env/steps.ts"],
      "src/run/loop.ts": ["src/cli/main.ts"],
      "src/cli/main.ts": [],
      "src/util/log.ts": ["src/config/yaml.ts"],
      "src/config/yaml.ts": ["src/protocol/side-channel/index.ts"],
      "src/protocol/side-channel/index.ts": [],
    });
    const { code, violations } = await cruise(root);
    expect(code).not.toBe(0);
    expect(violations).toEqual(
      expect.arrayContaining([
        { rule: "protocol-not-up", from: "src/protocol/wire.ts", to: "src/env/steps.ts" },
        { rule: "only-cli-imports-emulator", from: "src/env/launcher.ts", to: "src/emulator/main.ts" },
        { rule: "emulator-beside-protocol", from: "src/emulator/main.ts", to: "src/trainers/sac.ts" },
        { rule: "protocol-generated-wire-layers-only", from: "src/trainers/sac.ts", to: "src/protocol/generated/msg.ts" },
        { rule: "report-used-by-run-cli", from: "src/export/onnx.ts", to: "src/report/page.ts" },
        { rule: "report-imports-util-config", from: "src/report/page.ts", to: "src/env/steps.ts" },
        { rule: "run-not-up", from: "src/run/loop.ts", to: "src/cli/main.ts" },
        { rule: "util-is-a-leaf", from: "src/util/log.ts", to: "src/config/yaml.ts" },
        { rule: "config-side-channel-types-only", from: "src/config/yaml.ts", to: "src/protocol/side-channel/index.ts" },
      ]),
    );
    expect(violations.filter((v) => v.rule === "no-circular").map((v) => v.from)).toEqual(expect.arrayContaining(["src/trainers/a.ts"]));
  });

  it("accepts the edges the rules allow, including the documented exceptions", async () => {
    const tree: Tree = {
      "src/util/log.ts": [],
      "src/config/yaml.ts": ["src/util/log.ts", "type:src/protocol/side-channel/index.ts"],
      "src/protocol/side-channel/index.ts": ["src/util/log.ts"],
      "src/protocol/generated/msg.ts": [],
      "src/protocol/server.ts": ["src/protocol/generated/msg.ts", "src/config/yaml.ts"],
      "src/env/behavior-spec.ts": [],
      "src/env/steps.ts": ["src/protocol/generated/msg.ts", "src/protocol/server.ts", "src/env/behavior-spec.ts"],
      "src/emulator/main.ts": ["src/protocol/generated/msg.ts", "src/protocol/side-channel/index.ts", "src/env/behavior-spec.ts", "src/util/log.ts"],
      "src/trainers/sac.ts": ["src/env/steps.ts", "src/protocol/side-channel/index.ts", "src/config/yaml.ts"],
      "src/export/generated/onnx.ts": [],
      "src/export/onnx.ts": ["src/export/generated/onnx.ts", "src/trainers/sac.ts"],
      "src/report/page.ts": ["src/util/log.ts", "src/config/yaml.ts"],
      "src/run/loop.ts": ["src/env/steps.ts", "src/trainers/sac.ts", "src/export/onnx.ts", "src/report/page.ts", "src/protocol/server.ts"],
      "src/cli/main.ts": ["src/run/loop.ts", "src/emulator/main.ts", "src/report/page.ts"],
    };
    const { code, violations, dependencies } = await cruise(writeTree(tree));
    expect(violations).toEqual([]);
    // Every import was seen (type-only ones included), so the empty list is not an empty cruise.
    expect(dependencies).toBe(Object.values(tree).flat().length);
    expect(code).toBe(0);
  });
});
