// The coordinator's and workers' Redis connection against a real redis-server: credentials, TLS,
// the refusal of an evicting server, one clear line for what cannot work, and a BullMQ queue and
// worker that carry on after Redis is killed and restarted under them.
import { createServer } from "node:net";
import { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { expect, it } from "vitest";
import { RedisSetupError } from "../../../src/run/distributed/errors.js";
import { checkRedisServer, connectRedis, openRedis, reconnectDelayMs } from "../../../src/run/distributed/redis-connection.js";
import { REDIS_PASSWORD_ENV } from "../../../src/run/distributed/redis-url.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { describeRedis, serversPerTest } from "./redis-server.js";

// Passwords come from the URLs below (or are set here on purpose), never from the developer's shell.
delete process.env[REDIS_PASSWORD_ENV];

/** The RedisSetupError `promise` rejects with (fails the test otherwise). */
async function setupErrorOf(promise: Promise<unknown>): Promise<RedisSetupError> {
  const e = await promise.then(
    () => new Error("expected a RedisSetupError"),
    (error: unknown) => error,
  );
  if (!(e instanceof RedisSetupError)) throw e;
  expect(e.message).not.toContain("\n");
  return e;
}

/** A port that nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

it("backs off from 100 ms to a 5 s cap and never gives up", () => {
  expect([1, 2, 3, 4, 5, 6, 7, 100, 1e6].map(reconnectDelayMs)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
});

it("refuses to check a client that was already closed, instead of waiting forever", async () => {
  const url = `redis://127.0.0.1:${await closedPort()}`;
  const client = connectRedis(url, { role: "worker", logger: createMemoryLogger() });
  client.disconnect();
  if (client.status !== "end") await new Promise((resolve) => client.once("end", resolve));
  const e = await setupErrorOf(checkRedisServer(client, url));
  expect(e.message).toMatch(/connection was closed before the check/);
});

describeRedis("connectRedis / checkRedisServer", () => {
  const { start, clients } = serversPerTest();
  const open = async (...args: Parameters<typeof openRedis>): Promise<Redis> => {
    const c = await openRedis(...args);
    clients.push(c);
    return c;
  };

  it("connects with the password in the URL; a wrong or missing password is one clear line", async () => {
    const s = await start({ password: "right-one" });
    const c = await open(s.url, { role: "worker" });
    expect(await c.ping()).toBe("PONG");

    const wrongUrl = `redis://:WrongSecret42@127.0.0.1:${s.port}`;
    const wrong = await setupErrorOf(openRedis(wrongUrl, { role: "worker" }));
    expect(wrong.message).toMatch(/wrong username or password/);
    expect(wrong.message).not.toContain("WrongSecret42");
    expect(wrong.url).toBe(`redis://:***@127.0.0.1:${s.port}`);

    const missing = await setupErrorOf(openRedis(`redis://127.0.0.1:${s.port}`, { role: "coordinator" }));
    expect(missing.message).toMatch(/requires a password: give it in the URL .* or in MLAGENTS_TS_REDIS_PASSWORD/);

    // The password from the environment, for a URL that carries none (kept out of the process list).
    process.env[REDIS_PASSWORD_ENV] = "right-one";
    try {
      const fromEnv = await open(`redis://127.0.0.1:${s.port}`, { role: "worker" });
      expect(await fromEnv.ping()).toBe("PONG");
    } finally {
      delete process.env[REDIS_PASSWORD_ENV];
    }
  });

  it("connects over TLS with the CA file; without it the certificate is refused", async () => {
    const s = await start({ tls: true, password: "tls-pw" });
    const url = `rediss://:tls-pw@127.0.0.1:${s.port}`;
    const c = await open(url, { role: "coordinator", caFile: s.caFile });
    expect(await c.ping()).toBe("PONG");
    const untrusted = await setupErrorOf(openRedis(url, { role: "coordinator", attempts: 1 }));
    expect(untrusted.message).toMatch(/TLS certificate not trusted/);
  });

  it("refuses a server that may evict keys, saying how to fix it", async () => {
    const s = await start({ maxmemoryPolicy: "allkeys-lru", password: "pw" });
    const e = await setupErrorOf(openRedis(s.url, { role: "coordinator" }));
    expect(e.message).toContain("maxmemory-policy is allkeys-lru");
    expect(e.message).toContain(`redis-cli -h 127.0.0.1 -p ${s.port} -a PASSWORD CONFIG SET maxmemory-policy noeviction`);
    expect(e.message).toContain("redis.conf");
    expect(e.message).not.toContain(":pw@");
  });

  it("calls an address where nothing listens unreachable after a few attempts", async () => {
    const port = await closedPort();
    const e = await setupErrorOf(openRedis(`redis://127.0.0.1:${port}`, { role: "worker", attempts: 2 }));
    expect(e.message).toMatch(new RegExp(`connection refused at 127\\.0\\.0\\.1:${port}: is redis-server running there`));
  });

  it("keeps a BullMQ queue and worker going through a Redis kill -9 and restart", async () => {
    const s = await start();
    const logger = createMemoryLogger();
    const queueConnection = await open(s.url, { role: "coordinator", logger });
    const workerConnection = await open(s.url, { role: "worker", logger });
    const queue = new Queue<{ x: number }>("restart-test", { connection: queueConnection });
    const worker = new Worker<{ x: number }, { doubled: number }>("restart-test", async (job) => ({ doubled: job.data.x * 2 }), {
      connection: workerConnection,
    });
    worker.on("error", () => undefined); // connection errors while Redis is down; the connection logs them
    const completed = (id: string): Promise<Job> =>
      new Promise((resolve) => {
        const onCompleted = (job: Job): void => {
          if (job.id !== id) return;
          worker.off("completed", onCompleted);
          resolve(job);
        };
        worker.on("completed", onCompleted);
      });
    try {
      const first = completed("before");
      await queue.add("double", { x: 20 }, { jobId: "before" });
      expect((await first).returnvalue).toEqual({ doubled: 40 });

      s.kill();
      await s.restart();

      const second = completed("after");
      await queue.add("double", { x: 21 }, { jobId: "after" });
      expect((await second).returnvalue).toEqual({ doubled: 42 });
      // The job completed before the crash is still recorded (the server's append-only file).
      expect(await queue.getJobState("before")).toBe("completed");

      for (const role of ["coordinator", "worker"]) {
        const lost = logger.lines.filter((l) => l.includes(`${role}: lost connection to Redis at ${s.url}`));
        const back = logger.lines.filter((l) => l.includes(`${role}: reconnected to Redis at ${s.url}`));
        expect(lost).toHaveLength(1);
        expect(back).toHaveLength(1);
      }
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
