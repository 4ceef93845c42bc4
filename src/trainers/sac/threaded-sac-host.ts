// The trainer-side end of the one worker thread that runs the updates of every threaded SAC
// engine of this process (threaded-sac-worker.ts). One thread, not one per trainer: a population's
// members share it (and its one WebAssembly heap), so on 2 cores the trainer's thread steps the
// environments while the other core runs all members' updates, in the order they were queued.
// Requests go out in batches (send); answers come back, one message per batch, on one port:
// replies to calls, and per update its losses and the actor's new weights, handed to the engine
// that queued it (HostedEngine). They are taken without the event loop (worker-link.ts), when an
// engine acts, waits, or calls.

import type { TransferListItem } from "node:worker_threads";
import { WorkerLink } from "../common/worker-link.js";
import type { UpdateLosses } from "./sac-engine.js";
import type { ThreadedAnswer, ThreadedCall, ThreadedRequest } from "./threaded-sac-worker.js";

/** How long one wait may take before the worker is declared stuck. */
const WAIT_TIMEOUT_MS = 10 * 60 * 1000;

/** What the host hands an engine: the results of its queued updates. */
export interface HostedEngine {
  updated(losses: UpdateLosses, actor: Float32Array): void;
  failed(error: string): void;
}

export class ThreadedSacHost {
  private static shared: ThreadedSacHost | null = null;
  private readonly link = new WorkerLink(new URL("./threaded-sac-worker.ts", import.meta.url), "SAC update worker", {});
  private readonly engines = new Map<number, HostedEngine>();
  private nextId = 1;
  /** Requests not sent yet (send), and the buffers they move. */
  private readonly outbox: ThreadedRequest[] = [];
  private readonly outboxTransfer: TransferListItem[] = [];
  /** Answers received, not handed out yet. */
  private readonly inbox: ThreadedAnswer[] = [];

  /** The process's host, started by its first engine and closed after its last one leaves. */
  static acquire(): ThreadedSacHost {
    ThreadedSacHost.shared ??= new ThreadedSacHost();
    return ThreadedSacHost.shared;
  }

  /** The process's host while an engine uses it (null otherwise). */
  static get running(): ThreadedSacHost | null {
    return ThreadedSacHost.shared;
  }

  /** Engines using this host now. */
  get engineCount(): number {
    return this.engines.size;
  }

  register(engine: HostedEngine): number {
    const id = this.nextId++;
    this.engines.set(id, engine);
    return id;
  }

  /** The engine is gone (disposed or never created): the last one out closes the worker. */
  release(id: number): void {
    this.engines.delete(id);
    if (this.engines.size > 0) return;
    this.link.close();
    if (ThreadedSacHost.shared === this) ThreadedSacHost.shared = null;
  }

  /**
   * Queues a request without waiting (updates, hyperparameters). Requests are sent together, once
   * this thread's synchronous work is done (a microtask: e.g. every member's updates of one
   * environment step in one message), or before this thread waits or calls: waking the worker
   * costs the trainer its core on a busy machine, once per message.
   */
  send(request: ThreadedRequest, transfer: readonly TransferListItem[] = []): void {
    this.outbox.push(request);
    this.outboxTransfer.push(...transfer);
    if (this.outbox.length === 1) queueMicrotask(() => this.flush());
  }

  /** A call answered by the worker after everything queued before it; the results on the way are handed out. */
  call(id: number, name: ThreadedCall | "create", request: ThreadedRequest = { op: "call", id, name: name as ThreadedCall, args: [] }): unknown {
    this.flush();
    this.link.post([request]);
    for (;;) {
      const answer = this.next(`"${name}"`);
      if (answer.kind !== "reply") {
        this.dispatch(answer);
        continue;
      }
      if (answer.id !== id) throw new Error(`SAC update worker answered engine ${answer.id} while engine ${id} waited`);
      if (answer.error !== undefined) throw new Error(`SAC update worker, ${name}: ${answer.error}`);
      return answer.result;
    }
  }

  /** Hands out the results already in, without waiting. */
  poll(): void {
    for (let got = this.link.tryReceive(); got; got = this.link.tryReceive()) this.inbox.push(...checked(got.message));
    for (let a = this.inbox.shift(); a; a = this.inbox.shift()) this.dispatch(a);
  }

  /** Hands out results, waiting for more, until `done()` holds. */
  waitUntil(done: () => boolean, what: string): void {
    this.flush();
    this.poll();
    while (!done()) this.dispatch(this.next(what));
  }

  private flush(): void {
    if (this.outbox.length === 0 || this.engines.size === 0) return;
    this.link.post(this.outbox.splice(0), this.outboxTransfer.splice(0));
  }

  /** The next answer, waiting for the worker's next message when none is left from the last one. */
  private next(what: string): ThreadedAnswer {
    while (this.inbox.length === 0) this.inbox.push(...checked(this.link.receive(WAIT_TIMEOUT_MS, what)));
    return this.inbox.shift()!;
  }

  private dispatch(answer: ThreadedAnswer): void {
    if (answer.kind === "reply") throw new Error(`SAC update worker: a reply to engine ${answer.id} that nobody waited for`);
    const engine = this.engines.get(answer.id);
    if (!engine) return; // disposed meanwhile
    if (answer.kind === "updated") engine.updated(answer.losses, answer.actor);
    else engine.failed(answer.error);
  }
}

/** A message from the worker (its answers to one message of requests); the boot file's load failure ({ error } alone) becomes an exception. */
function checked(message: unknown): ThreadedAnswer[] {
  if (Array.isArray(message)) return message as ThreadedAnswer[];
  throw new Error((message as { error?: string }).error ?? "SAC update worker sent an unknown message");
}
