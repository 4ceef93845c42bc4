// `mlagents-ts learn <config> --run-id ...`: mlagents-learn's flags and behaviour (docs/protocol.md §8).
// The command parses flags, builds the options, resolves the seed, wires Ctrl+C/SIGTERM to the
// run's stop and prints; the run itself (src/run) has no process-wide side effects.
import { Command, Option } from "commander";
import { applyCliOverrides, defaultRunOptions, loadRunOptions, type CliFlags } from "../../config/index.js";
import { createTrainer } from "../../trainers/create-trainer.js";
import { sacDeps, type SacTrainerDeps } from "../../trainers/sac/sac-trainer.js";
import { initBackend } from "../../trainers/backend.js";
import { acquireWebGpu, formatAdapter } from "../../trainers/gpu/webgpu-adapter.js";
import { GpuPopulationPool } from "../../trainers/gpu/gpu-population.js";
import type { BehaviorTeam } from "../../run/behavior-team.js";
import { gpuTeamUpdater } from "../../run/population/gpu-team-updates.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import type { Logger } from "../../util/logger.js";
import { runTraining, type RunResult, type RunTrainingDeps } from "../../run/run-training.js";
import type { TrainerFactory } from "../../run/trainer-controller.js";
import type { RunOptions } from "../../config/index.js";
import { versionBlock, PACKAGE_VERSION } from "../version.js";
import { writeReport } from "../../report/index.js";
import { displayPath } from "../../util/display-path.js";
import type { RegisterCommand } from "./index.js";

/** The flags shared by learn and run (environment, engine and connection settings). */
export function addEnvironmentOptions(cmd: Command): Command {
  return cmd
    .option("--env <path>", "Unity player to launch, or builtin:NAME for a built-in environment (3dball, basic, forage, gridworld, hybrid); omit to wait for the Unity Editor")
    .option("--env-args <args...>", "arguments passed verbatim to the player (must come last)")
    .option("--base-port <port>", "port of the trainer's gRPC server: the Editor connects here (default 5004); launched players use base-port + i (default 5005)")
    .option("--num-envs <n>", "players to launch in parallel (needs --env)")
    .option("--num-areas <n>", "training areas per environment, sent in the handshake")
    .option("--seed <n>", "run seed; -1 picks one at random")
    .option("--timeout-wait <seconds>", "how long to wait for a launched player to connect or for any reply from Unity")
    .option("--time-scale <x>", "engine time scale (default 20)")
    .option("--width <px>", "player window width (default 84)")
    .option("--height <px>", "player window height (default 84)")
    .option("--quality-level <n>", "engine quality level (default 5)")
    .option("--target-frame-rate <n>", "engine target frame rate (default -1)")
    .option("--capture-frame-rate <n>", "engine capture frame rate (default 60)")
    .option("--no-graphics", "launch players with -nographics -batchmode")
    .option("--no-graphics-monitor", "graphics only for worker 0")
    .option("--bind <address>", "address the gRPC server binds (default loopback only; the protocol has no authentication)")
    .option("--max-message-mb <n>", "largest message accepted from Unity, in MiB (default 64)")
    .option("--max-lifetime-restarts <n>", "restarts of a crashed player over the run, -1 = unlimited (default 10)")
    .option("--restarts-rate-limit-n <n>", "restarts allowed per period, -1 = no limit (default 1)")
    .option("--restarts-rate-limit-period-s <s>", "the rate-limit period in seconds (default 60)")
    .option("--results-dir <dir>", "where results/<run-id> lives (default results)")
    .addOption(new Option("--device <backend>", "tensor backend: auto, cpu (no GPU: tfjs-node if installed, else wasm), gpu (WebGPU through Vulkan), wasm, js (plain JavaScript, slow), tensorflow (tfjs-node), cuda or cuda:N (tfjs-node-gpu)"))
    .option("--allow-software-gpu", "with --device gpu: accept a software adapter (lavapipe); correct but slow, for tests and CI")
    .addOption(new Option("--torch-device <backend>", "alias of --device (mlagents-learn's name)").hideHelp())
    .option("--debug", "debug logging with timestamps");
}

/** Only the flags the user typed, so YAML values are not overwritten by defaults. */
export function explicitFlags(cmd: Command): Partial<CliFlags> {
  const out: Record<string, unknown> = {};
  const opts = cmd.opts();
  for (const key of Object.keys(opts)) {
    if (cmd.getOptionValueSource(key) !== "cli") continue;
    // commander's --no-graphics sets graphics=false; map back to ML-Agents' flag names.
    if (key === "graphics") out.noGraphics = opts.graphics === false;
    else if (key === "graphicsMonitor") out.noGraphicsMonitor = opts.graphicsMonitor === false;
    else out[key] = opts[key];
  }
  return out as Partial<CliFlags>;
}

export const registerLearn: RegisterCommand = (program, setExitCode) => {
  const cmd = program
    .command("learn")
    .description("Train the behaviors of a Unity environment with SAC (like mlagents-learn)")
    .argument("[config]", "trainer configuration YAML (ML-Agents format)")
    .option("--run-id <id>", "results/<run-id> folder of this run (default ppo, as ML-Agents)")
    .option("--resume", "continue the run from its latest checkpoint")
    .option("--force", "overwrite an existing run with the same id")
    .option("--initialize-from <run-id>", "start from another run's weights")
    .option("--inference", "run the run's policies without training")
    .option("--deterministic", "act with the mean / most likely action")
    .option("--exit-on-stop", "end the run when Unity stops instead of waiting for the next Play")
    .addOption(new Option("--load", "deprecated alias of --resume").hideHelp())
    .addOption(new Option("--train", "deprecated; no effect").hideHelp());
  addEnvironmentOptions(cmd);
  cmd.action(async (configPath: string | undefined) => {
    const flags = explicitFlags(cmd);
    const logger = createLogger({ level: flags.debug ? "debug" : "info", timestamps: Boolean(flags.debug) });
    try {
      const { options, deps } = await prepareTraining(configPath, flags, logger);
      const result = await runUntilSignal(logger, (signal) => runTraining(options, { ...deps, signal }));
      if (!options.checkpoint_settings.inference) await writeRunReport(result.runDir, logger);
      setExitCode(result.exitCode);
    } catch (error) {
      logger.error(errorMessage(error));
      setExitCode(1);
    }
  });
};

export interface TrainingSetup {
  readonly options: RunOptions;
  readonly deps: Omit<RunTrainingDeps, "signal">;
}

/**
 * What learn and pbt share before a run starts: the options from the YAML and the typed flags
 * (`adjust` edits them before the seed is resolved), the tensor backend (printed), the resolved
 * seed and the SAC trainer factory. `gpuPopulation` (pbt): on `--device gpu` a team's members of
 * one vector layout share one GPU worker that stacks their updates (src/trainers/gpu/gpu-population.ts).
 */
export async function prepareTraining(
  configPath: string | undefined,
  flags: Partial<CliFlags>,
  logger: Logger,
  adjust: (o: RunOptions) => RunOptions = (o) => o,
  { gpuPopulation = false }: { gpuPopulation?: boolean } = {},
): Promise<TrainingSetup> {
  let options = configPath ? loadRunOptions(configPath, logger) : defaultRunOptions();
  options = adjust(applyCliOverrides(options, flags, logger));
  const device = options.torch_settings.device ?? "auto";
  const allowSoftwareGpu = Boolean(flags.allowSoftwareGpu);
  // gpu: the models train in worker threads on WebGPU; this thread keeps wasm for export.
  const adapter = device === "gpu" ? await acquireWebGpu(allowSoftwareGpu) : null;
  const backend = await initBackend(adapter ? "wasm" : device);
  const stacked = adapter !== null && gpuPopulation;
  const sac = adapter ? sacDeps({ engine: "gpu", allowSoftwareGpu, gpuPopulations: stacked ? new GpuPopulationPool(allowSoftwareGpu) : undefined }) : undefined;
  process.stdout.write(versionBlock(adapter ? `WebGPU on ${formatAdapter(adapter)}, SAC in worker threads (main thread: ${backend.description})` : backend.description) + "\n");
  options = withResolvedSeed(options, logger);
  const training = !options.checkpoint_settings.inference;
  const deps = {
    logger,
    version: PACKAGE_VERSION,
    deterministic: Boolean(flags.deterministic),
    editorPort: Object.hasOwn(flags, "basePort") ? Number(flags.basePort) : undefined,
    createTrainer: sacTrainerFactory(logger, training, sac),
    createTeamUpdater: stacked ? (team: BehaviorTeam) => gpuTeamUpdater(team, logger) : undefined,
  };
  return { options, deps };
}

/** results/<run-id>/report.html at the end of a run; a failure is a warning (the run itself is saved). */
export async function writeRunReport(runDir: string, logger: Logger): Promise<void> {
  try {
    const r = await writeReport(runDir);
    logger.info(`Wrote the report ${displayPath(r.path)}.`);
  } catch (error) {
    logger.warn(`No report written: ${errorMessage(error)}`);
  }
}

/**
 * Trainers that log (e.g. ML-Agents' one-time group-reward warning); training false for --inference.
 * createTrainer picks Mix & Match for a behavior with a mix_and_match section, SAC otherwise.
 */
export function sacTrainerFactory(logger: Logger, training: boolean, deps?: SacTrainerDeps): TrainerFactory {
  return (behaviorName, spec, settings, seed) => createTrainer({ behaviorName, spec, settings, seed, training, logger, deps });
}

/** --seed -1 picks a seed here, once, and says which (the run itself only takes explicit seeds). */
export function withResolvedSeed(options: RunOptions, logger: Logger, random: () => number = Math.random): RunOptions {
  if (options.env_settings.seed !== -1) return options;
  const seed = Math.floor(random() * 10000);
  logger.info(`Seed: ${seed} (picked at random for --seed -1; pass --seed ${seed} to repeat it).`);
  return { ...options, env_settings: { ...options.env_settings, seed } };
}

/**
 * Runs with SIGINT/SIGTERM wired to the run's stop. A second Ctrl+C leaves at once; one arriving
 * within a second is the same key press delivered twice (to the process and its group).
 */
export async function runUntilSignal(logger: Logger, start: (signal: AbortSignal) => Promise<RunResult>): Promise<RunResult> {
  const stop = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (): void => {
    if (stop.signal.aborted) {
      if (Date.now() - firstSignalAt > 1000) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    logger.info("Learning was interrupted. Please wait while the graph is generated.");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await start(stop.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
