// `mlagents-ts learn`: the run loop. Unity sessions (Editor Play/Stop, launched players, built-in
// emulators) come and go on their workers; the trainers, step counts and replay buffers stay.
// Each fault gets one line; the run checkpoints and waits (Editor) or restarts the player.
import * as path from "node:path";
import { EnvironmentParameterManager, behaviorSettings, type RunOptions } from "../../config/index.js";
import type { UnityEnvironment } from "../../env/index.js";
import { IncompatibleVersionError, MalformedMessageError, MessageTooLargeError, UnityStoppedError, UnityTimeoutError } from "../../protocol/errors.js";
import type { EngineConfig } from "../../protocol/side-channel/index.js";
import { StatsReporter } from "../../trainers/stats/stats-reporter.js";
import { displayPath } from "../../util/display-path.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { EnvWorker } from "./env-workers.js";
import { RestartPolicy } from "./restart-policy.js";
import { prepareRunDirectory, writeConfiguration } from "./run-directory.js";
import { TrainerController, type TrainerFactory } from "./trainer-controller.js";

export const EDITOR_PORT = 5004;
/** How long a launched player whose connection dropped gets to exit, so its exit code names the fault. */
const EXIT_GRACE_MS = 500;

export interface RunTrainingDeps {
  readonly logger: Logger;
  readonly createTrainer: TrainerFactory;
  readonly version: string;
  /** Editor port when --base-port was not given explicitly. */
  readonly editorPort?: number;
  /** Stops the run as Ctrl+C does (tests). */
  readonly signal?: AbortSignal;
  /** Act deterministically (run/inference). */
  readonly deterministic?: boolean;
  /** Called once every worker listens (tests use it to start emulators). */
  readonly onListening?: (ports: number[]) => void;
  /** Stop after this many env steps (inspection and tests); default unlimited. */
  readonly maxEnvSteps?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly runDir: string;
  readonly totalSteps: number;
  readonly sessions: number;
}

type WorkerState =
  /** inFlight: the env's step() under way, settling with the worker's fault (null = fine). */
  | { kind: "ready"; env: UnityEnvironment; inFlight: Promise<{ index: number; error: unknown }> | null }
  | { kind: "connecting"; done: Promise<void> }
  | { kind: "gone" };

export async function runTraining(options: RunOptions, deps: RunTrainingDeps): Promise<RunResult> {
  const log = deps.logger;
  const es = options.env_settings;
  const seed = es.seed === -1 ? Math.floor(Math.random() * 10000) : es.seed;
  const dir = await prepareRunDirectory(options);
  const inference = options.checkpoint_settings.inference;
  // Inference of an existing run keeps its configuration.yaml: `export` rebuilds networks from it.
  if (!(inference && dir.resume)) await writeConfiguration(dir.runDir, options);
  const reporter = new StatsReporter({ runDir: dir.runDir, logger: log, tensorboard: !inference });
  const params = new EnvironmentParameterManager(options.environment_parameters, log);
  const initializeFrom = options.checkpoint_settings.initialize_from;
  const controller = new TrainerController({
    runDir: dir.runDir,
    logger: log,
    reporter,
    seed,
    resume: dir.resume,
    inference,
    deterministic: deps.deterministic ?? false,
    settingsFor: (name) => behaviorSettings(options, name, log),
    createTrainer: deps.createTrainer,
    initializeFromDir: initializeFrom ? path.resolve(options.checkpoint_settings.results_dir, initializeFrom) : null,
    version: deps.version,
  });
  const engine = options.engine_settings;
  const engineConfig: EngineConfig = {
    width: engine.width,
    height: engine.height,
    qualityLevel: engine.quality_level,
    timeScale: engine.time_scale,
    targetFrameRate: engine.target_frame_rate,
    captureFrameRate: engine.capture_frame_rate,
  };
  const editor = es.env_path === null;
  const numWorkers = editor ? 1 : es.num_envs;
  const firstPort = editor ? (deps.editorPort ?? EDITOR_PORT) : es.base_port;
  const timeoutWaitMs = es.timeout_wait * 1000;

  const workers: EnvWorker[] = [];
  try {
    for (let i = 0; i < numWorkers; i++) {
      workers.push(
        await EnvWorker.create({
          index: i,
          port: firstPort === 0 ? 0 : firstPort + i,
          host: es.bind,
          maxMessageBytes: es.max_message_mb * 1024 * 1024,
          timeoutWaitMs,
          seed,
          numAreas: es.num_areas,
          logger: log,
          target: es.env_path,
          noGraphics: engine.no_graphics || (engine.no_graphics_monitor && i > 0),
          envArgs: es.env_args ?? [],
          runLogsDir: dir.runLogsDir,
          engineConfig,
          environmentParameters: () => params.currentValues(seed),
          onStats: (key, value, method) => controller.addEnvironmentStat(key, value, method),
        }),
      );
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.close()));
    throw error;
  }
  if (!isLoopback(es.bind)) {
    log.warn(`The trainer listens on ${es.bind}: the ML-Agents protocol has no authentication; anyone who can reach this port can connect.`);
  }
  deps.onListening?.(workers.map((w) => w.communicator.port));
  if (editor) {
    log.info(`Listening on port ${workers[0]!.communicator.port}. Start training by pressing the Play button in the Unity Editor.`);
  }

  let stopRequested = false;
  let wake: () => void = () => undefined;
  /** Wakes the step wait below; set only while the loop waits, so nothing outlives one step. */
  let wakeStepWait: (() => void) | null = null;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const requestStop = (): void => {
    if (stopRequested) return;
    stopRequested = true;
    wake();
    wakeStepWait?.();
  };
  deps.signal?.addEventListener("abort", requestStop, { once: true });
  let exitCode = 0;
  let sessions = 0;
  let envSteps = 0;
  let totalSteps = 0;
  const restartPolicies = workers.map(
    () =>
      new RestartPolicy({
        maxLifetimeRestarts: es.max_lifetime_restarts,
        rateLimitN: es.restarts_rate_limit_n,
        rateLimitPeriodS: es.restarts_rate_limit_period_s,
      }),
  );
  const states: WorkerState[] = workers.map(() => ({ kind: "gone" }));

  const connect = (w: EnvWorker): void => {
    const done = (async (): Promise<void> => {
      for (;;) {
        if (stopRequested) return;
        try {
          const env = await Promise.race([w.connect(timeoutWaitMs), stopped.then(() => null)]);
          if (!env) return;
          await env.reset();
          await controller.registerBehaviors(env);
          sessions++;
          states[w.index] = { kind: "ready", env, inFlight: null };
          return;
        } catch (error) {
          if (stopRequested) return;
          if (w.isEditor) {
            // The Editor is pressed Play by a person: keep waiting, say what went wrong once.
            // The communicator already logged version clashes and broken bytes in their own line.
            if (!(error instanceof UnityTimeoutError) && !loggedByCommunicator(error)) {
              log.warn(`Unity session refused: ${errorMessage(error)} Waiting for the next connection.`);
            }
            continue;
          }
          const reason = (await w.exitDescriptionWithin(EXIT_GRACE_MS)) ?? describeFault(error);
          if (!(await restartOrGiveUp(w, reason))) return;
        }
      }
    })();
    states[w.index] = { kind: "connecting", done };
  };

  /** Launched players: restart within limits. Returns false when the run must end. */
  const restartOrGiveUp = async (w: EnvWorker, reason: string): Promise<boolean> => {
    await w.killPlayer();
    const refusal = restartPolicies[w.index]!.tryRestart();
    if (refusal) {
      const files = await controller.saveAll(false);
      log.error(`Worker ${w.index} failed (${reason}) and will not be restarted: ${refusal}. Checkpoint saved${files.length ? ` to ${files.join(", ")}` : ""}. Ending the run.`);
      exitCode = 1;
      requestStop();
      return false;
    }
    log.warn(`Restarting worker[${w.index}] after '${reason}'`);
    return true;
  };

  const onSessionFault = async (w: EnvWorker, error: unknown): Promise<void> => {
    controller.discardPending(w.index);
    w.env = null;
    if (w.isEditor) {
      const files = await controller.saveAll(false);
      const what =
        error instanceof UnityStoppedError || error instanceof UnityTimeoutError
          ? "Unity stopped"
          : loggedByCommunicator(error)
            ? "Unity session ended (see the line above)"
            : `Unity session ended (${errorMessage(error)})`;
      const saved = files.length ? `checkpoint saved to ${files.map(displayPath).join(", ")}` : "nothing to save yet";
      if (es.exit_on_stop) {
        log.info(`${what} at step ${controller.totalSteps.toLocaleString("en-US")}; ${saved}. Exiting (--exit-on-stop).`);
        requestStop();
        return;
      }
      log.info(`${what} at step ${controller.totalSteps.toLocaleString("en-US")}; ${saved}; press Play to continue, Ctrl+C to finish.`);
      connect(w);
      return;
    }
    const reason = (await w.exitDescriptionWithin(EXIT_GRACE_MS)) ?? describeFault(error);
    if (await restartOrGiveUp(w, reason)) connect(w);
  };

  let firstSigint = 0;
  const onSigint = (): void => {
    // A second Ctrl+C leaves at once; one arriving within a second is the same key press
    // delivered twice (e.g. to the process and its group), not a request to hurry.
    if (stopRequested) {
      if (firstSigint > 0 && Date.now() - firstSigint > 1000) process.exit(130);
      return;
    }
    firstSigint = Date.now();
    log.info("Learning was interrupted. Please wait while the graph is generated.");
    requestStop();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  try {
    workers.forEach(connect);
    // Each environment steps on its own: a slow or hung player delays only itself. The trainers
    // learn while Unity simulates (the actions leave the socket first, then the updates run).
    while (!stopRequested) {
      let started = false;
      for (const w of workers) {
        const s = states[w.index]!;
        if (s.kind !== "ready" || s.inFlight) continue;
        controller.observeAndAct(s.env, w.index);
        s.inFlight = s.env.step().then(
          () => ({ index: w.index, error: null }),
          (error: unknown) => ({ index: w.index, error }),
        );
        started = true;
      }
      if (started) {
        await letRepliesLeave();
        controller.update();
      }
      const stepping = states.flatMap((s) => (s.kind === "ready" && s.inFlight ? [s.inFlight] : []));
      if (stepping.length === 0) {
        const waits = states.flatMap((s) => (s.kind === "connecting" ? [s.done] : []));
        if (waits.length === 0) break;
        await Promise.race([...waits, stopped]);
        continue;
      }
      // Not Promise.race with `stopped`: every race leaves a reaction on that long-pending promise,
      // ~500 bytes per exchange, kept for the whole run.
      const done = await new Promise<Awaited<(typeof stepping)[number]> | null>((resolve) => {
        if (stopRequested) return resolve(null);
        wakeStepWait = () => resolve(null);
        for (const p of stepping) void p.then(resolve);
      });
      wakeStepWait = null;
      if (!done) break;
      const w = workers[done.index]!;
      const s = states[done.index]!;
      if (s.kind !== "ready") continue;
      s.inFlight = null;
      let error = done.error;
      if (!error) {
        envSteps++;
        try {
          await controller.registerBehaviors(s.env); // behaviors may appear mid-session
        } catch (e) {
          error = e;
        }
      }
      if (error) {
        states[w.index] = { kind: "gone" };
        await onSessionFault(w, error);
      }
      const summarized = await controller.periodic();
      if (summarized && params.parameterNames.length > 0) updateCurriculum(params, controller, seed, workers);
      if (controller.allDone && !inference) {
        log.info("All behaviors reached max_steps.");
        break;
      }
      if (deps.maxEnvSteps !== undefined && envSteps >= deps.maxEnvSteps) break;
    }
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    requestStop();
    try {
      await controller.finalSummaries();
      await controller.saveAll(true);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      totalSteps = controller.totalSteps; // dispose() forgets the trainers
      controller.dispose();
    }
  }
  return { exitCode, runDir: dir.runDir, totalSteps, sessions };
}

/**
 * grpc-js needs a few event-loop turns (serialization, interceptors, the HTTP/2 write) before an
 * answered call reaches the socket. Yielding three times first lets Unity simulate while we learn:
 * measured on builtin:3dball, 2,100 -> 3,100 decisions/s (one turn was not enough).
 */
async function letRepliesLeave(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances lessons from the latest summaries; new values go to Unity with the next step. */
function updateCurriculum(params: EnvironmentParameterManager, controller: TrainerController, seed: number, workers: EnvWorker[]): void {
  const { changed } = params.updateLessons(controller.lessonStats());
  if (!changed) return;
  params.logCurrentLessons();
  const values = params.currentValues(seed); // the run's seed, as sent with the first reset
  for (const w of workers) for (const [k, v] of values) w.env?.queueEnvironmentParameter(k, v);
}

function describeFault(error: unknown): string {
  // One sentence for the restart line: drop the protocol layer's "Communicator has exited: " prefix.
  return errorMessage(error).replace(/^Communicator has exited: /, "").replace(/\.$/, "");
}

/** Faults the communicator reports in their own log line when they happen. */
function loggedByCommunicator(error: unknown): boolean {
  return error instanceof IncompatibleVersionError || error instanceof MalformedMessageError || error instanceof MessageTooLargeError;
}

function isLoopback(host: string | undefined): boolean {
  return host === undefined || host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]" || host === "loopback";
}
