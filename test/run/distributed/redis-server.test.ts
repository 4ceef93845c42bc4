// The test support itself: the redis-server it starts is real, listens where the url says, keeps
// acknowledged writes across kill -9 + restart on the same port, and honours password/TLS/policy.
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { describeRedis, serversPerTest } from "./redis-server.js";

describeRedis("startRedisServer", () => {
  const { start, clients } = serversPerTest();
  const client = (url: string, extra: Record<string, unknown> = {}): Redis => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...extra });
    c.on("error", () => undefined);
    clients.push(c);
    return c;
  };

  it("serves on 127.0.0.1 on a free port and keeps data across kill -9 and restart", async () => {
    const s = await start();
    expect(s.url).toBe(`redis://127.0.0.1:${s.port}`);
    expect(s.port).not.toBe(6379);
    const a = client(s.url);
    await a.connect();
    await a.set("k", "v1");
    expect(await a.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    a.disconnect();

    s.kill();
    await s.restart();
    const b = client(s.url);
    await b.connect();
    expect(await b.get("k")).toBe("v1");
  });

  it("requires the password when one is set", async () => {
    const s = await start({ password: "p@ss word" });
    expect(s.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${s.port}`);
    const anonymous = client(`redis://127.0.0.1:${s.port}`, { enableReadyCheck: false });
    await anonymous.connect();
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    const authed = client(`redis://127.0.0.1:${s.port}`, { password: "p@ss word" });
    await authed.connect();
    expect(await authed.ping()).toBe("PONG");
  });

  it("serves TLS with a certificate from its own CA", async () => {
    const s = await start({ tls: true });
    expect(s.url).toBe(`rediss://127.0.0.1:${s.port}`);
    expect(s.caFile).toBeDefined();
    const trusted = client(s.url, { tls: { ca: readFileSync(s.caFile!) } });
    await trusted.connect();
    expect(await trusted.ping()).toBe("PONG");
    // Without the CA the certificate is refused: the server really presents the throwaway cert.
    const untrusted = client(s.url, { tls: {} });
    const refused = new Promise<Error>((resolve) => untrusted.once("error", resolve));
    await expect(untrusted.connect()).rejects.toThrow();
    expect((await refused).message).toMatch(/certificate/i);
  });

  it("sets the maxmemory policy it is given", async () => {
    const s = await start({ maxmemoryPolicy: "allkeys-lru" });
    const c = client(s.url);
    await c.connect();
    expect(await c.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
  });
});
