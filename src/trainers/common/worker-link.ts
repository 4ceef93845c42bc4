// A worker thread that the synchronous trainer calls as if it were local: messages go out on a
// MessagePort; the caller blocks on a shared counter (Atomics.wait) until the worker has posted an
// answer, then takes it with receiveMessageOnPort, without the event loop. The worker side posts
// through `linkPost`, which bumps the counter and wakes the caller. Used by the GPU engine
// (gpu-worker-sac-model.ts: every call answered) and the threaded engine (threaded-sac-host.ts:
// updates posted without waiting, their results taken later).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort, type TransferListItem } from "node:worker_threads";

/** What every linked worker gets in its workerData (besides its own fields). */
export interface WorkerLinkData {
  readonly port: MessagePort;
  /** Int32 [1]: bumped by the worker after each message it posts. */
  readonly flag: SharedArrayBuffer;
  /** The module the boot file loads (a file URL). */
  readonly entry: string;
  /** For messages: "GPU worker", "SAC update worker". */
  readonly name: string;
}

export class WorkerLink {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private closed = false;

  /** Starts `entry` (a TypeScript module) in a worker thread; `data` joins the link's own fields in its workerData. */
  constructor(
    entry: URL,
    readonly name: string,
    data: object,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    const workerData: WorkerLinkData = { ...data, port: port2, flag, entry: entry.href, name };
    // The boot file registers tsx's loader in the worker, then loads `entry`.
    this.worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData, transferList: [port2] });
    this.worker.unref();
  }

  post(message: unknown, transfer: readonly TransferListItem[] = []): void {
    if (this.closed) throw new Error(`${this.name} is closed`);
    this.port.postMessage(message, transfer);
  }

  /** The next message if one is in, without waiting. */
  tryReceive(): { message: unknown } | undefined {
    return receiveMessageOnPort(this.port);
  }

  /** The next message, blocking this thread (event loop included) up to `timeoutMs`; `what` names the wait in the error. */
  receive(timeoutMs: number, what: string): unknown {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      const got = receiveMessageOnPort(this.port);
      if (got) return got.message;
      const left = end - performance.now();
      if (left <= 0 || Atomics.wait(this.flag, 0, seen, left) === "timed-out") {
        throw new Error(`${this.name} did not answer ${what} within ${Math.round(timeoutMs / 1000)} s`);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}

/** Worker side: posts `message` to the linked caller and wakes it if it is blocked in receive. */
export function linkPost(data: Pick<WorkerLinkData, "port" | "flag">, message: unknown, transfer: readonly TransferListItem[] = []): void {
  data.port.postMessage(message, transfer);
  const flag = new Int32Array(data.flag);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}
