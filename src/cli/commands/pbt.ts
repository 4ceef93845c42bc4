// `mlagents-ts pbt <config> --run-id X [--env builtin:NAME | --env PATH] [--population N]`: the
// behaviors of the config trained by populations that tune themselves (docs/pbt.md), with learn's
// flags; `pbt --replay <run-dir> --member i` retrains one member on its lineage's schedule. The
// command parses, wires Ctrl+C/SIGTERM and prints; the population lives in src/run/population.
import * as path from "node:path";
import type { RunOptions } from "../../config/index.js";
import { runDistributedPbt } from "../../run/distributed/distributed-run.js";
import { openRedis } from "../../run/distributed/redis-connection.js";
import { REDIS_PASSWORD_ENV } from "../../run/distributed/redis-url.js";
import { formatRunStatus, readRunStatus } from "../../run/distributed/run-status.js";
import { createPbtRun } from "../../run/population/run-population.js";
import { runReplay } from "../../run/population/replay-run.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import type { RegisterCommand } from "./index.js";
import { addEnvironmentOptions, explicitFlags, prepareTraining, runUntilSignal, writeRunReport } from "./learn.js";
import { DEFAULT_STORE_DIR } from "./worker.js";

export class PbtUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PbtUsageError";
  }
}

export const registerPbt: RegisterCommand = (program, setExitCode) => {
  const cmd = program
    .command("pbt")
    .description("Train each behavior with a population that tunes its hyperparameters while it trains (population-based training, docs/pbt.md)")
    .argument("[config]", "trainer configuration YAML with a pbt: section (with --replay: default the run's configuration.yaml)")
    .option("--run-id <id>", "results/<run-id> folder of this run (default ppo, as ML-Agents)")
    .option("--population <n>", "members per behavior (overrides pbt.population_size)")
    .option("--resume", "continue the run: every member from its latest checkpoint, the population from results/<run-id>/pbt/population.json")
    .option("--force", "overwrite an existing run with the same id")
    .option("--exit-on-stop", "end the run when Unity stops instead of waiting for the next Play")
    .option("--replay <run-dir>", "retrain one member of that run from scratch on the hyperparameter schedule along its lineage (with --member)")
    .option("--member <i>", "the member to replay")
    .option("--redis <url>", `train the population across machines: this command coordinates, \`mlagents-ts worker\` processes train (redis:// or rediss://; without a password in it: $${REDIS_PASSWORD_ENV})`)
    .option("--redis-ca <file>", "CA certificate (PEM) of the Redis server's TLS certificate")
    .option("--store <dir>", `with --redis: the snapshot store shared with the workers (default ${DEFAULT_STORE_DIR})`)
    .option("--segment-steps <n>", "with --redis: agent steps per segment job (default pbt.ready)")
    .option("--attempts <n>", "with --redis: tries of a segment before its member is marked failed (default 3)")
    .option("--status", "with --redis and --run-id: print the members, their workers, steps and scores");
  addEnvironmentOptions(cmd);
  cmd.action(async (configPath: string | undefined) => {
    const all = explicitFlags(cmd) as Record<string, unknown>;
    const { population, replay, member, redis, redisCa, store, segmentSteps, attempts, status, ...flags } = all;
    const logger = createLogger({ level: flags.debug ? "debug" : "info", timestamps: Boolean(flags.debug) });
    try {
      if (status !== undefined) {
        if (redis === undefined || flags.runId === undefined) throw new PbtUsageError("--status needs --redis URL and --run-id.");
        setExitCode(await printStatus(String(redis), redisCa === undefined ? undefined : String(redisCa), String(flags.runId)));
        return;
      }
      if (redis !== undefined) {
        if (configPath === undefined) throw new PbtUsageError("pbt --redis needs a configuration file with a pbt: section.");
        if (flags.env !== undefined) throw new PbtUsageError("with --redis the environment belongs to the workers: mlagents-ts worker --redis URL --env ...");
        const size = population === undefined ? undefined : parseIndex(population, "--population");
        const { options, deps } = await prepareTraining(configPath, flags, logger, (o) => withPopulation(o, configPath, size));
        const settings = {
          redisUrl: String(redis),
          caFile: redisCa === undefined ? undefined : String(redisCa),
          storeDir: store === undefined ? DEFAULT_STORE_DIR : String(store),
          segmentSteps: segmentSteps === undefined ? undefined : parseIndex(segmentSteps, "--segment-steps"),
          attempts: attempts === undefined ? undefined : parseIndex(attempts, "--attempts"),
        };
        const stop = new AbortController();
        const result = await runUntilSignal(logger, async (signal) => {
          signal.addEventListener("abort", () => stop.abort());
          const r = await runDistributedPbt(options, settings, { logger, createTrainer: deps.createTrainer, signal: stop.signal });
          return { ...r, totalSteps: 0, sessions: 0 };
        });
        if (!stop.signal.aborted) await writeRunReport(result.runDir, logger);
        setExitCode(result.exitCode);
        return;
      }
      if (replay !== undefined) {
        const runDir = String(replay);
        const index = parseIndex(member, "--member");
        if (flags.runId === undefined) flags.runId = `${path.basename(path.resolve(runDir))}-replay-member-${index}`;
        const { options, deps } = await prepareTraining(configPath ?? path.join(runDir, "configuration.yaml"), flags, logger);
        const result = await runUntilSignal(logger, (signal) => runReplay(options, runDir, index, { ...deps, signal }));
        await writeRunReport(result.runDir, logger);
        setExitCode(result.exitCode);
        return;
      }
      if (member !== undefined) throw new PbtUsageError("--member goes with --replay <run-dir>.");
      if (configPath === undefined) throw new PbtUsageError("pbt needs a configuration file with a pbt: section (e.g. config/3dball-pbt.yaml).");
      const size = population === undefined ? undefined : parseIndex(population, "--population");
      const { options, deps } = await prepareTraining(configPath, flags, logger, (o) => withPopulation(o, configPath, size), { gpuPopulation: true });
      const result = await runUntilSignal(logger, async (signal) => (await createPbtRun(options, { ...deps, signal })).run());
      await writeRunReport(result.runDir, logger);
      setExitCode(result.exitCode);
    } catch (error) {
      logger.error(errorMessage(error));
      setExitCode(1);
    }
  });
};

/** Refuses a config without pbt:, applies --population. */
export function withPopulation(options: RunOptions, configPath: string, size: number | undefined): RunOptions {
  if (options.pbt === null) throw new PbtUsageError(`${configPath} has no pbt: section: add one (see config/3dball-pbt.yaml and docs/pbt.md), or train a single trainer per behavior with learn.`);
  if (size === undefined) return options;
  if (size < 2) throw new PbtUsageError(`--population must be 2 or more, got ${size}.`);
  const sharing = options.pbt.members_per_environment;
  if (size % sharing !== 0) throw new PbtUsageError(`--population ${size} is not a multiple of pbt.members_per_environment (${sharing}) in ${configPath}.`);
  return { ...options, pbt: { ...options.pbt, population_size: size } };
}

async function printStatus(url: string, caFile: string | undefined, runId: string): Promise<number> {
  const connection = await openRedis(url, { caFile, role: "coordinator" });
  try {
    const status = await readRunStatus(connection, runId);
    if (status === null) throw new PbtUsageError(`Redis has no distributed population ${runId} (its coordinator publishes the status once it starts).`);
    process.stdout.write(formatRunStatus(status) + "\n");
    return 0;
  } finally {
    connection.disconnect();
  }
}

function parseIndex(value: unknown, flag: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0) throw new PbtUsageError(`${flag} needs a non-negative integer, got ${String(value)}.`);
  return n;
}
