// A worker thread called synchronously: the caller posts one request and blocks on a shared flag
// (Atomics.wait) until the worker answers; the answer is taken with receiveMessageOnPort. The
// worker's event loop keeps running meanwhile (Dawn's read-backs on WebGPU). Used by the GPU
// population worker (gpu-population.ts); the worker side answers through serveBlocking.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { TransitionBatch } from "../common/transition.js";

/** What every blocking worker receives in workerData, beside its own fields. */
export interface BlockingWorkerData {
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
  /** The worker's module (file URL), loaded by tsx-worker-boot.mjs. */
  readonly entry: string;
}

interface Answer {
  readonly result?: unknown;
  readonly error?: string;
}

export class BlockingWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private closed = false;

  /** Starts `entry` (a TypeScript module URL) in a worker thread with `data` beside the port and flag. */
  constructor(entry: URL, data: Record<string, unknown>, private readonly name: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    const workerData: BlockingWorkerData & Record<string, unknown> = { ...data, port: port2, flag, entry: entry.href };
    this.worker = new Worker(new URL("./tsx-worker-boot.mjs", import.meta.url), { workerData, transferList: [port2] });
    this.worker.unref();
  }

  /** Posts `request` and blocks until the worker answers; its error is thrown here. */
  call(request: { readonly op: string }, timeoutMs: number): unknown {
    if (this.closed) throw new Error(`${this.name}: called after close`);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    if (Atomics.wait(this.flag, 0, 0, timeoutMs) === "timed-out") throw new Error(`${this.name} did not answer "${request.op}" within ${timeoutMs / 1000} s`);
    const answer = receiveMessageOnPort(this.port)?.message as Answer | undefined;
    if (answer === undefined) throw new Error(`${this.name} woke without an answer to "${request.op}"`);
    if (answer.error !== undefined) throw new Error(`${this.name} ${request.op}: ${answer.error}`);
    return answer.result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}

/** Worker side: answers each request with `handle`'s result (or its error), one at a time, and wakes the caller. */
export function serveBlocking<R extends { readonly op: string }>(data: BlockingWorkerData, handle: (request: R) => unknown): void {
  const flag = new Int32Array(data.flag);
  const reply = (message: Answer): void => {
    data.port.postMessage(message);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  data.port.on("message", async (request: R) => {
    try {
      reply({ result: await handle(request) });
    } catch (e) {
      reply({ error: (e as Error).message });
    }
  });
}

/** A copy of a minibatch that owns its arrays: a view would carry its whole buffer (the replay ring) across threads. */
export function ownedBatch(batch: TransitionBatch): TransitionBatch {
  return {
    length: batch.length,
    obs: batch.obs.map((o) => o.slice()),
    nextObs: batch.nextObs.map((o) => o.slice()),
    continuousActions: batch.continuousActions.slice(),
    discreteActions: batch.discreteActions.slice(),
    rewards: batch.rewards.slice(),
    dones: batch.dones.slice(),
    actionMasks: batch.actionMasks.slice(),
    nextActionMasks: batch.nextActionMasks.slice(),
  };
}
