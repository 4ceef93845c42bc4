// Entry of a worker thread that runs TypeScript source: registers tsx's loader (a worker does not
// inherit the main thread's), then loads workerData.entry (a file URL). A load failure is answered
// on the request port, so the blocked caller (blocking-worker.ts) gets the error instead of a timeout.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
try {
  await import(workerData.entry);
} catch (e) {
  workerData.port.postMessage({ error: `worker ${workerData.entry} failed to load: ${e instanceof Error ? e.message : String(e)}` });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
