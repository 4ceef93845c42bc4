// A worker that cannot start its environment: each segment job fails with the reason, is tried a
// bounded number of times (--attempts), then its member is marked failed in the lineage log. With
// no member left to train, the coordinator ends with one line naming the reason; with a member still
// training, the failed one copies it at its next check and the population goes on.
import { readFileSync } from "node:fs";
import { QueueEvents } from "bullmq";
import { expect, it } from "vitest";
import { SEGMENT_QUEUE } from "../../../src/run/distributed/queue-names.js";
import { openRedis } from "../../../src/run/distributed/redis-connection.js";
import { killed, processTestFixture, readState, startCoordinator, startWorker, within, writeTinyPbtConfig } from "./distributed-helpers.js";
import { describeRedis } from "./redis-server.js";

const { dir, children, redis: startRedis } = processTestFixture("mlagents-ts-broken-env-");

describeRedis("a worker whose environment cannot start", () => {
  it("fails each job with the reason, retries it a bounded number of times, then marks the member failed", async () => {
    const redis = await startRedis();
    const store = `${dir}/store`;
    const resultsDir = `${dir}/results`;
    const config = writeTinyPbtConfig(dir, { maxSteps: 480, ready: 1_000_000 });
    const worker = startWorker({ redisUrl: redis.url, store, name: "broken", env: `${dir}/no-such-player` });
    children.push(worker);
    await within(worker.waitFor(/Worker broken takes segments/), 120_000, "the worker's start", [{ name: "worker", child: worker }]);
    const coordinator = startCoordinator({ config, runId: "b", redisUrl: redis.url, store, resultsDir, segmentSteps: 240, attempts: 2 });
    children.push(coordinator);
    const exit = await within(coordinator.exited, 200_000, "the coordinator's exit", [
      { name: "worker", child: worker },
      { name: "coordinator", child: coordinator },
    ]);
    expect(exit.code).toBe(1);
    expect(coordinator.output()).toMatch(/\[ERROR\] every member of 3DBall failed: .*no-such-player/);

    const out = worker.output();
    for (const m of [0, 1]) {
      const job = `seg-b-3DBall-m${m}-s0`;
      // Exactly two tries of each member's first segment, each with the reason.
      const failures = out.split("\n").filter((l) => l.includes(`${job} (`) && l.includes("failed"));
      expect(failures.map((l) => /attempt (\d) of (\d)/.exec(l)?.slice(1).join("/"))).toEqual(["1/2", "2/2"]);
      expect(failures.every((l) => l.includes("no-such-player"))).toBe(true);
    }
    const events = readFileSync(`${resultsDir}/b/lineage.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; member: number; step: number });
    expect(events.filter((e) => e.kind === "failed").map((e) => [e.member, e.step]).sort()).toEqual([[0, 0], [1, 0]]);
    const state = readState(resultsDir, "b");
    expect(state.members.map((m) => m.status)).toEqual(["failed", "failed"]);
    expect(state.members.every((m) => m.failure?.includes("no-such-player"))).toBe(true);
    await killed(worker);
  }, 300_000);

  it("goes on when one member failed: the failed member copies a recorded one", async () => {
    const redis = await startRedis();
    const store = `${dir}/store2`;
    const resultsDir = `${dir}/results2`;
    // A check after every segment: member X records at its first segment, and the failed member copies it.
    const config = writeTinyPbtConfig(dir, { maxSteps: 720, ready: 240 });
    const connection = await openRedis(redis!.url, { role: "coordinator" });
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(SEGMENT_QUEUE, { connection: eventsConnection });
    await events.waitUntilReady();
    const firstProgress = new Promise<string>((resolve) => events.once("progress", ({ jobId }) => resolve(jobId)));
    try {
      const good = startWorker({ redisUrl: redis!.url, store, name: "good" });
      children.push(good);
      await within(good.waitFor(/Worker good takes segments/), 120_000, "the good worker's start", [{ name: "good", child: good }]);
      const coordinator = startCoordinator({ config, runId: "g", redisUrl: redis!.url, store, resultsDir, segmentSteps: 240, attempts: 1 });
      children.push(coordinator);
      // The good worker (one slot) trains one member; the other member's first segment waits for the broken worker.
      const busy = await within(firstProgress, 120_000, "the good worker's first segment", [{ name: "coordinator", child: coordinator }]);
      // A short lock: a job the broken worker holds when it is killed goes back to the queue soon.
      const broken = startWorker({ redisUrl: redis!.url, store, name: "broken2", env: `${dir}/no-such-player`, lockMs: 4000 });
      children.push(broken);
      // Killed once the coordinator has marked a member failed (the worker's own line comes before its job is marked failed in Redis).
      const marked = await within(coordinator.waitFor(/Member (\d): segment (\S+) failed 1 time\(s\), last: .*no-such-player.*the member is marked failed/), 120_000, "a member marked failed", [
        { name: "broken", child: broken },
        { name: "coordinator", child: coordinator },
      ]);
      await killed(broken);
      expect(marked[2]).not.toBe(busy);
      const exit = await within(coordinator.exited, 300_000, "the coordinator's exit", [
        { name: "good", child: good },
        { name: "coordinator", child: coordinator },
      ]);
      expect(exit.code, coordinator.output().slice(-3000)).toBe(0);
      const failed = Number(marked[1]);
      const lineage = readFileSync(`${resultsDir}/g/lineage.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; member: number; source: number | null });
      const mine = lineage.filter((e) => e.member === failed);
      expect(mine[0]!.kind).toBe("init");
      // After its last failure the member was revived by copying the other one.
      const lastFailure = mine.map((e) => e.kind).lastIndexOf("failed");
      expect(lastFailure).toBeGreaterThan(0);
      expect(mine[lastFailure + 1]).toMatchObject({ kind: "exploit", source: 1 - failed });
      const state = readState(resultsDir, "g");
      expect(state.members.map((m) => m.status)).toEqual(["done", "done"]);
      // The good member's trainer reached max_steps (its own steps are fewer if it ever copied the revived one).
      expect(state.members[1 - failed]!.history.at(-1)!.to).toBe(720);
      expect(state.members[failed]!.history.length).toBeGreaterThan(0);
    } finally {
      await events.close();
      eventsConnection.disconnect();
      connection.disconnect();
    }
  }, 600_000);
});
