// A worker thread called synchronously, one request and one answer at a time, on the project's
// worker link (../common/worker-link.ts: the boot file, the port and the shared counter the caller
// blocks on). The worker's event loop keeps running meanwhile (Dawn's read-backs on WebGPU). Used by
// the GPU population worker (gpu-population.ts); the worker side answers through serveBlocking.

import { WorkerLink, linkPost, type WorkerLinkData } from "../common/worker-link.js";

/** What every blocking worker receives in workerData, beside its own fields. */
export type BlockingWorkerData = WorkerLinkData;

interface Answer {
  readonly result?: unknown;
  readonly error?: string;
}

export class BlockingWorker {
  private readonly link: WorkerLink;

  /** Starts `entry` (a TypeScript module URL) in a worker thread with `data` beside the link's fields. */
  constructor(entry: URL, data: Record<string, unknown>, private readonly name: string) {
    this.link = new WorkerLink(entry, name, data);
  }

  /** Posts `request` and blocks until the worker answers; its error is thrown here. */
  call(request: { readonly op: string }, timeoutMs: number): unknown {
    this.link.post(request);
    const answer = this.link.receive(timeoutMs, `"${request.op}"`) as Answer;
    if (answer.error !== undefined) throw new Error(`${this.name} ${request.op}: ${answer.error}`);
    return answer.result;
  }

  close(): void {
    this.link.close();
  }
}

/** Worker side: answers each request with `handle`'s result (or its error), one at a time, and wakes the caller. */
export function serveBlocking<R extends { readonly op: string }>(data: BlockingWorkerData, handle: (request: R) => unknown): void {
  data.port.on("message", async (request: R) => {
    try {
      linkPost(data, { result: await handle(request) } satisfies Answer);
    } catch (e) {
      linkPost(data, { error: (e as Error).message } satisfies Answer);
    }
  });
}
