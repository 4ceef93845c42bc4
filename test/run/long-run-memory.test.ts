// Long runs: thousands of exchanges with the in-process emulator and a tiny network. Tensor count
// must be the same at the end as after warm-up, and resident memory must stay under a stated bound.
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { UnityEmulator } from "../../src/emulator/index.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { removeDir, startRun, tempDir, tinyOptions } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Stated bound on resident-memory growth between warm-up and the end of the long session. */
const RSS_GROWTH_BOUND_MB = 96;
const WARMUP_REQUESTS = 300;
const LONG_REQUESTS = 1700;

describe("long run memory", () => {
  it(`${WARMUP_REQUESTS + LONG_REQUESTS} exchanges: tensors flat, RSS growth under ${RSS_GROWTH_BOUND_MB} MB`, async () => {
    const dir = tempDir();
    dirs.push(dir);
    // Summaries and checkpoints inside the long session too, so their code paths are measured.
    const run = await startRun(tinyOptions(dir, { summaryFreq: 2000, checkpointInterval: 4000, keepCheckpoints: 2 }));
    const session = async (requests: number): Promise<void> => {
      const from = run.lines.length;
      const r = await new UnityEmulator({ env: "3dball", port: run.port, host: "127.0.0.1", maxRequests: requests, logger: createMemoryLogger() }).run();
      expect(r.requests).toBe(requests);
      await run.waitForLine(/Unity stopped at step/, 20_000, from);
    };
    await session(WARMUP_REQUESTS);
    global.gc?.();
    const tensorsAfterWarmup = tf.memory().numTensors;
    const rssAfterWarmup = process.memoryUsage().rss;
    const stepsAfterWarmup = run.steps();

    await session(LONG_REQUESTS);
    global.gc?.();
    const rssGrowthMb = (process.memoryUsage().rss - rssAfterWarmup) / (1024 * 1024);
    expect(tf.memory().numTensors).toBe(tensorsAfterWarmup);
    expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(run.steps()).toBeGreaterThan(stepsAfterWarmup + LONG_REQUESTS * 4);
    if (process.env.MEMORY_REPORT) console.log(`long-run memory: tensors ${tensorsAfterWarmup}, RSS growth ${rssGrowthMb.toFixed(1)} MB over ${LONG_REQUESTS} exchanges`);
    await run.abort();
    expect(tf.memory().numTensors).toBeLessThan(tensorsAfterWarmup); // the run disposed its trainers
  });
});
