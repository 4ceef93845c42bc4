// Redis restarted in the middle of a distributed population (its append-only file keeps the
// queue): the coordinator and the worker reconnect and go on; every member finishes with its
// segments counted once.
import { expect, it } from "vitest";
import { expectContiguous, processTestFixture, readState, startCoordinator, startWorker, within, writeTinyPbtConfig } from "./distributed-helpers.js";
import { describeRedis } from "./redis-server.js";

const { dir, children, redis: startRedis } = processTestFixture("mlagents-ts-redis-restart-");

describeRedis("Redis restarted mid-run", () => {
  it("the coordinator and the worker reconnect and finish the population", async () => {
    const redis = await startRedis();
    const store = `${dir}/store`;
    const resultsDir = `${dir}/results`;
    const config = writeTinyPbtConfig(dir, { maxSteps: 720, ready: 1_000_000 });
    const worker = startWorker({ redisUrl: redis.url, store, name: "worker-r" });
    children.push(worker);
    await within(worker.waitFor(/Worker worker-r takes segments/), 120_000, "the worker's start", [{ name: "worker", child: worker }]);
    const coordinator = startCoordinator({ config, runId: "r", redisUrl: redis.url, store, resultsDir, segmentSteps: 240 });
    children.push(coordinator);
    const both = [
      { name: "worker", child: worker },
      { name: "coordinator", child: coordinator },
    ];
    await within(coordinator.waitFor(/Member \d: segment 0 on worker-r accepted/), 200_000, "the first accepted segment", both);
    await redis.restart();
    const exit = await within(coordinator.exited, 300_000, "the coordinator's exit after the restart", both);
    expect(exit.code, coordinator.output().slice(-3000)).toBe(0);
    // Both saw the server go and come back.
    expect(coordinator.output()).toMatch(/coordinator: reconnected to Redis at/);
    expect(worker.output()).toMatch(/worker: reconnected to Redis at/);
    const state = readState(resultsDir, "r");
    expectContiguous(state);
    for (const m of state.members) {
      expect(m.status).toBe("done");
      expect(m.steps).toBe(720);
    }
  }, 600_000);
});
