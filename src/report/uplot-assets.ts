// uPlot's browser build and stylesheet, read from its npm package to be inlined into the page
// (the report opens from disk with no network: no CDN, no server).
import { promises as fs } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

export interface ChartLibrary {
  readonly script: string;
  readonly css: string;
  readonly version: string;
}

let cached: Promise<ChartLibrary> | undefined;

async function load(): Promise<ChartLibrary> {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so its package.json and dist/ files resolve directly.
  const pkgFile = require.resolve("uplot/package.json");
  const dist = path.join(path.dirname(pkgFile), "dist");
  const [script, css, pkg] = await Promise.all([
    fs.readFile(path.join(dist, "uPlot.iife.min.js"), "utf8"),
    fs.readFile(path.join(dist, "uPlot.min.css"), "utf8"),
    fs.readFile(pkgFile, "utf8"),
  ]);
  return { script, css, version: String((JSON.parse(pkg) as { version?: unknown }).version) };
}

/** The library files (read once per process). */
export function chartLibrary(): Promise<ChartLibrary> {
  cached ??= load().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
