// A worker killed with kill -9 in the middle of a segment: BullMQ's stalled-job check (a short
// lock, --lock-ms) gives the segment to another worker, which re-runs it from the same input
// snapshot; the population finishes with every member's steps counted exactly once.
import { expect, it } from "vitest";
import { QueueEvents } from "bullmq";
import { openRedis } from "../../../src/run/distributed/redis-connection.js";
import { SEGMENT_QUEUE } from "../../../src/run/distributed/queue-names.js";
import { describeRedis } from "./redis-server.js";
import { expectContiguous, killed, processTestFixture, readState, startCoordinator, startWorker, within, writeTinyPbtConfig } from "./distributed-helpers.js";

/** Short enough for a quick test, long enough that a busy machine still renews the lock of a live worker. */
const LOCK_MS = 4000;
const { dir, children, redis: startRedis } = processTestFixture("mlagents-ts-worker-kill-");

describeRedis("a worker killed with kill -9 mid-segment", () => {
  it("re-runs the segment on another worker and counts its steps once", async () => {
    const redis = await startRedis();
    const store = `${dir}/store`;
    const config = writeTinyPbtConfig(dir, { maxSteps: 480, ready: 1_000_000 });
    const connection = await openRedis(redis.url, { role: "coordinator" });
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(SEGMENT_QUEUE, { connection: eventsConnection });
    await events.waitUntilReady();
    // The first segment that reports progress (its environment is up, it trains) is the one cut short.
    const firstProgress = new Promise<string>((resolve) => events.once("progress", ({ jobId }) => resolve(jobId)));
    try {
      const a = startWorker({ redisUrl: redis.url, store, name: "worker-a", lockMs: LOCK_MS });
      children.push(a);
      await a.waitFor(/Worker worker-a takes segments/);
      const coordinator = startCoordinator({ config, runId: "k", redisUrl: redis.url, store, resultsDir: `${dir}/results`, segmentSteps: 240 });
      children.push(coordinator);
      const cut = await within(firstProgress, 120_000, "the first segment's progress", [{ name: "worker-a", child: a }, { name: "coordinator", child: coordinator }]);
      await killed(a);
      expect(a.output()).not.toContain(`${cut} (`); // it never finished the segment
      const b = startWorker({ redisUrl: redis.url, store, name: "worker-b", lockMs: LOCK_MS });
      children.push(b);
      const exit = await within(coordinator.exited, 200_000, "the coordinator's exit", [{ name: "worker-b", child: b }, { name: "coordinator", child: coordinator }]);
      expect(exit.code, coordinator.output().slice(-3000)).toBe(0);
      expect(b.output()).toContain(`${cut} (`); // worker-b ran the segment worker-a was killed in

      const state = readState(`${dir}/results`, "k");
      expectContiguous(state);
      const [, member, segment] = /-m(\d+)-s(\d+)$/.exec(cut)!;
      const redone = state.members[Number(member)]!.history.filter((h) => h.segment === Number(segment));
      expect(redone).toHaveLength(1);
      expect(redone[0]!.worker).toBe("worker-b");
      for (const m of state.members) {
        expect(m.status).toBe("done");
        // 3DBall steps 12 agents at a time: each 240-step segment ends at 240 exactly (20 env steps).
        expect(m.steps).toBe(480);
        expect(m.history.map((h) => h.to - h.from)).toEqual([240, 240]);
      }
    } finally {
      await events.close();
      eventsConnection.disconnect();
      connection.disconnect();
    }
  }, 300_000);
});
