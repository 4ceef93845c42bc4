// Version facts printed at start, in ML-Agents' "Version information" shape.
import { readFileSync } from "node:fs";
import { COMMUNICATION_API_VERSION } from "../protocol/versions.js";

export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export function versionBlock(backend: string): string {
  return [
    " Version information:",
    `  mlagents-ts: ${PACKAGE_VERSION},`,
    `  Communicator API: ${COMMUNICATION_API_VERSION},`,
    `  Node.js: ${process.versions.node},`,
    `  Tensor backend: ${backend}`,
  ].join("\n");
}
