#!/usr/bin/env node
// Regenerates src/protocol/generated and src/export/generated from protos/ with buf + ts-proto.
// buf ships its binary in the npm package, so no system protoc is needed.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const buf = join(root, "node_modules", ".bin", "buf");
const targets = [
  { template: "buf.gen.communicator.yaml", out: "src/protocol/generated" },
  { template: "buf.gen.onnx.yaml", out: "src/export/generated" },
];
for (const { template, out } of targets) {
  rmSync(join(root, out), { recursive: true, force: true });
  execFileSync(buf, ["generate", "--template", template], { cwd: join(root, "protos"), stdio: "inherit" });
}
