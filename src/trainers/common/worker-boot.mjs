// Entry of the project's worker threads (worker-link.ts): registers tsx's loader (the project runs
// its TypeScript source, and a worker does not inherit the main thread's loader), then loads the
// module named by workerData.entry. A load failure is answered through the link, so the blocked
// caller gets the error instead of a timeout.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
try {
  await import(workerData.entry);
} catch (e) {
  workerData.port.postMessage({ error: `${workerData.name} failed to load: ${e instanceof Error ? e.message : String(e)}` });
  const flag = new Int32Array(workerData.flag);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}
