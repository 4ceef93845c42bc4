// Unity's StatsRecorder: game code adds (key, value, aggregation); the messages travel on the
// Stats side channel with the next request to the trainer.
import { StatsAggregationMethod, statsMessage, type SideChannelMessage } from "../protocol/side-channel/index.js";

export class StatsRecorder {
  private queue: SideChannelMessage[] = [];

  add(key: string, value: number, method: StatsAggregationMethod = StatsAggregationMethod.AVERAGE): void {
    this.queue.push(statsMessage(key, value, method));
  }

  /** Takes every queued message (called when a request is built). */
  drain(): SideChannelMessage[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  get pending(): number {
    return this.queue.length;
  }
}
