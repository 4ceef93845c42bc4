// A real redis-server for the distributed population's tests: started on 127.0.0.1 on a free port
// (never Debian's default 6379, which the package's own service may hold), optionally with a
// password or TLS (a throwaway CA made with openssl), with its data in a temp folder so it can be
// killed with SIGKILL and restarted on the same port with the same data (an append-only file
// fsynced on every write, so nothing acknowledged is lost by kill -9).
// Readiness is the server's own "Ready to accept connections" line, never a sleep.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, promises as fs, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Redis } from "ioredis";
import { afterEach, describe, it } from "vitest";

const REDIS_SERVER = process.env.MLAGENTS_TS_REDIS_SERVER ?? "redis-server";
const READY_LINE = "Ready to accept connections";
const ADDRESS_IN_USE = "Address already in use";
/** Output kept to explain a failed start. */
const OUTPUT_TAIL_CHARS = 4000;
const PORT_ATTEMPTS = 10;

export interface RedisServerOptions {
  /** requirepass: clients must authenticate (url carries it as redis://:PASSWORD@...). */
  readonly password?: string;
  /** Serve TLS only (rediss://), with a certificate from a throwaway CA (caFile). */
  readonly tls?: boolean;
  /** maxmemory-policy (Redis' default, and what BullMQ needs, is noeviction). */
  readonly maxmemoryPolicy?: string;
  /** Data folder (append-only file); default a new temp folder, removed by stop(). */
  readonly dir?: string;
}

export interface RedisServerHandle {
  /** redis://[:password@]127.0.0.1:PORT, or rediss://... with tls. */
  readonly url: string;
  readonly port: number;
  /** The CA certificate that signed the server's certificate (tls only). */
  readonly caFile?: string;
  /** SIGTERM, wait for the exit, remove the temp folder this handle created. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash); restart() brings it back with the data it had acknowledged. */
  kill(): void;
  /** Stops the server if it runs (SIGTERM), then starts it again on the same port and data folder. */
  restart(): Promise<void>;
}

/** True when a redis-server binary answers --version. */
export function redisServerAvailable(): boolean {
  const probe = spawnSync(REDIS_SERVER, ["--version"], { encoding: "utf8" });
  return probe.status === 0 && probe.stdout.includes("Redis server");
}

const WHY_MISSING =
  `the distributed population's tests need redis-server on PATH (apt-get install -y redis-server; ` +
  `.ci/run installs it; MLAGENTS_TS_REDIS_SERVER may name another binary)`;

/**
 * describe() for tests that need a real redis-server: without one they skip with the reason
 * printed, but under CI=true they fail, because .ci/run installs it and a silent skip there would
 * hide an untested distributed path (the same rule as the GPU and browser tests).
 */
export function describeRedis(name: string, body: () => void): void {
  if (redisServerAvailable()) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("has a redis-server", () => {
        throw new Error(`${WHY_MISSING} (CI=true: not skipping)`);
      });
    });
  } else {
    console.warn(`SKIPPED ${name}: ${WHY_MISSING}`);
    describe.skip(name, body);
  }
}

/** A port nobody listened on a moment ago (the OS picks it); redis may still lose a race for it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const run = promisify(execFile);

/** A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it (EC P-256: fast). */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const p = (name: string): string => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", ["req", "-x509", ...ec, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2",
    "-subj", "/CN=mlagents-ts test CA", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await run("openssl", ["req", ...ec, "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=127.0.0.1"]);
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await run("openssl", ["x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
    "-CAcreateserial", "-out", p("server.crt"), "-days", "2", "-extfile", p("server.ext")]);
  return { ca: p("ca.crt"), cert: p("server.crt"), key: p("server.key") };
}

/** Servers still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

/** Spawns redis-server and resolves once it logs that it accepts connections. */
function spawnRedis(args: readonly string[], port: number): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let output = "";
    let ready = false;
    const exited = new Promise<void>((done) => {
      child.once("exit", () => {
        live.delete(child);
        done();
      });
    });
    const onData = (chunk: Buffer): void => {
      if (ready) return;
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
      if (output.includes(READY_LINE)) {
        ready = true;
        // Keep draining the pipes so a chatty server never blocks on a full pipe.
        resolve({ child, exited });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (e) => reject(new StartFailure(`cannot run ${REDIS_SERVER}: ${e.message}`, false)));
    child.once("exit", (code, signal) => {
      if (ready) return;
      const why = `redis-server on port ${port} exited before it was ready (code ${code}, signal ${signal}):\n${output}`;
      reject(new StartFailure(why, output.includes(ADDRESS_IN_USE)));
    });
  });
}

/** Starts a redis-server for one test file; see RedisServerOptions. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "mlagents-ts-redis-"));
  await fs.mkdir(dir, { recursive: true });
  const certs = opts.tls ? await makeCertificates(dir) : undefined;

  const argsFor = (port: number): string[] => [
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--appendonly", "yes",
    "--appendfsync", "always",
    "--daemonize", "no",
    "--loglevel", "notice",
    "--logfile", "",
    "--maxmemory-policy", opts.maxmemoryPolicy ?? "noeviction",
    ...(opts.password !== undefined ? ["--requirepass", opts.password] : []),
    ...(certs
      ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", certs.cert, "--tls-key-file", certs.key,
          "--tls-ca-cert-file", certs.ca, "--tls-auth-clients", "no"]
      : ["--port", String(port)]),
  ];

  let port = 0;
  let current: Started | undefined;
  for (let attempt = 1; current === undefined; attempt++) {
    port = await freePort();
    try {
      current = await spawnRedis(argsFor(port), port);
    } catch (e) {
      // Another process took the port between our probe and redis' bind: take another one.
      if (!(e instanceof StartFailure && e.addressInUse) || attempt >= PORT_ATTEMPTS) throw e;
    }
  }

  const auth = opts.password !== undefined ? `:${encodeURIComponent(opts.password)}@` : "";
  const url = `${certs ? "rediss" : "redis"}://${auth}127.0.0.1:${port}`;
  let stopped = false;

  const terminate = async (): Promise<void> => {
    const running = current;
    current = undefined;
    if (!running) return;
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGTERM");
    await running.exited;
  };

  return {
    url,
    port,
    caFile: certs?.ca,
    async stop() {
      stopped = true;
      await terminate();
      if (ownDir) await fs.rm(dir, { recursive: true, force: true });
    },
    kill() {
      current?.child.kill("SIGKILL");
    },
    async restart() {
      if (stopped) throw new Error("restart() after stop(): the server's folder is gone");
      await terminate();
      // The same port must come back: a killed server's port is free once its process is gone
      // (redis binds with SO_REUSEADDR), so only a stranger that took it in between can fail this.
      current = await spawnRedis(argsFor(port), port);
    },
  };
}

/**
 * For a describe block: `start` runs a redis-server that is stopped after the test, and clients
 * pushed on `clients` are disconnected then (first, so no client reconnects to a stopped server).
 */
export function serversPerTest(): { start(opts?: RedisServerOptions): Promise<RedisServerHandle>; clients: Redis[] } {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });
  return {
    clients,
    start: async (opts) => {
      const s = await startRedisServer(opts);
      servers.push(s);
      return s;
    },
  };
}
