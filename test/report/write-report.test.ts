import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChartSpec } from "../../src/report/chart-spec.js";
import { REPORT_FILE, writeReport } from "../../src/report/index.js";
import { chartLibrary } from "../../src/report/uplot-assets.js";
import { POPULATION_EVENTS, writePopulationRun } from "./helpers/synthetic-run.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const root = mkdtempSync(path.join(tmpdir(), "mlagents-ts-write-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The JSON the page embeds for its charts. */
function embeddedCharts(html: string): ChartSpec[] {
  const m = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html);
  expect(m, "embedded data").not.toBeNull();
  return (JSON.parse(m![1]!) as { charts: ChartSpec[] }).charts;
}

/** Everything a browser would fetch: src/href attributes of tags, CSS url() and @import. */
function externalReferences(html: string): string[] {
  const refs = [...html.matchAll(/<[a-z][^<>]*?\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
  refs.push(...[...html.matchAll(/url\(\s*["']?([^"')]+)/gi)].map((m) => m[1]!).filter((u) => !u.startsWith("#") && !u.startsWith("data:")));
  refs.push(...[...html.matchAll(/@import\s+[^;]+/gi)].map((m) => m[0]));
  return refs;
}

describe("writeReport on a population", () => {
  it("writes one self-contained file: library inlined, data embedded, nothing fetched", async () => {
    const dir = path.join(root, "pop");
    await writePopulationRun(dir);
    const r = await writeReport(dir);
    expect(r.path).toBe(path.join(dir, REPORT_FILE));
    const html = readFileSync(r.path, "utf8");
    expect(r.bytes).toBe(Buffer.byteLength(html));

    const lib = await chartLibrary();
    expect(html).toContain(`<script>${lib.script}</script>`);
    expect(html).toContain(lib.css);
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/<script[^>]+src=|<link\b/i);

    const charts = embeddedCharts(html);
    expect(charts).toHaveLength(r.charts);
    expect(charts[0]!.markers).toHaveLength(POPULATION_EVENTS.filter((e) => e.kind !== "init").length);
    for (const c of charts) expect(html).toContain(`id="chart-${c.id}"`);
    expect((html.match(/<g class="edge" data-kind="exploit"/g) ?? []).length).toBe(POPULATION_EVENTS.filter((e) => e.kind === "exploit").length);
    // The table: members with final reward and current hyperparameters.
    expect(html).toMatch(/<td>member 3<\/td><td>30,000<\/td><td>[\d.]+<\/td><td>2<\/td><td>0.0012<\/td><td>128<\/td><td>0.25<\/td><td>relu<\/td>/);
    expect(r.warnings).toHaveLength(2);
  });

  it("writes to --out, creating its folder", async () => {
    const dir = path.join(root, "pop2");
    await writePopulationRun(dir);
    const out = path.join(root, "elsewhere", "deep", "r.html");
    const r = await writeReport(dir, out);
    expect(r.path).toBe(out);
    expect(readFileSync(out, "utf8")).toMatch(/^<!DOCTYPE html>/);
  });
});

describe("writeReport escaping", () => {
  it("keeps a hostile behavior name inert in text, attributes and the embedded JSON", async () => {
    const dir = path.join(root, "hostile");
    const name = "</script><img src=x onerror=alert(1)>";
    mkdirSync(path.join(dir, "B"), { recursive: true });
    writeFileSync(path.join(dir, "B", "stats.jsonl"), JSON.stringify({ step: 10, "Environment/Cumulative Reward": 1 }) + "\n");
    const init = { time: "t", kind: "init", behavior: "B", member: 0, step: 0, source: null, score: { member: null, source: null }, old: null, new: { [name]: 1 } };
    writeFileSync(path.join(dir, "lineage.jsonl"), JSON.stringify(init) + "\n");
    const html = readFileSync((await writeReport(dir)).path, "utf8");
    expect(html).not.toContain("<img");
    expect(externalReferences(html)).toEqual([]);
    expect(embeddedCharts(html).map((c) => c.title)).toContain(`Hyperparameter: ${name}`);
  });
});

function learn(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), "learn", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout.on("data", (d) => (output += d));
    proc.stderr.on("data", (d) => (output += d));
    proc.once("exit", (code) => resolve({ code, output }));
  });
}

describe("writeReport on a real learn run", () => {
  it("charts what `learn --env builtin:3dball` wrote", async () => {
    const config = path.join(root, "tiny.yaml");
    writeFileSync(
      config,
      [
        "behaviors:",
        "  3DBall:",
        "    trainer_type: sac",
        "    hyperparameters: { batch_size: 32, buffer_size: 10000, steps_per_update: 20, buffer_init_steps: 0 }",
        "    network_settings: { hidden_units: 16, num_layers: 1 }",
        "    summary_freq: 300",
        "    max_steps: 1200",
        "    time_horizon: 64",
      ].join("\n"),
    );
    const results = path.join(root, "results");
    const run = await learn([config, "--run-id", "real", "--env", "builtin:3dball", "--results-dir", results, "--base-port", "0", "--device", "js", "--force"]);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    const r = await writeReport(path.join(results, "real"));
    const charts = embeddedCharts(readFileSync(r.path, "utf8"));
    expect(charts.map((c) => c.id)).toEqual(["3dball-reward", "3dball-losses", "3dball-entropy-coefficient", "3dball-episode-length"]);
    const steps = readFileSync(path.join(results, "real", "3DBall", "stats.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const c of charts) expect(c.x).toEqual(steps);
    expect(charts[1]!.series.map((s) => s.label)).toEqual(expect.arrayContaining(["Q1 Loss", "Q2 Loss", "Policy Loss"]));
  }, 120_000);
});
