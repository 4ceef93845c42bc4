// bench/protocol: random actions through our gRPC server <-> emulator processes over loopback.
// Usage: npx tsx bench/protocol.ts [--env 3dball] [--seconds 10] [--workers 1,4]
// Prints, per worker count: round trips/s (Exchange calls answered), agent decisions/s and
// Academy steps/s summed over processes (3dball: each of 12 agents decides every 5th Academy step,
// so Academy steps = decisions x 5 / 12).
import { ActionTuple } from "../src/env/index.js";
import { EnvWorker } from "../src/run/env-worker.js";
import { createLogger } from "../src/util/logger.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const envName = arg("env", "3dball");
const seconds = Number(arg("seconds", "10"));
const counts = arg("workers", "1,4").split(",").map(Number);
const logger = createLogger({ level: "warn" });

async function run(numWorkers: number): Promise<{ rtt: number; decisions: number }> {
  const workers = await Promise.all(
    Array.from({ length: numWorkers }, (_, i) =>
      EnvWorker.standalone({ index: i, port: 0, timeoutWaitMs: 60_000, seed: i, logger, target: `builtin:${envName}` }),
    ),
  );
  try {
    const envs = await Promise.all(workers.map((w) => w.connect(60_000)));
    await Promise.all(envs.map((e) => e.reset()));
    // Warm-up, then measure.
    let exchanges = 0;
    let decisions = 0;
    const stepAll = async (): Promise<void> => {
      for (const env of envs) {
        for (const [name, spec] of env.behaviorSpecs) {
          const [d] = env.getSteps(name);
          decisions += d.length;
          if (d.length) env.setActions(name, ActionTuple.random(spec.actionSpec, d.length, Math.random, d.actionMask));
        }
      }
      await Promise.all(envs.map((e) => e.step()));
      exchanges += envs.length;
    };
    const warmUntil = performance.now() + 1000;
    while (performance.now() < warmUntil) await stepAll();
    exchanges = 0;
    decisions = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) await stepAll();
    const dt = (performance.now() - t0) / 1000;
    return { rtt: exchanges / dt, decisions: decisions / dt };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

console.log(`bench/protocol: env ${envName}, ${seconds} s per configuration, node ${process.versions.node}`);
console.log("| emulator processes | round trips/s | agent decisions/s | Academy steps/s (3dball: decisions x 5 / 12) |");
console.log("|---:|---:|---:|---:|");
for (const n of counts) {
  const r = await run(n);
  console.log(`| ${n} | ${r.rtt.toFixed(0)} | ${r.decisions.toFixed(0)} | ${((r.decisions * 5) / 12).toFixed(0)} |`);
}
