import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RedisUrlError } from "../../../src/run/distributed/errors.js";
import { describeRedisUrl, parseRedisUrl, REDIS_PASSWORD_ENV } from "../../../src/run/distributed/redis-url.js";

// The tests below give the password in the URL or in an explicit env; the developer's own must not leak in.
delete process.env[REDIS_PASSWORD_ENV];

/** The error parseRedisUrl throws for `url` (fails the test if it does not throw one). */
function errorOf(url: string, opts?: { caFile?: string }): RedisUrlError {
  try {
    parseRedisUrl(url, opts);
  } catch (e) {
    if (e instanceof RedisUrlError) return e;
    throw e;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe("parseRedisUrl", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-redis-url-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads host, port, db and credentials", () => {
    expect(parseRedisUrl("redis://10.0.0.5")).toEqual({ host: "10.0.0.5", port: 6379, db: 0 });
    expect(parseRedisUrl("redis://:s3cret@redis.lan:7000/2")).toEqual({ host: "redis.lan", port: 7000, db: 2, password: "s3cret" });
    expect(parseRedisUrl("redis://worker:p%40ss%2Fw@h:1/")).toEqual({ host: "h", port: 1, db: 0, username: "worker", password: "p@ss/w" });
    expect(parseRedisUrl("redis://[::1]:6380")).toEqual({ host: "::1", port: 6380, db: 0 });
    expect(parseRedisUrl("REDIS://h")).toEqual({ host: "h", port: 6379, db: 0 });
  });

  it("takes the password from MLAGENTS_TS_REDIS_PASSWORD when the URL has none", () => {
    const env = { [REDIS_PASSWORD_ENV]: "from-env" };
    expect(parseRedisUrl("redis://h", { env }).password).toBe("from-env");
    expect(parseRedisUrl("redis://user:in-url@h", { env }).password).toBe("in-url");
    expect(parseRedisUrl("redis://h", { env: { [REDIS_PASSWORD_ENV]: "" } }).password).toBeUndefined();
  });

  it("turns on TLS for rediss:// and loads the CA file", () => {
    expect(parseRedisUrl("rediss://h:6380")).toEqual({ host: "h", port: 6380, db: 0, tls: {} });
    const ca = path.join(dir, "ca.crt");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const o = parseRedisUrl("rediss://h", { caFile: ca });
    expect(o.tls?.ca?.toString("utf8")).toContain("BEGIN CERTIFICATE");
  });

  it.each([
    ["http://h:6379", /scheme must be redis:\/\/ or rediss:\/\/.*"http"/],
    ["localhost:6379", /not a URL/],
    ["redis://", /no host/],
    ["redis://:pw@:6379", /no host/],
    ["redis://h:0", /bad port "0"/],
    ["redis://h:65536", /bad port "65536"/],
    ["redis://h:abc", /bad port "abc"/],
    ["redis://h:", /bad port ""/],
    ["redis://h/x", /bad database number "x"/],
    ["redis://h?tls=true", /query parameters/],
    ["redis://::1:6379", /IPv6 host must be written in brackets/],
    ["redis://[::1", /no closing \]/],
    ["redis://ho st", /bad host "ho st"/],
    ["redis://onlypass@h", /credentials need a colon/],
    ["redis://u:@h", /empty password/],
    ["redis://:%zz@h", /bad %-escape/],
  ])("refuses %s with one clear line", (url, message) => {
    const e = errorOf(url);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain("\n");
  });

  it("refuses a CA file with a plain redis:// URL, and a CA file it cannot read", () => {
    expect(errorOf("redis://h", { caFile: "/x" }).message).toMatch(/CA file is for TLS: use rediss:\/\//);
    expect(errorOf("rediss://h", { caFile: path.join(dir, "absent.crt") }).message).toMatch(/cannot read the CA file .*absent\.crt \(ENOENT\)/);
  });

  it("never shows the password in an error", () => {
    const e = errorOf("redis://admin:Hunter2Secret@h:99999");
    expect(e.message).toBe("Redis URL redis://admin:***@h:99999: bad port \"99999\" (expected 1-65535)");
    expect(errorOf("redis://Hunter2Secret@h").message).not.toContain("Hunter2");
  });
});

// Hostnames as a DNS name or dotted IPv4; passwords and usernames are arbitrary text (percent-encoded).
const hostArb = fc.oneof(fc.domain(), fc.ipV4());
const validUrl = fc.record({
  tls: fc.boolean(),
  host: hostArb,
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  db: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  username: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  password: fc.option(fc.string({ minLength: 1, maxLength: 20 }).map((s) => `Zq${s}`), { nil: undefined }),
});

describe("parseRedisUrl (properties)", () => {
  it("round-trips every well-formed URL", () => {
    fc.assert(
      fc.property(validUrl, (u) => {
        const creds =
          u.password !== undefined ? `${encodeURIComponent(u.username ?? "")}:${encodeURIComponent(u.password)}@` : "";
        const url = `${u.tls ? "rediss" : "redis"}://${creds}${u.host}${u.port !== undefined ? `:${u.port}` : ""}${u.db !== undefined ? `/${u.db}` : ""}`;
        const o = parseRedisUrl(url);
        expect(o.host).toBe(u.host);
        expect(o.port).toBe(u.port ?? 6379);
        expect(o.db).toBe(u.db ?? 0);
        expect(o.password).toBe(u.password);
        expect(o.username).toBe(u.password !== undefined && u.username !== undefined ? u.username : undefined);
        expect(o.tls !== undefined).toBe(u.tls);
        // The description hides the password in every encoding.
        if (u.password !== undefined) {
          const shown = describeRedisUrl(url);
          expect(shown).not.toContain(u.password);
          expect(shown).not.toContain(encodeURIComponent(u.password));
          expect(shown).toContain(":***@");
        }
      }),
      { numRuns: 400 },
    );
  });

  it("answers any string with options or a one-line RedisUrlError, never another throw", () => {
    const nearUrl = fc.tuple(fc.constantFrom("redis://", "rediss://", "http://", "", "redis:/"), fc.string({ maxLength: 40 }))
      .map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), nearUrl), (url) => {
        try {
          const o = parseRedisUrl(url);
          expect(o.port).toBeGreaterThanOrEqual(1);
          expect(o.port).toBeLessThanOrEqual(65535);
          expect(o.host.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(RedisUrlError);
          expect((e as Error).message).not.toMatch(/[\n\r]/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("never shows a password in an error about another part of the URL", () => {
    const badTail = fc.constantFrom(":0", ":65536", ":x", "/db", "?a=1", ":1:2");
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 16 }).map((s) => `Zq${s}`), hostArb, badTail, (password, host, tail) => {
        const url = `redis://user:${encodeURIComponent(password)}@${host}${tail}`;
        const e = errorOf(url);
        expect(e.message).not.toContain(password);
        expect(e.message).not.toContain(encodeURIComponent(password));
      }),
      { numRuns: 300 },
    );
  });
});
