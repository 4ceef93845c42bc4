// How a run is asked to stop: stop() from its owner, or an AbortSignal. No process-wide handlers:
// wiring Ctrl+C to stop() (and a second Ctrl+C to leaving at once) is the CLI's business.

export class StopSwitch {
  private requestedFlag = false;
  private wake: () => void = () => undefined;
  /** Resolves once a stop was requested (race it against any wait). */
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
  }
}
