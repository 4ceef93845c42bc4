// How a run is asked to stop: stop() from its owner, or an AbortSignal. No process-wide handlers:
// wiring Ctrl+C to stop() (and a second Ctrl+C to leaving at once) is the CLI's business.

export class StopSwitch {
  private requestedFlag = false;
  private wake: () => void = () => undefined;
  /** One-shot wakers of the waits in progress (see firstOrStop). */
  private readonly waiters = new Set<() => void>();
  /** Resolves once a stop was requested (for rare waits; per-step waits use firstOrStop). */
  readonly stopped: Promise<void>;

  constructor(signal?: AbortSignal) {
    this.stopped = new Promise<void>((resolve) => (this.wake = resolve));
    if (signal?.aborted) this.stop();
    else signal?.addEventListener("abort", () => this.stop(), { once: true });
  }

  get requested(): boolean {
    return this.requestedFlag;
  }

  stop(): void {
    if (this.requestedFlag) return;
    this.requestedFlag = true;
    this.wake();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /**
   * The first of `promises` to settle, or null once a stop is requested. Not Promise.race with
   * `stopped`: each race leaves a reaction on that run-long promise (~500 bytes per exchange, the
   * leak of issue 14 item 11); this waker is dropped as soon as the wait ends.
   */
  firstOrStop<T>(promises: readonly Promise<T>[]): Promise<T | null> {
    if (this.requestedFlag) return Promise.resolve(null);
    return new Promise<T | null>((resolve) => {
      const waker = (): void => resolve(null);
      this.waiters.add(waker);
      const done = (value: T): void => {
        this.waiters.delete(waker);
        resolve(value);
      };
      for (const p of promises) void p.then(done);
    });
  }
}
