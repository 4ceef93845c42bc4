import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { formatFixed } from "../../../src/trainers/stats/format-number.js";
import { StatsAccumulator } from "../../../src/trainers/stats/stats-accumulator.js";
import { StatsReporter, formatConsoleSummary } from "../../../src/trainers/stats/stats-reporter.js";
import { StatsAggregationMethod, type TrainerSummary } from "../../../src/trainers/stats/trainer-summary.js";
import { crc32c, maskedCrc32c } from "../../../src/trainers/stats/tensorboard-writer.js";

let runDir: string;
beforeEach(async () => {
  runDir = await fs.mkdtemp(path.join(os.tmpdir(), "stats-"));
});
afterEach(async () => {
  await fs.rm(runDir, { recursive: true, force: true });
});

const withEpisodes: TrainerSummary = {
  behaviorName: "3DBall",
  step: 12000,
  isTraining: true,
  episodes: { count: 4, meanReward: 1.2344, stdReward: 0.5671, meanLength: 88.5 },
  values: { "Losses/Q1 Loss": 0.25, "Policy/Learning Rate": 0.0003, "Custom/Stat": 7 },
};

describe("console summary", () => {
  it("matches ML-Agents' line exactly", () => {
    expect(formatConsoleSummary(withEpisodes, 35.1234)).toBe(
      "3DBall. Step: 12000. Time Elapsed: 35.123 s. Mean Reward: 1.234. Std of Reward: 0.567. Training.",
    );
  });

  it("no-episode and Not Training variants", () => {
    const s: TrainerSummary = { ...withEpisodes, episodes: null, isTraining: false };
    expect(formatConsoleSummary(s, 2)).toBe("3DBall. Step: 12000. Time Elapsed: 2.000 s. No episode was completed since last summary. Not Training.");
  });

  it("formats numbers like Python's {:0.3f}", () => {
    expect(formatFixed(0.0625)).toBe("0.062"); // exact tie: half to even
    expect(formatFixed(0.1875)).toBe("0.188");
    expect(formatFixed(-0.0625)).toBe("-0.062");
    expect(formatFixed(1234.5625)).toBe("1234.562");
    expect(formatFixed(0.0025)).toBe("0.003"); // not a tie in binary
    expect(formatFixed(-0.0001)).toBe("-0.000");
    expect(formatFixed(-0)).toBe("-0.000");
    expect(formatFixed(Number.NaN)).toBe("nan");
    expect(formatFixed(-Infinity)).toBe("-inf");
    expect(formatFixed(-1.5)).toBe("-1.500");
  });
});

describe("StatsReporter", () => {
  it("logs the line with [INFO] and appends one JSON object per summary to stats.jsonl", async () => {
    const logger = createMemoryLogger();
    let t = 1_000_000;
    const r = new StatsReporter({ runDir, logger, now: () => t });
    t += 35_123;
    await r.write(withEpisodes);
    t += 1_000;
    await r.write({ ...withEpisodes, step: 24000, episodes: null, values: {} });
    expect(logger.lines).toEqual([
      "[INFO] 3DBall. Step: 12000. Time Elapsed: 35.123 s. Mean Reward: 1.234. Std of Reward: 0.567. Training.",
      "[INFO] 3DBall. Step: 24000. Time Elapsed: 36.123 s. No episode was completed since last summary. Training.",
    ]);
    const lines = (await fs.readFile(path.join(runDir, "3DBall", "stats.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      step: 12000,
      time_elapsed: 35.123,
      "Is Training": true,
      "Environment/Cumulative Reward": 1.2344,
      "Environment/Episode Length": 88.5,
      "Losses/Q1 Loss": 0.25,
      "Policy/Learning Rate": 0.0003,
      "Custom/Stat": 7,
    });
    expect(lines[1]).toEqual({ step: 24000, time_elapsed: 36.123, "Is Training": true });
  });

  it("writes TensorBoard records with valid framing when asked", async () => {
    const r = new StatsReporter({ runDir, logger: createMemoryLogger(), tensorboard: true });
    await r.write(withEpisodes);
    await r.write({ ...withEpisodes, step: 24000 });
    const dir = path.join(runDir, "3DBall");
    const file = (await fs.readdir(dir)).find((n) => n.startsWith("events.out.tfevents."));
    expect(file).toBeDefined();
    const b = await fs.readFile(path.join(dir, file!));
    // Walk the TFRecords: length, masked CRC of the length, data, masked CRC of the data.
    let o = 0;
    let records = 0;
    while (o < b.length) {
      const len = Number(b.readBigUInt64LE(o));
      expect(b.readUInt32LE(o + 8)).toBe(maskedCrc32c(b.subarray(o, o + 8)));
      expect(b.readUInt32LE(o + 12 + len)).toBe(maskedCrc32c(b.subarray(o + 12, o + 12 + len)));
      o += 16 + len;
      records++;
    }
    expect(records).toBe(3); // file_version + two summaries
    expect(b.includes(Buffer.from("Losses/Q1 Loss"))).toBe(true);
  });

  it("crc32c matches the standard check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });
});

describe("StatsAccumulator", () => {
  it("aggregates by method and resets on drain", () => {
    const a = new StatsAccumulator();
    a.add("avg", 1);
    a.add("avg", 3);
    a.add("sum", 2, StatsAggregationMethod.SUM);
    a.add("sum", 5, StatsAggregationMethod.SUM);
    a.add("last", 2, StatsAggregationMethod.MOST_RECENT);
    a.add("last", 9, StatsAggregationMethod.MOST_RECENT);
    a.add("hist", 4, StatsAggregationMethod.HISTOGRAM);
    a.add("avg", Number.NaN);
    expect(a.drain()).toEqual({ avg: 2, sum: 7, last: 9, hist: 4 });
    expect(a.drain()).toEqual({});
  });
});
