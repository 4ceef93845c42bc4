// StatsSideChannel (docs/protocol.md §5.6): Unity -> trainer, key + float32 value + aggregation method.
import { SideChannelError } from "../errors.js";
import { STATS_CHANNEL_ID } from "./channel-ids.js";
import type { SideChannelMessage } from "./framing.js";
import { IncomingMessage, OutgoingMessage } from "./message-io.js";

export enum StatsAggregationMethod {
  AVERAGE = 0,
  MOST_RECENT = 1,
  SUM = 2,
  HISTOGRAM = 3,
}

/** Unity side (StatsRecorder.Add). */
export function statsMessage(key: string, value: number, method: StatsAggregationMethod): SideChannelMessage {
  const payload = new OutgoingMessage().writeString(key).writeFloat32(value).writeInt32(method).toBytes();
  return { channelId: STATS_CHANNEL_ID, payload };
}

export function parseStatsMessage(payload: Uint8Array): { key: string; value: number; method: StatsAggregationMethod } {
  const m = new IncomingMessage(payload);
  if (m.remaining < 4) throw new SideChannelError(`stats message of ${payload.length} bytes has no key`);
  const key = m.readString();
  if (m.remaining < 8) throw new SideChannelError(`stats message "${key}" lacks its value or aggregation method`);
  const value = m.readFloat32();
  const method = m.readInt32();
  if (!(method in StatsAggregationMethod)) {
    throw new SideChannelError(`stats message "${key}" has unknown aggregation method ${method}`);
  }
  return { key, value, method };
}

export interface StatsSummary {
  /** AVERAGE: mean; MOST_RECENT: last; SUM: sum; HISTOGRAM: mean (all values in `values`). */
  value: number;
  method: StatsAggregationMethod;
  count: number;
  /** Every value of the period, HISTOGRAM only. */
  values?: number[];
}

/**
 * Trainer side: collects values per key over a summary period. If a key changes method
 * mid-period, the newest method applies to all of the period's values.
 */
export class StatsAggregator {
  private entries = new Map<string, { method: StatsAggregationMethod; values: number[] }>();

  add(key: string, value: number, method: StatsAggregationMethod): void {
    const e = this.entries.get(key);
    if (e) {
      e.method = method;
      e.values.push(value);
    } else {
      this.entries.set(key, { method, values: [value] });
    }
  }

  /** Summaries since the previous call, then starts a new period. */
  summarize(): Map<string, StatsSummary> {
    const out = new Map<string, StatsSummary>();
    for (const [key, { method, values }] of this.entries) {
      const sum = values.reduce((a, b) => a + b, 0);
      const summary: StatsSummary = { value: 0, method, count: values.length };
      switch (method) {
        case StatsAggregationMethod.MOST_RECENT:
          summary.value = values[values.length - 1]!;
          break;
        case StatsAggregationMethod.SUM:
          summary.value = sum;
          break;
        case StatsAggregationMethod.HISTOGRAM:
          summary.value = sum / values.length;
          summary.values = values;
          break;
        default:
          summary.value = sum / values.length;
      }
      out.set(key, summary);
    }
    this.entries = new Map();
    return out;
  }
}
