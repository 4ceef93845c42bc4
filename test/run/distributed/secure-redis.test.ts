// A distributed population on a Redis server that wants a password and serves TLS only
// (rediss://, certificate from a throwaway CA): a real worker (password in the URL) and a real
// coordinator (password in MLAGENTS_TS_REDIS_PASSWORD, the URL without it), both trusting the CA
// through --redis-ca, train a population to the end, and `pbt --status` reads it over TLS. A worker
// with a wrong password stops at start with one plain line that never shows a password.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REDIS_PASSWORD_ENV } from "../../../src/run/distributed/redis-url.js";
import { removeDir, tempDir } from "../helpers.js";
import { cli, type Child } from "../population/cli-child.js";
import { expectContiguous, killed, readState, startCoordinator, startWorker, within, writeTinyPbtConfig } from "./distributed-helpers.js";
import { describeRedis, startRedisServer, type RedisServerHandle } from "./redis-server.js";

// Characters a URL must percent-encode (space, @, :, /), so the worker's URL exercises the decoding.
const PASSWORD = `tls p@ss:w/rd-${randomBytes(4).toString("hex")}`;
const WRONG_PASSWORD = `wrong-${randomBytes(4).toString("hex")}`;

const dir = tempDir("mlagents-ts-secure-redis-");
const children: Child[] = [];
let redis: RedisServerHandle | null = null;
afterAll(async () => {
  for (const c of children) await killed(c);
  await redis?.stop();
  removeDir(dir);
});

/** Fails if `text` shows either password, raw or percent-encoded. */
function expectNoPassword(text: string): void {
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), WRONG_PASSWORD]) expect(text).not.toContain(secret);
}

describeRedis("a Redis server with a password and TLS (rediss://)", () => {
  beforeAll(async () => {
    redis = await startRedisServer({ password: PASSWORD, tls: true });
  }, 60_000);

  it("trains a population with a worker and the coordinator, and pbt --status reads it", async () => {
    const server = redis!;
    expect(server.url.startsWith("rediss://")).toBe(true);
    const ca = server.caFile!;
    const bareUrl = `rediss://127.0.0.1:${server.port}`;
    const passwordEnv = { [REDIS_PASSWORD_ENV]: PASSWORD };
    const store = `${dir}/store`;
    const resultsDir = `${dir}/results`;
    // No PBT check within the run (ready is huge): each member trains its two segments.
    const config = writeTinyPbtConfig(dir, { maxSteps: 480, ready: 1_000_000, population: 2 });

    // The worker: password in the URL (percent-encoded), and an empty env password so it cannot fall back on one.
    const worker = startWorker({ redisUrl: server.url, redisCa: ca, store, name: "tls-worker", processEnv: { [REDIS_PASSWORD_ENV]: "" } });
    children.push(worker);
    await within(worker.waitFor(/Worker tls-worker takes segments from (\S+)/), 120_000, "the worker's start", [{ name: "worker", child: worker }]);
    expect(worker.output()).toContain(`takes segments from rediss://:***@127.0.0.1:${server.port} `);

    // The coordinator: a URL without a password, the password in the environment.
    const coordinator = startCoordinator({ config, runId: "s", redisUrl: bareUrl, redisCa: ca, store, resultsDir, segmentSteps: 240, processEnv: passwordEnv });
    children.push(coordinator);
    const exit = await within(coordinator.exited, 300_000, "the coordinator's exit", [
      { name: "worker", child: worker },
      { name: "coordinator", child: coordinator },
    ]);
    expect(exit.code, coordinator.output().slice(-3000)).toBe(0);

    const state = readState(resultsDir, "s");
    expectContiguous(state);
    expect(state.members).toHaveLength(2);
    for (const m of state.members) {
      expect(m.status).toBe("done");
      // 3DBall steps 12 agents at a time: each 240-step segment ends at 240 exactly (20 env steps).
      expect(m.steps).toBe(480);
      expect(m.history.map((h) => h.to - h.from)).toEqual([240, 240]);
      expect(m.history.every((h) => h.worker === "tls-worker")).toBe(true);
    }
    expect(readFileSync(`${resultsDir}/s/3DBall.onnx`).length).toBeGreaterThan(1000);

    // pbt --status over TLS, with the password from the environment.
    const status = cli(["pbt", "--redis", bareUrl, "--redis-ca", ca, "--run-id", "s", "--status"], passwordEnv);
    children.push(status);
    const statusExit = await within(status.exited, 60_000, "pbt --status", [{ name: "status", child: status }]);
    expect(statusExit.code, status.output()).toBe(0);
    const rows = status.output().split("\n").filter((l) => /^\d+ +done/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^\d+ +done +480 +\d+ +tls-worker /);
    expect(status.output()).toMatch(/Run s, behavior 3DBall \(finished\)/);

    for (const c of [worker, coordinator, status]) expectNoPassword(c.output());
  }, 420_000);

  it("stops a worker with a wrong password at start with one plain line that hides it", async () => {
    const server = redis!;
    const wrongUrl = `rediss://:${WRONG_PASSWORD}@127.0.0.1:${server.port}`;
    const worker = startWorker({ redisUrl: wrongUrl, redisCa: server.caFile!, store: `${dir}/store-wrong`, name: "wrong-worker" });
    children.push(worker);
    const exit = await within(worker.exited, 120_000, "the worker's exit", [{ name: "worker", child: worker }]);
    expect(exit.code, worker.output()).toBe(1);
    const out = worker.output();
    expect(out).not.toMatch(/takes segments/);
    const lines = out.split("\n");
    const reasons = lines.filter((l) => /password/i.test(l));
    expect(reasons, out).toHaveLength(1);
    expect(reasons[0]).toContain(`Redis at rediss://:***@127.0.0.1:${server.port}: wrong username or password`);
    // No stack trace: besides the version block (indented lines) the one line is all it prints.
    expect(lines.filter((l) => /^\s+at /.test(l)), out).toEqual([]);
    expect(lines.filter((l) => l.trim() !== "" && !/^\s/.test(l)), out).toEqual([reasons[0]]);
    expect(out).not.toMatch(/Error:|Unhandled|node:internal/);
    expectNoPassword(out);
  }, 180_000);
});
