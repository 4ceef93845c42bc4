import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import { STATS_CHANNEL_ID } from "../../../src/protocol/side-channel/channel-ids.js";
import { parseStatsMessage, StatsAggregationMethod as M, StatsAggregator, statsMessage } from "../../../src/protocol/side-channel/stats.js";

describe("stats channel", () => {
  it("encodes key, float32 value and method", () => {
    const m = statsMessage("ab", 1, M.SUM);
    expect(m.channelId).toBe(STATS_CHANNEL_ID);
    expect(Array.from(m.payload)).toEqual([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0x80, 0x3f, 2, 0, 0, 0]);
  });

  it("round-trips", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(..."Env/Foo bar_1"), maxLength: 30 }), fc.float({ noNaN: true }), fc.constantFrom(M.AVERAGE, M.MOST_RECENT, M.SUM, M.HISTOGRAM),
      (key, value, method) => {
        expect(parseStatsMessage(statsMessage(key, value, method).payload)).toEqual({ key, value: Math.fround(value), method });
      }));
  });

  it("rejects unknown methods and truncated payloads", () => {
    const p = statsMessage("x", 1, M.AVERAGE).payload;
    new DataView(p.buffer).setInt32(p.length - 4, 4, true);
    expect(() => parseStatsMessage(p)).toThrow(/unknown aggregation method 4/);
    expect(() => parseStatsMessage(p.subarray(0, p.length - 1))).toThrow(SideChannelError);
    expect(() => parseStatsMessage(new Uint8Array(0))).toThrow(SideChannelError);
  });
});

describe("StatsAggregator", () => {
  it("summarizes each method as the trainer does, then starts a new period", () => {
    const agg = new StatsAggregator();
    for (const v of [1, 2, 6]) {
      agg.add("avg", v, M.AVERAGE);
      agg.add("last", v, M.MOST_RECENT);
      agg.add("sum", v, M.SUM);
      agg.add("hist", v, M.HISTOGRAM);
    }
    const s = agg.summarize();
    expect(s.get("avg")).toEqual({ value: 3, method: M.AVERAGE, count: 3 });
    expect(s.get("last")).toEqual({ value: 6, method: M.MOST_RECENT, count: 3 });
    expect(s.get("sum")).toEqual({ value: 9, method: M.SUM, count: 3 });
    expect(s.get("hist")).toEqual({ value: 3, method: M.HISTOGRAM, count: 3, values: [1, 2, 6] });
    expect(agg.summarize().size).toBe(0);
  });

  it("averages match the arithmetic mean for any values", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }), (vals) => {
      const agg = new StatsAggregator();
      vals.forEach((v) => agg.add("k", v, M.AVERAGE));
      expect(agg.summarize().get("k")!.value).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 9);
    }));
  });
});
