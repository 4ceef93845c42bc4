#!/usr/bin/env node
// Adds missing optional platform packages to package-lock.json so that `npm ci` accepts it.
// Why: the npm registry mirror our machines use serves only the packages for this platform, so
// `npm install` leaves e.g. @bufbuild/buf-darwin-arm64 and @rollup/rollup-win32-* out of the lock,
// and `npm ci` then refuses the lock as out of sync. Listing them as optional entries is what a
// lock written against the full registry holds; npm ci skips them on platforms they do not fit.
// Run after every `npm install` that changes the lock: `npm run lock:complete`.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const file = join(dirname(fileURLToPath(import.meta.url)), "..", "package-lock.json");
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    packages[key] = { version, optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`complete-lockfile: added ${added} optional platform entries`);
