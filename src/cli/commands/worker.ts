// `mlagents-ts worker --redis URL [--slots N] [--store DIR] --env builtin:NAME|PATH`: runs training
// segments of distributed populations (`pbt --redis`) on this machine, against its own
// environments. Ctrl+C/SIGTERM stop taking jobs; a segment cut short is re-run by another worker.
import { openRedis } from "../../run/distributed/redis-connection.js";
import { describeRedisUrl, REDIS_PASSWORD_ENV } from "../../run/distributed/redis-url.js";
import { SegmentWorker } from "../../run/distributed/worker.js";
import { initBackend } from "../../trainers/backend.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import { PACKAGE_VERSION, versionBlock } from "../version.js";
import type { RegisterCommand } from "./index.js";
import { sacTrainerFactory } from "./learn.js";

export const DEFAULT_STORE_DIR = "results/pbt-store";

interface WorkerFlags {
  redis?: string;
  redisCa?: string;
  slots?: string;
  store?: string;
  env?: string;
  numEnvs?: string;
  name?: string;
  lockMs?: string;
  device?: string;
  debug?: boolean;
}

export const registerWorker: RegisterCommand = (program, setExitCode) => {
  program
    .command("worker")
    .description("Run training segments of distributed populations (pbt --redis) on this machine")
    .option("--redis <url>", `the Redis server of the queue: redis://[:password@]host:port or rediss:// for TLS (without a password in it: $${REDIS_PASSWORD_ENV})`)
    .option("--redis-ca <file>", "CA certificate (PEM) that signed the Redis server's TLS certificate")
    .option("--slots <n>", "segments run at the same time (default 1)")
    .option("--store <dir>", `the snapshot store shared with the coordinator and the other workers (default ${DEFAULT_STORE_DIR})`)
    .option("--env <target>", "the environment segments train on: builtin:NAME or a Unity player's path")
    .option("--num-envs <n>", "environments per segment (default 1)")
    .option("--name <name>", "this worker's name in the population's status (default host:pid)")
    .option("--lock-ms <ms>", "BullMQ lock duration: a dead worker's segment is re-run after about this long (default 30000, or MLAGENTS_TS_LOCK_MS)")
    .option("--device <backend>", "tensor backend (as learn --device)")
    .option("--debug", "debug logging with timestamps (each segment's run lines too)")
    .action(async (flags: WorkerFlags) => {
      const logger = createLogger({ level: flags.debug ? "debug" : "info", timestamps: Boolean(flags.debug) });
      try {
        if (!flags.redis) throw new Error("worker needs --redis URL (the coordinator's Redis server).");
        if (!flags.env) throw new Error("worker needs --env builtin:NAME or --env PATH (the environment its segments train on).");
        const slots = wholeNumber(flags.slots ?? "1", "--slots");
        const numEnvs = wholeNumber(flags.numEnvs ?? "1", "--num-envs");
        const lockMs = flags.lockMs === undefined ? undefined : wholeNumber(flags.lockMs, "--lock-ms");
        const backend = await initBackend(flags.device ?? "auto");
        process.stdout.write(versionBlock(backend.description) + "\n");
        const connection = await openRedis(flags.redis, { caFile: flags.redisCa, role: "worker", logger });
        try {
          const worker = SegmentWorker.start({
            connection,
            slots,
            numEnvs,
            lockMs,
            storeDir: flags.store ?? DEFAULT_STORE_DIR,
            env: flags.env,
            name: flags.name,
            createTrainer: sacTrainerFactory(logger, true),
            logger,
            version: PACKAGE_VERSION,
          });
          await worker.waitUntilReady();
          logger.info(`Worker ${worker.name} takes segments from ${describeRedisUrl(flags.redis)} (${slots} slot${slots === 1 ? "" : "s"}, --env ${flags.env}).`);
          await untilSignal();
          logger.info(`Worker ${worker.name} is stopping; a segment it was running goes to another worker.`);
          await worker.close();
          setExitCode(0);
        } finally {
          connection.disconnect();
        }
      } catch (error) {
        logger.error(errorMessage(error));
        setExitCode(1);
      }
    });
};

function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number of 1 or more, got ${value}.`);
  return n;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}
