// The report in a real browser: Debian's headless Chromium (installed by .ci/run), driven by
// playwright-core (which never downloads a browser of its own), opens the file from disk and we
// check what a person would see: every chart drawn with its data, the exploit markers, the
// lineage arrows, no console or page errors, no network request. Screenshots are kept under
// test-artifacts/ for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/index.js";
import { POPULATION_EVENTS, writePlainRun, writePopulationRun } from "./helpers/synthetic-run.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === "true";

if (!haveChromium && !inCi) {
  console.warn(`[report browser test] skipped: ${CHROMIUM} not found (apt-get install -y chromium; .ci/run installs it)`);
}

interface PageProblems {
  errors: string[];
  requests: string[];
}

/** Opens `file` and collects console errors, page errors and any non-file request. */
async function open(context: BrowserContext, file: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], requests: [] };
  page.on("console", (m) => {
    if (m.type() === "error") problems.errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.errors.push(`page: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) problems.requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href);
  return { page, problems };
}

// The few browser types the page callbacks use (the project compiles without the DOM library).
interface Pixels {
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d"): Pixels | null;
}
interface Plot {
  ctx: Pixels;
  series: { stroke?: () => string }[];
  valToPos(value: number, scale: string, canvasPixels: boolean): number;
}
interface BrowserWindow {
  devicePixelRatio: number;
  reportCharts?: { id: string; element: { querySelector(s: string): Canvas | null }; plot: Plot }[];
  document: { getElementById(id: string): { textContent: string | null } | null };
}

interface CanvasCheck {
  id: string;
  width: number;
  height: number;
  painted: number;
  seriesPixels: number;
}

/** Per chart: canvas size, painted pixels, and pixels in a series' colour (the data lines; axes and grid are grey). */
async function checkCanvases(page: Page, count: number, problems: PageProblems): Promise<CanvasCheck[]> {
  // Inline scripts have run by the load event that page.goto waited for.
  const drawn = await page.evaluate(() => (globalThis as unknown as BrowserWindow).reportCharts?.length ?? 0);
  expect(drawn, `charts drawn; page errors: ${problems.errors.join(" | ") || "none"}`).toBe(count);
  return page.evaluate(() => {
    const charts = (globalThis as unknown as BrowserWindow).reportCharts!;
    return charts.map((c) => {
      const canvas = c.element.querySelector("canvas")!;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const colors = c.plot.series.slice(1).map((s) => {
        const hex = s.stroke!();
        return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      });
      let painted = 0;
      let seriesPixels = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) painted++;
        const near = (rgb: number[]) => data[i + 3]! > 200 && rgb.every((v, k) => Math.abs(data[i + k]! - v) < 12);
        if (colors.some(near)) seriesPixels++;
      }
      return { id: c.id, width: canvas.width, height: canvas.height, painted, seriesPixels };
    });
  });
}

function expectDrawn(checks: CanvasCheck[]): void {
  for (const c of checks) {
    expect(c.width, c.id).toBeGreaterThan(100);
    expect(c.height, c.id).toBeGreaterThan(100);
    expect(c.painted, c.id).toBeGreaterThan(1000); // axes, grid and lines
    expect(c.seriesPixels, c.id).toBeGreaterThan(200); // the data lines themselves
  }
}

describe.skipIf(!haveChromium && !inCi)("the report in headless Chromium", () => {
  let tmp: string;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is not installed: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
    tmp = mkdtempSync(path.join(tmpdir(), "mlagents-ts-report-browser-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("draws a population's charts, exploit markers and lineage arrows without errors", async () => {
    const runDir = path.join(tmp, "pop-run");
    await writePopulationRun(runDir);
    const report = await writeReport(runDir);
    const { page, problems } = await open(context!, report.path);
    const checks = await checkCanvases(page, report.charts, problems);
    expect(checks.map((c) => c.id)).toEqual(["3dball-member-reward", "3dball-hp-learning-rate", "3dball-hp-batch-size", "3dball-hp-init-entcoef"]);
    expectDrawn(checks);

    // The first exploit's triangle sits on the reward chart in the member's colour.
    const marker = await page.evaluate(() => {
      const w = globalThis as unknown as BrowserWindow;
      const data = JSON.parse(w.document.getElementById("report-data")!.textContent!) as { charts: { markers: { step: number; value: number; color: string }[] }[] };
      const m = data.charts[0]!.markers[0]!;
      const plot = w.reportCharts![0]!.plot;
      const x = plot.valToPos(m.step, "x", true);
      const y = plot.valToPos(m.value, "y", true) - 6 * w.devicePixelRatio;
      return { color: m.color, pixel: Array.from(plot.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data) };
    });
    const want = [1, 3, 5].map((i) => parseInt(marker.color.slice(i, i + 2), 16));
    marker.pixel.slice(0, 3).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(12));

    // One arrow per exploit, from the source to the member, at its step, visible on the page.
    const edges = page.locator("svg.lineage g.edge[data-kind=exploit]");
    const exploits = POPULATION_EVENTS.filter((e) => e.kind === "exploit");
    expect(await edges.count()).toBe(exploits.length);
    for (const [i, e] of exploits.entries()) {
      const edge = edges.nth(i);
      expect([await edge.getAttribute("data-source"), await edge.getAttribute("data-member"), await edge.getAttribute("data-step")]).toEqual([
        String(e.source),
        String(e.member),
        String(e.step),
      ]);
      const box = await edge.boundingBox();
      expect(box!.height).toBeGreaterThan(10); // an arrow spanning rows, not a dot
    }
    expect(await page.locator("svg.lineage g.edge[data-kind=failed]").count()).toBe(1);
    // The torn lines are reported on the page.
    expect(await page.locator(".warnings li").allTextContents()).toHaveLength(2);

    await page.screenshot({ path: path.join(ARTIFACTS, "report-population.png"), fullPage: true });
    expect(problems).toEqual({ errors: [], requests: [] });
  });

  it("draws a plain run's reward, losses, entropy coefficient and episode length", async () => {
    const runDir = path.join(tmp, "plain-run");
    await writePlainRun(runDir);
    const report = await writeReport(runDir);
    const { page, problems } = await open(context!, report.path);
    const checks = await checkCanvases(page, 4, problems);
    expect(checks.map((c) => c.id)).toEqual(["3dball-reward", "3dball-losses", "3dball-entropy-coefficient", "3dball-episode-length"]);
    expectDrawn(checks);
    expect(await page.locator("svg.lineage").count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "report-plain.png"), fullPage: true });
    expect(problems).toEqual({ errors: [], requests: [] });
  });
});
