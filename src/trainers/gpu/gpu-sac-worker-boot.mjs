// Entry of the GPU worker thread: registers tsx's loader (the project runs its TypeScript source,
// and a worker does not inherit the main thread's loader), then loads gpu-sac-worker.ts. A load
// failure is answered on the request port, so the blocked caller gets the error instead of a timeout.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
try {
  await import(new URL("./gpu-sac-worker.ts", import.meta.url).href);
} catch (e) {
  workerData.port.postMessage({ error: `GPU worker failed to load: ${e instanceof Error ? e.message : String(e)}` });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
