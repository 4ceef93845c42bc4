// The coordinator killed with kill -9 while segments are queued and running: started again with the
// same command, it reads its state back from the run folder (and the jobs from Redis) and goes
// on: every member finishes with its segments counted once, and the lineage log has each event once.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { cli } from "../population/cli-child.js";
import { expectContiguous, killed, processTestFixture, readState, startCoordinator, startWorker, within, writeTinyPbtConfig } from "./distributed-helpers.js";
import { describeRedis } from "./redis-server.js";

const { dir, children, redis: startRedis } = processTestFixture("mlagents-ts-coordinator-kill-");

describeRedis("the coordinator killed with kill -9", () => {
  it("goes on when started again with the same command", async () => {
    const redis = await startRedis();
    const store = `${dir}/store`;
    const resultsDir = `${dir}/results`;
    // Checks after every segment and no significance test: exploits happen, so their events are logged too.
    const config = writeTinyPbtConfig(dir, { maxSteps: 720, ready: 240 });
    const worker = startWorker({ redisUrl: redis.url, store, name: "worker-1" });
    children.push(worker);
    await within(worker.waitFor(/Worker worker-1 takes segments/), 120_000, "the worker's start", [{ name: "worker", child: worker }]);
    const spec = { config, runId: "c", redisUrl: redis.url, store, resultsDir, segmentSteps: 240 };
    const first = startCoordinator(spec);
    children.push(first);
    await within(first.waitFor(/Member \d: segment 0 on worker-1 accepted/), 200_000, "the first accepted segment", [
      { name: "worker", child: worker },
      { name: "coordinator", child: first },
    ]);
    await killed(first);
    const before = readState(resultsDir, "c");
    expect(before.members.some((m) => m.history.length > 0)).toBe(true);

    const second = startCoordinator(spec);
    children.push(second);
    const exit = await within(second.exited, 240_000, "the restarted coordinator's exit", [
      { name: "worker", child: worker },
      { name: "coordinator", child: second },
    ]);
    expect(exit.code, second.output().slice(-3000)).toBe(0);
    expect(second.output()).toMatch(/Going on with the population saved in/);

    const after = readState(resultsDir, "c");
    expectContiguous(after);
    for (const [i, m] of after.members.entries()) {
      expect(m.status).toBe("done");
      // The member's trainer reached max_steps; its own steps (m.steps, checked against its segments
      // by expectContiguous) are fewer when it copied a member whose snapshot was ahead of it.
      expect(m.history.at(-1)!.to).toBe(720);
      expect(m.steps).toBeLessThanOrEqual(720);
      // What the first coordinator had accepted is still there, unchanged.
      expect(m.history.slice(0, before.members[i]!.history.length)).toEqual(before.members[i]!.history);
    }
    const events = readFileSync(`${resultsDir}/c/lineage.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; member: number; step: number });
    expect(events.filter((e) => e.kind === "init").map((e) => e.member)).toEqual([0, 1]);
    const keys = events.map((e) => `${e.kind}|${e.member}|${e.step}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(readFileSync(`${resultsDir}/c/3DBall.onnx`).length).toBeGreaterThan(1000);

    // pbt --status, from Redis: every member done, trained on worker-1.
    const status = cli(["pbt", "--redis", redis.url, "--run-id", "c", "--status"]);
    children.push(status);
    expect((await within(status.exited, 60_000, "pbt --status", [{ name: "status", child: status }])).code).toBe(0);
    const rows = status.output().split("\n").filter((l) => /^\d+ +done/.test(l));
    expect(rows).toHaveLength(2);
    // Each row shows its member's own steps as the saved state has them.
    for (const row of rows) {
      const [, member, steps] = /^(\d+) +done +(\d+) +\d+ +worker-1 /.exec(row) ?? [];
      expect(member, row).toBeDefined();
      expect(Number(steps)).toBe(after.members[Number(member)]!.steps);
    }
    expect(status.output()).toMatch(/Run c, behavior 3DBall \(finished\)/);
  }, 600_000);
});
