// Collects stat values between summaries and aggregates each key by its method.
import { StatsAggregationMethod } from "./trainer-summary.js";

interface Entry {
  method: StatsAggregationMethod;
  sum: number;
  count: number;
  last: number;
}

export class StatsAccumulator {
  private entries = new Map<string, Entry>();

  add(key: string, value: number, method: StatsAggregationMethod = StatsAggregationMethod.AVERAGE): void {
    if (!Number.isFinite(value)) return; // a NaN loss would poison the whole period's mean
    let e = this.entries.get(key);
    if (!e) {
      e = { method, sum: 0, count: 0, last: 0 };
      this.entries.set(key, e);
    }
    e.method = method;
    e.sum += value;
    e.count += 1;
    e.last = value;
  }

  /** Aggregated values since the last drain (AVERAGE/HISTOGRAM: mean, SUM: sum, MOST_RECENT: last). */
  drain(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, e] of this.entries) {
      switch (e.method) {
        case StatsAggregationMethod.SUM:
          out[key] = e.sum;
          break;
        case StatsAggregationMethod.MOST_RECENT:
          out[key] = e.last;
          break;
        default:
          out[key] = e.sum / e.count;
      }
    }
    this.entries = new Map();
    return out;
  }
}
