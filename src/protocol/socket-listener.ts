// Binds the trainer's TCP port ourselves (instead of grpc-js bindAsync) and hands each accepted
// socket to a callback. Why: grpc-js may bind with SO_REUSEPORT, which hides "port in use"; owning
// the sockets also tells us when a Unity connection closes, and lets close() drop silent clients.
import * as net from "node:net";
import { PortInUseError } from "./errors.js";

export interface SocketListener {
  readonly port: number;
  /** "127.0.0.1:5005", "[::1]:5005", ... */
  readonly addresses: readonly string[];
  close(): Promise<void>;
}

const LOOPBACK_V4 = "127.0.0.1";
const LOOPBACK_V6 = "::1";
// Errors meaning "this machine has no IPv6 loopback": skip it rather than fail.
const NO_ADDRESS = new Set(["EADDRNOTAVAIL", "EAFNOSUPPORT", "EPROTONOSUPPORT", "EINVAL"]);

/**
 * Listens on `host` only, or by default on 127.0.0.1 and [::1] (Unity dials "localhost", which may
 * resolve to either). Port 0 picks a free port shared by both addresses. Rejects with PortInUseError.
 */
export async function listenSockets(
  port: number,
  host: string | undefined,
  onSocket: (socket: net.Socket) => void,
): Promise<SocketListener> {
  const attempts = port === 0 && host === undefined ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    const servers: net.Server[] = [];
    try {
      const first = await listenOne(port, host ?? LOOPBACK_V4, onSocket);
      servers.push(first);
      const actual = (first.address() as net.AddressInfo).port;
      if (host === undefined) {
        try {
          servers.push(await listenOne(actual, LOOPBACK_V6, onSocket));
        } catch (e) {
          if (!NO_ADDRESS.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
        }
      }
      return makeListener(actual, servers);
    } catch (e) {
      await Promise.all(servers.map(closeServer));
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" && attempt < attempts) continue; // port 0: [::1] clashed, pick another
      if (code === "EADDRINUSE" || code === "EACCES") throw new PortInUseError(port, host);
      throw e;
    }
  }
}

function listenOne(port: number, host: string, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // noDelay: lock-step RPCs are small; Nagle would add ~40 ms per exchange.
    const server = net.createServer({ noDelay: true }, onSocket);
    const onError = (e: Error): void => reject(e);
    server.once("error", onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", onError);
      server.on("error", () => undefined); // after listening, errors surface per socket
      resolve(server);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function makeListener(port: number, servers: net.Server[]): SocketListener {
  const addresses = servers.map((s) => {
    const a = s.address() as net.AddressInfo;
    return a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  });
  return { port, addresses, close: async () => void (await Promise.all(servers.map(closeServer))) };
}
