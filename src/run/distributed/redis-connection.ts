// The Redis connection of a coordinator or worker: an ioredis client set up the way BullMQ needs it
// (maxRetriesPerRequest: null, so a command waits through an outage instead of failing), that keeps
// reconnecting with capped backoff for as long as the process lives, and says so in one plain line
// per loss and per recovery. checkRedisServer refuses, with the fix in the message, a server BullMQ
// cannot trust (an eviction policy that may drop jobs) and turns a wrong password or an unreachable
// host into one clear line instead of an endless reconnect loop.
import { Redis, type RedisOptions } from "ioredis";
import { createLogger, type Logger } from "../../util/logger.js";
import { RedisSetupError } from "./errors.js";
import { describeRedisUrl, parseRedisUrl, REDIS_PASSWORD_ENV } from "./redis-url.js";

/** Who holds the connection: named in its log lines and its CLIENT LIST name (mlagents-ts-<role>). */
export type RedisRole = "coordinator" | "worker" | "status";

export interface ConnectRedisOptions {
  /** PEM file of the CA that signed the server's certificate (rediss:// only). */
  readonly caFile?: string;
  readonly role: RedisRole;
  /** Where the disconnect/reconnect lines go (default: the console logger). */
  readonly logger?: Logger;
}

/** Backoff between reconnect attempts: 100 ms doubling to at most this, forever. */
export const MAX_RECONNECT_DELAY_MS = 5_000;
const FIRST_RECONNECT_DELAY_MS = 100;
/** Reconnect attempts checkRedisServer waits through before calling the server unreachable (~3 s). */
export const DEFAULT_CONNECT_ATTEMPTS = 5;

/** Delay before reconnect attempt `attempt` (1-based): 100, 200, 400, ... ms, capped; never gives up. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(Math.max(attempt - 1, 0), 20), MAX_RECONNECT_DELAY_MS);
}

/**
 * ioredis options for `url` fit for BullMQ (for `new Queue(name, { connection })` where a caller
 * wants BullMQ to make its own clients). Throws RedisUrlError for a bad URL.
 */
export function redisClientOptions(url: string, opts: { caFile?: string; role: RedisRole }): RedisOptions {
  return {
    ...parseRedisUrl(url, { caFile: opts.caFile }),
    connectionName: `mlagents-ts-${opts.role}`,
    // BullMQ's requirement: a blocking worker command must wait for the reconnect, not fail.
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
    // A replica promoted during a failover answers READONLY until we reconnect to the new primary.
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  };
}

/**
 * An ioredis client for `url` that BullMQ can share (pass it as `connection`; a Worker duplicates
 * it for its blocking connection). It starts connecting at once; call checkRedisServer before use.
 */
export function connectRedis(url: string, opts: ConnectRedisOptions): Redis {
  const client = new Redis(redisClientOptions(url, opts));
  const logger = opts.logger ?? createLogger();
  const shown = describeRedisUrl(url);
  let lastError: string | undefined;
  let wasReady = false;
  let lostAt: number | undefined;
  // Every failed attempt emits "error": remember it for the next line instead of printing a stack.
  client.on("error", (e: Error) => {
    lastError = e.message;
  });
  // "reconnecting" comes only when the connection dropped and will be retried (not on quit()).
  client.on("reconnecting", () => {
    if (!wasReady || lostAt !== undefined) return;
    lostAt = Date.now();
    logger.warn(`${opts.role}: lost connection to Redis at ${shown} (${lastError ?? "connection closed"}); reconnecting`);
  });
  client.on("ready", () => {
    if (lostAt !== undefined) {
      logger.info(`${opts.role}: reconnected to Redis at ${shown} after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`);
    }
    wasReady = true;
    lostAt = undefined;
    lastError = undefined;
  });
  return client;
}

const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/** One line saying why a connection attempt failed and what to check. */
function explainConnectionError(message: string, host: string, port: number, tls: boolean): string {
  if (/NOAUTH/i.test(message)) return `the server requires a password: give it in the URL (redis://:PASSWORD@host:port) or in ${REDIS_PASSWORD_ENV}`;
  if (AUTH_FAILURE.test(message)) {
    return `wrong username or password (check the URL's credentials, or ${REDIS_PASSWORD_ENV}, against the server's requirepass or ACL)`;
  }
  if (/ECONNREFUSED/.test(message)) {
    return `connection refused at ${host}:${port}: is redis-server running there, bound to an address this machine reaches (bind in redis.conf), and open in the firewall?`;
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `host ${host} not found (DNS)`;
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(message)) return `cannot reach ${host}:${port} (${message}): check the address and the firewall`;
  if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(message)) {
    return `TLS certificate not trusted (${message}): give the CA file that signed the server's certificate`;
  }
  if (/wrong version number|packet length too long|SSL routines/i.test(message)) {
    return `TLS handshake failed (${message}): is the server serving TLS on ${port}? use redis:// for a plain server`;
  }
  const hint = tls ? "" : " (a TLS-only server closes plain connections: use rediss://)";
  return `cannot connect: ${message}${hint}`;
}

/** Resolves once `client` is ready; rejects with one line after an auth failure or `attempts` failed reconnects. */
function whenReady(client: Redis, url: string, attempts: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  if (client.status === "end") {
    return Promise.reject(new RedisSetupError(describeRedisUrl(url), "the connection was closed before the check (disconnect() called?)"));
  }
  // Only the address is needed here (no CA file is read): the URL already parsed once in connectRedis.
  const { host, port, tls } = parseRedisUrl(url);
  const isTls = tls !== undefined;
  return new Promise((resolve, reject) => {
    let lastError: string | undefined;
    let failures = 0;
    const finish = (error?: RedisSetupError): void => {
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("reconnecting", onReconnecting);
      client.off("end", onEnd);
      if (error) reject(error);
      else resolve();
    };
    const fail = (message: string): void =>
      finish(new RedisSetupError(describeRedisUrl(url), explainConnectionError(message, host, port, isTls)));
    const onReady = (): void => finish();
    const onError = (e: Error): void => {
      lastError = e.message;
      // A wrong password stays wrong: no use waiting through the reconnects.
      if (AUTH_FAILURE.test(e.message)) fail(e.message);
    };
    const onReconnecting = (): void => {
      if (++failures >= attempts) fail(lastError ?? "the server closed the connection");
    };
    const onEnd = (): void => fail(lastError ?? "connection ended");
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("reconnecting", onReconnecting);
    client.on("end", onEnd);
  });
}

/** maxmemory_policy from INFO memory (works where CONFIG is disabled, as on managed Redis). */
async function maxmemoryPolicy(client: Redis): Promise<string | undefined> {
  const info = await client.info("memory");
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * Waits until `client` is connected and checks that the server is fit for the queue; throws
 * RedisSetupError with a one-line reason and fix otherwise. The caller disconnects on failure.
 */
export async function checkRedisServer(client: Redis, url: string, opts: { attempts?: number } = {}): Promise<void> {
  await whenReady(client, url, opts.attempts ?? DEFAULT_CONNECT_ATTEMPTS);
  const policy = await maxmemoryPolicy(client);
  if (policy !== "noeviction") {
    const { host, port, password, tls } = parseRedisUrl(url);
    const cli = ["redis-cli", "-h", host, "-p", String(port), ...(tls ? ["--tls"] : []),
      ...(password !== undefined ? ["-a", "PASSWORD"] : []), "CONFIG", "SET", "maxmemory-policy", "noeviction"].join(" ");
    throw new RedisSetupError(
      describeRedisUrl(url),
      `maxmemory-policy is ${policy ?? "unknown"}, but the job queue needs noeviction (evicting keys would silently drop jobs): ` +
        `run \`${cli}\` and put "maxmemory-policy noeviction" in redis.conf so it survives a restart`,
    );
  }
}

/** connectRedis + checkRedisServer: a checked client, or a RedisSetupError with nothing left open. */
export async function openRedis(url: string, opts: ConnectRedisOptions & { attempts?: number }): Promise<Redis> {
  const client = connectRedis(url, opts);
  try {
    await checkRedisServer(client, url, { attempts: opts.attempts });
    return client;
  } catch (e) {
    client.disconnect();
    throw e;
  }
}
