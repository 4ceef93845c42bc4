// The --redis URL: redis://[[user]:password@]host[:port][/db] or rediss://... (TLS), turned into
// ioredis connection options. Parsed by hand rather than with WHATWG URL so each mistake gets its
// own one-line message (URL only says "Invalid URL"), and so a message never shows the password.
import { readFileSync } from "node:fs";
import { quoteForMessage, RedisUrlError } from "./errors.js";

export const DEFAULT_REDIS_PORT = 6379;
/**
 * The password for a URL without one (as REDISCLI_AUTH for redis-cli): a URL on the command line
 * is visible to every user of the machine in the process list; the environment is not.
 */
export const REDIS_PASSWORD_ENV = "MLAGENTS_TS_REDIS_PASSWORD";

/** The ioredis options a URL stands for (a subset of ioredis' RedisOptions, assignable to it). */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** Present for rediss://: node's tls.connect options; `ca` when a CA file was given. */
  tls?: { ca?: Buffer };
}

const SHAPE = "expected redis://[[user]:password@]host[:port][/db] or rediss://...";
/** Hostnames and IPv4 addresses; IPv6 goes in brackets. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const DIGITS = /^[0-9]+$/;
const MAX_DB = 1_000_000;

interface UrlParts {
  readonly scheme: string;
  /** Text before the last '@' of the authority, if any. */
  readonly userinfo: string | undefined;
  readonly hostport: string;
  /** Everything after the authority: "", "/", "/2", "?x"... */
  readonly rest: string;
}

/** Splits scheme://userinfo@hostport rest without interpreting anything; undefined if no "://". */
function splitUrl(url: string): UrlParts | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!m) return undefined;
  const afterScheme = m[2]!;
  const end = afterScheme.search(/[/?#]/);
  const authority = end < 0 ? afterScheme : afterScheme.slice(0, end);
  const rest = end < 0 ? "" : afterScheme.slice(end);
  const at = authority.lastIndexOf("@");
  return {
    scheme: m[1]!.toLowerCase(),
    userinfo: at < 0 ? undefined : authority.slice(0, at),
    hostport: at < 0 ? authority : authority.slice(at + 1),
    rest,
  };
}

/** The URL for messages and logs: the password replaced by "***", odd characters escaped. */
export function describeRedisUrl(url: string): string {
  const parts = splitUrl(url);
  let shown = url;
  if (parts?.userinfo !== undefined) {
    const colon = parts.userinfo.indexOf(":");
    // "user:pass" keeps the user; a bare "secret@" (no colon) may be a password: hide it all.
    const user = colon < 0 ? "" : parts.userinfo.slice(0, colon);
    shown = `${parts.scheme}://${user}:***@${parts.hostport}${parts.rest}`;
  }
  return /[\u0000-\u001f\u007f\s"]/.test(shown) || shown.length > 200 ? quoteForMessage(shown, 200) : shown;
}

function decode(part: string, what: string, fail: (problem: string) => never): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} has a bad %-escape (percent-encode special characters: %40 for @, %2F for /, %3A for :)`);
  }
}

/** Reads `caFile` for TLS; a missing or unreadable file is a one-line error. */
function readCa(caFile: string, fail: (problem: string) => never): Buffer {
  try {
    return readFileSync(caFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
    return fail(`cannot read the CA file ${caFile} (${code})`);
  }
}

/**
 * ioredis options for `url`. `caFile` is a PEM file of the CA that signed the server's
 * certificate (rediss:// only; without it the system's CAs are trusted). A URL without a password
 * takes it from MLAGENTS_TS_REDIS_PASSWORD in `env` (default process.env) when that is set.
 * Throws RedisUrlError naming what is wrong, with the password hidden.
 */
export function parseRedisUrl(url: string, opts: { caFile?: string; env?: NodeJS.ProcessEnv } = {}): RedisConnectionOptions {
  const fail = (problem: string): never => {
    throw new RedisUrlError(describeRedisUrl(url), problem);
  };
  const parts = splitUrl(url.trim());
  if (!parts) return fail(`not a URL (${SHAPE})`);
  if (parts.scheme !== "redis" && parts.scheme !== "rediss") {
    return fail(`scheme must be redis:// or rediss:// (TLS), got ${quoteForMessage(parts.scheme)}://`);
  }
  const tls = parts.scheme === "rediss";

  let host: string;
  let portText: string | undefined;
  if (parts.hostport.startsWith("[")) {
    const close = parts.hostport.indexOf("]");
    if (close < 0) return fail("IPv6 host has no closing ]");
    host = parts.hostport.slice(1, close);
    if (!IPV6.test(host)) return fail(`bad IPv6 host ${quoteForMessage(host)}`);
    const after = parts.hostport.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return fail(`unexpected ${quoteForMessage(after)} after the IPv6 host`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = parts.hostport.indexOf(":");
    host = colon < 0 ? parts.hostport : parts.hostport.slice(0, colon);
    portText = colon < 0 ? undefined : parts.hostport.slice(colon + 1);
    if (portText?.includes(":")) return fail("an IPv6 host must be written in brackets: redis://[::1]:6379");
  }
  if (host === "") return fail(`no host (${SHAPE})`);
  if (!parts.hostport.startsWith("[") && !HOST_NAME.test(host)) return fail(`bad host ${quoteForMessage(host)}`);

  let port = DEFAULT_REDIS_PORT;
  if (portText !== undefined) {
    const n = DIGITS.test(portText) ? Number(portText) : NaN;
    if (!(n >= 1 && n <= 65535)) return fail(`bad port ${quoteForMessage(portText)} (expected 1-65535)`);
    port = n;
  }

  if (/[?#]/.test(parts.rest)) return fail("query parameters and fragments are not supported");
  let db = 0;
  const dbText = parts.rest.replace(/^\//, "");
  if (dbText !== "") {
    const n = DIGITS.test(dbText) ? Number(dbText) : NaN;
    if (!(n >= 0 && n <= MAX_DB)) return fail(`bad database number ${quoteForMessage(dbText)} (expected /0, /1, ...)`);
    db = n;
  }

  const options: RedisConnectionOptions = { host, port, db };
  if (parts.userinfo !== undefined) {
    const colon = parts.userinfo.indexOf(":");
    if (colon < 0) return fail("credentials need a colon: redis://:password@host or redis://user:password@host");
    const username = decode(parts.userinfo.slice(0, colon), "username", fail);
    const password = decode(parts.userinfo.slice(colon + 1), "password", fail);
    if (password === "") return fail("empty password after ':' (leave out the credentials if there is no password)");
    if (username !== "") options.username = username;
    options.password = password;
  }

  const envPassword = (opts.env ?? process.env)[REDIS_PASSWORD_ENV];
  if (options.password === undefined && envPassword !== undefined && envPassword !== "") options.password = envPassword;

  if (opts.caFile !== undefined && !tls) return fail("a CA file is for TLS: use rediss:// with it");
  if (tls) options.tls = opts.caFile !== undefined ? { ca: readCa(opts.caFile, fail) } : {};
  return options;
}
