// The worker takes job data from the network: it runs nothing but segment jobs, and refuses data
// that does not validate, at once (no retry) and with the reason; a valid job whose run has no
// configuration in Redis fails with a line that says so.
import { Queue, QueueEvents } from "bullmq";
import { afterAll, expect, it } from "vitest";
import { SEGMENT_QUEUE } from "../../../src/run/distributed/queue-names.js";
import { openRedis } from "../../../src/run/distributed/redis-connection.js";
import { SegmentWorker } from "../../../src/run/distributed/worker.js";
import { SEGMENT_JOB, type SegmentJobData } from "../../../src/run/distributed/jobs.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { removeDir, tempDir } from "../helpers.js";
import { describeRedis, startRedisServer, type RedisServerHandle } from "./redis-server.js";

const dir = tempDir("mlagents-ts-worker-");
let redis: RedisServerHandle | null = null;
afterAll(async () => {
  await redis?.stop();
  removeDir(dir);
});

describeRedis("SegmentWorker", () => {
  it("refuses other job types and invalid data without retrying, and says why", async () => {
    redis = await startRedisServer();
    const connection = await openRedis(redis.url, { role: "worker" });
    const eventsConnection = connection.duplicate();
    const queue = new Queue(SEGMENT_QUEUE, { connection });
    const events = new QueueEvents(SEGMENT_QUEUE, { connection: eventsConnection });
    const logger = createMemoryLogger("info");
    let trainers = 0;
    const worker = SegmentWorker.start({
      connection,
      slots: 1,
      storeDir: dir,
      env: "builtin:3dball",
      logger,
      version: "test",
      name: "w",
      createTrainer: () => {
        trainers++;
        throw new Error("no trainer is built for a refused job");
      },
    });
    try {
      await events.waitUntilReady();
      await worker.waitUntilReady();
      const valid: SegmentJobData = { runId: "nocfg", behavior: "3DBall", member: 0, segment: 0, inputSnapshot: null, hyperparameters: {}, environmentParameters: {}, steps: 10, seed: 1 };
      const cases: { name: string; data: unknown; reason: RegExp }[] = [
        { name: "shell", data: { command: "rm -rf /" }, reason: /unknown job type "shell"/ },
        { name: SEGMENT_JOB, data: { ...valid, member: -1 }, reason: /member/ },
        { name: SEGMENT_JOB, data: { ...valid, inputSnapshot: "../../etc/passwd" }, reason: /inputSnapshot/ },
        { name: SEGMENT_JOB, data: valid, reason: /Redis has no configuration for run nocfg/ },
      ];
      for (const [i, c] of cases.entries()) {
        const failed = new Promise<string>((resolve) => {
          const on = ({ jobId, failedReason }: { jobId: string; failedReason: string }): void => {
            if (jobId !== `case-${i}`) return;
            events.off("failed", on);
            resolve(failedReason);
          };
          events.on("failed", on);
        });
        await queue.add(c.name, c.data, { jobId: `case-${i}`, attempts: 3 });
        expect(await failed).toMatch(c.reason);
        const job = (await queue.getJob(`case-${i}`))!;
        expect(await job.getState()).toBe("failed");
        expect(job.attemptsMade).toBe(1); // refused for good: no retries
      }
      expect(trainers).toBe(0);
      expect(logger.lines.filter((l) => l.startsWith("[ERROR]")).length).toBeGreaterThanOrEqual(cases.length);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
      connection.disconnect();
    }
  }, 60_000);
});
