// A training run: Unity sessions (Editor Play/Stop, launched players, built-in emulators) come and
// go on their workers; the behavior teams, step counts and replay buffers stay. The run has no
// process-wide side effects (no signal handlers, no process.exit, no Math.random): its owner gives
// it a resolved seed and stops it with stop() or an AbortSignal. It can be created many times in one
// process. The loop never holds the event loop for long: updates run in slices of UPDATE_SLICE_MS
// and every turn yields, so a stop is acted on within about a second at any moment.
import * as path from "node:path";
import { EnvironmentParameterManager, behaviorSettings, type RunOptions } from "../config/index.js";
import { StatsReporter } from "../trainers/stats/stats-reporter.js";
import type { Logger } from "../util/logger.js";
import type { EnvironmentParameterValue } from "../protocol/side-channel/index.js";
import type { EnvWorker } from "./env-worker.js";
import { prepareRunDirectory, writeConfiguration, type RunDirectory } from "./run-directory.js";
import { createWorkers, isLoopback } from "./run-workers.js";
import { StopSwitch } from "./stop-switch.js";
import { TrainerController, type TrainerControllerOptions, type TrainerFactory } from "./trainer-controller.js";
import { WorkerSessions } from "./worker-sessions.js";

export { EDITOR_PORT } from "./run-workers.js";

/** Longest stretch of gradient updates before the loop yields (Ctrl+C within ~1 s, even mid-update). */
export const UPDATE_SLICE_MS = 200;

export interface RunTrainingDeps {
  readonly logger: Logger;
  readonly createTrainer: TrainerFactory;
  readonly version: string;
  /** Editor port when --base-port was not given explicitly. */
  readonly editorPort?: number;
  /** Stops the run as stop() does. */
  readonly signal?: AbortSignal;
  /** Act deterministically (run/inference). */
  readonly deterministic?: boolean;
  /** Members serving each behavior (default 1; a population of N splits the agents between them). */
  readonly teamSize?: (behaviorName: string) => number;
  /** Called once every worker listens (tests use it to start emulators). */
  readonly onListening?: (ports: number[]) => void;
  /** Stop after this many env steps (inspection and tests); default unlimited. */
  readonly maxEnvSteps?: number;
  /** Extra duties after every env step and at the end (a PBT population's driver). */
  readonly extension?: RunExtension;
  /**
   * Each member of a team owns this many consecutive environments (member = environment index div
   * this) instead of sharing every environment's agents by agent id.
   */
  readonly environmentsPerMember?: number;
  /**
   * With environmentsPerMember: each group of this many consecutive members owns those environments
   * together and splits their agents by agent id (pbt.members_per_environment; default 1).
   */
  readonly membersPerEnvironment?: number;
  /** Environment parameters a worker sends beside the run's (a PBT member's own values). */
  readonly ownParameters?: (workerIndex: number) => ReadonlyMap<string, EnvironmentParameterValue>;
  /** Teams whose members update together (`pbt --device gpu`: a population's stacked GPU updates). */
  readonly createTeamUpdater?: TrainerControllerOptions["createTeamUpdater"];
}

/** The run's environments as an extension may touch them. */
export interface RunEnvironments {
  /** Sends `key` = `value` to worker `workerIndex`'s environment with its next step (nothing while it is not connected). */
  queueParameter(workerIndex: number, key: string, value: EnvironmentParameterValue): void;
}

/** Duties a run carries out for its owner, with the controller at hand (src/run/population). */
export interface RunExtension {
  /** After each env step's summaries and checkpoints. */
  afterStep(controller: TrainerController, environments: RunEnvironments): Promise<void>;
  /** After the final save, before the trainers are disposed. */
  atEnd(controller: TrainerController): Promise<void>;
}

export interface RunResult {
  readonly exitCode: number;
  readonly runDir: string;
  readonly totalSteps: number;
  readonly sessions: number;
}

export class SeedNotResolvedError extends Error {
  constructor(seed: number) {
    super(`The run needs an explicit seed (a non-negative integer), got ${seed}: resolve --seed -1 before starting the run.`);
    this.name = "SeedNotResolvedError";
  }
}

export class TrainingRun {
  readonly controller: TrainerController;
  private readonly stopSwitch: StopSwitch;
  private readonly sessions: WorkerSessions;
  private readonly params: EnvironmentParameterManager;
  private running: Promise<RunResult> | null = null;

  private constructor(
    private readonly options: RunOptions,
    private readonly deps: RunTrainingDeps,
    private readonly dir: RunDirectory,
    private readonly workers: EnvWorker[],
    controller: TrainerController,
    params: EnvironmentParameterManager,
  ) {
    this.controller = controller;
    this.params = params;
    this.stopSwitch = new StopSwitch(deps.signal);
    const es = options.env_settings;
    this.sessions = new WorkerSessions(workers, controller, this.stopSwitch, {
      logger: deps.logger,
      timeoutWaitMs: es.timeout_wait * 1000,
      exitOnStop: es.exit_on_stop,
      restartLimits: {
        maxLifetimeRestarts: es.max_lifetime_restarts,
        rateLimitN: es.restarts_rate_limit_n,
        rateLimitPeriodS: es.restarts_rate_limit_period_s,
      },
    });
  }

  /** Prepares results/<run-id> and opens every worker's port; nothing connects until run(). */
  static async create(options: RunOptions, deps: RunTrainingDeps): Promise<TrainingRun> {
    const log = deps.logger;
    const seed = options.env_settings.seed;
    if (!Number.isInteger(seed) || seed < 0) throw new SeedNotResolvedError(seed);
    const dir = await prepareRunDirectory(options);
    const cp = options.checkpoint_settings;
    // Inference of an existing run keeps its configuration.yaml: `export` rebuilds networks from it.
    if (!(cp.inference && dir.resume)) await writeConfiguration(dir.runDir, options);
    const reporter = new StatsReporter({ runDir: dir.runDir, logger: log, tensorboard: !cp.inference });
    const params = new EnvironmentParameterManager(options.environment_parameters, log);
    const controller = new TrainerController({
      runDir: dir.runDir,
      logger: log,
      reporter,
      seed,
      resume: dir.resume,
      inference: cp.inference,
      deterministic: deps.deterministic ?? false,
      settingsFor: (name) => behaviorSettings(options, name, log),
      createTrainer: deps.createTrainer,
      teamSize: deps.teamSize,
      environmentsPerMember: deps.environmentsPerMember,
      membersPerEnvironment: deps.membersPerEnvironment,
      initializeFromDir: cp.initialize_from ? path.resolve(cp.results_dir, cp.initialize_from) : null,
      createTeamUpdater: deps.createTeamUpdater,
      version: deps.version,
    });
    const workers = await createWorkers(options, {
      logger: log,
      seed,
      runLogsDir: dir.runLogsDir,
      editorPort: deps.editorPort,
      params,
      onStats: (key, value, method) => controller.addEnvironmentStat(key, value, method),
      ownParameters: deps.ownParameters,
    });
    const es = options.env_settings;
    if (!isLoopback(es.bind)) {
      log.warn(`The trainer listens on ${es.bind}: the ML-Agents protocol has no authentication; anyone who can reach this port can connect.`);
    }
    deps.onListening?.(workers.map((w) => w.communicator.port));
    if (es.env_path === null) {
      log.info(`Listening on port ${workers[0]!.communicator.port}. Start training by pressing the Play button in the Unity Editor.`);
    }
    return new TrainingRun(options, deps, dir, workers, controller, params);
  }

  private readonly environments: RunEnvironments = {
    queueParameter: (i, key, value) => this.workers[i]?.env?.queueEnvironmentParameter(key, value),
  };

  get runDir(): string {
    return this.dir.runDir;
  }

  /** The port of each worker's gRPC server. */
  get ports(): number[] {
    return this.workers.map((w) => w.communicator.port);
  }

  /** Ends the run: the loop stops within about a second, saves every trainer and closes the workers. */
  stop(): void {
    this.stopSwitch.stop();
  }

  /** Trains until stopped, max_steps, or a player that cannot be restarted; resolves after the final save. */
  run(): Promise<RunResult> {
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<RunResult> {
    const { controller, sessions, workers, stopSwitch: stop } = this;
    const log = this.deps.logger;
    const inference = this.options.checkpoint_settings.inference;
    let envSteps = 0;
    let totalSteps = 0;
    // The environment the next wait prefers among replies already in: the one after the last served.
    let firstInLine = 0;
    try {
      workers.forEach((w) => sessions.connect(w));
      // Each environment steps on its own: a slow or hung player delays only itself. The trainers
      // learn while Unity simulates (the actions leave the socket first, then the updates run).
      while (!stop.requested) {
        for (const w of workers) {
          const s = sessions.states[w.index]!;
          if (s.kind !== "ready" || s.inFlight) continue;
          // A finished member's environment stays idle (its player waits for our reply) instead of
          // taking the cores from the members still training.
          if (controller.environmentDone(s.env, w.index)) continue;
          controller.observeAndAct(s.env, w.index);
          s.inFlight = s.env.step().then(
            () => ({ index: w.index, error: null }),
            (error: unknown) => ({ index: w.index, error }),
          );
        }
        await letRepliesLeave();
        if (stop.requested) break;
        // Every update due after this step's experience runs before the next observation is taken,
        // as in ML-Agents, so a run does the same updates on a fast or a slow device. They run in
        // slices with a yield in between, so a stop (Ctrl+C) is seen within one slice.
        while (!stop.requested && controller.pendingUpdates > 0) {
          if (controller.update(performance.now() + UPDATE_SLICE_MS) === 0) break;
          if (controller.pendingUpdates > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        // Round robin: firstOrStop takes the first settled promise in array order, so a fixed order
        // would serve environment 0 whenever its reply is in, and a busy machine (updates longer than
        // a step) starves the others: PBT members then drift apart by tens of thousands of steps.
        const n = sessions.states.length;
        const inLine = sessions.states.map((_, k) => sessions.states[(firstInLine + k) % n]!);
        const stepping = inLine.flatMap((s) => (s.kind === "ready" && s.inFlight ? [s.inFlight] : []));
        if (stepping.length === 0) {
          const waits = sessions.states.flatMap((s) => (s.kind === "connecting" ? [s.done] : []));
          if (waits.length === 0) break;
          await stop.firstOrStop(waits);
          continue;
        }
        const done = await stop.firstOrStop(stepping);
        if (!done) break;
        firstInLine = (done.index + 1) % n;
        const w = workers[done.index]!;
        const s = sessions.states[done.index]!;
        if (s.kind !== "ready") continue;
        s.inFlight = null;
        let error = done.error;
        if (!error) {
          envSteps++;
          try {
            await controller.registerBehaviors(s.env, w.index); // behaviors may appear mid-session
          } catch (e) {
            error = e;
          }
        }
        if (error) await sessions.onSessionFault(w, error);
        const summarized = await controller.periodic();
        if (!inference) await this.deps.extension?.afterStep(controller, this.environments);
        if (summarized && this.params.parameterNames.length > 0) this.updateCurriculum();
        if (controller.allDone && !inference) {
          log.info("All behaviors reached max_steps.");
          break;
        }
        if (this.deps.maxEnvSteps !== undefined && envSteps >= this.deps.maxEnvSteps) break;
      }
    } finally {
      const stoppedByRequest = stop.requested;
      stop.stop();
      if (stoppedByRequest && !inference) log.info(`Saving the trainers at step ${controller.totalSteps.toLocaleString("en-US")}.`);
      try {
        await controller.finalSummaries();
        await controller.saveAll(true);
        if (!inference) await this.deps.extension?.atEnd(controller);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        totalSteps = controller.totalSteps; // dispose() forgets the trainers
        controller.dispose();
      }
    }
    return { exitCode: sessions.exitCode, runDir: this.dir.runDir, totalSteps, sessions: sessions.sessions };
  }

  /** Advances lessons from the latest summaries; new values go to Unity with the next step. */
  private updateCurriculum(): void {
    const { changed } = this.params.updateLessons(this.controller.lessonStats());
    if (!changed) return;
    this.params.logCurrentLessons();
    const values = this.params.currentValues(this.options.env_settings.seed); // the run's seed, as sent with the first reset
    for (const w of this.workers) for (const [k, v] of values) w.env?.queueEnvironmentParameter(k, v);
  }
}

/** Creates a run, trains until it ends, and returns its result. */
export async function runTraining(options: RunOptions, deps: RunTrainingDeps): Promise<RunResult> {
  const run = await TrainingRun.create(options, deps);
  return run.run();
}

/**
 * grpc-js needs a few event-loop turns (serialization, interceptors, the HTTP/2 write) before an
 * answered call reaches the socket. Yielding three times first lets Unity simulate while we learn:
 * measured on builtin:3dball, 2,100 -> 3,100 decisions/s (one turn was not enough).
 */
async function letRepliesLeave(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
