// The Unity sessions of the run's workers: connecting (handshake, reset, behaviors registered),
// and what a fault means. The Editor is pressed Play by a person: the run checkpoints and waits for
// the next session. A launched player is killed and restarted within the restart limits; past
// them the run checkpoints and ends with exit code 1. A configuration error found when a trainer is
// created (ConfigError, or a combination the trainer does not implement) ends the run at once: no
// restart or new session can fix the file. Each fault gets one line.
import { ConfigError } from "../config/errors.js";
import type { UnityEnvironment } from "../env/index.js";
import { MixAndMatchUnsupportedError } from "../trainers/mm/errors.js";
import { IncompatibleVersionError, MalformedMessageError, MessageTooLargeError, UnityStoppedError, UnityTimeoutError } from "../protocol/errors.js";
import { displayPath } from "../util/display-path.js";
import { errorMessage, type Logger } from "../util/logger.js";
import type { EnvWorker } from "./env-worker.js";
import { RestartPolicy, type RestartLimits } from "./restart-policy.js";
import type { StopSwitch } from "./stop-switch.js";
import type { TrainerController } from "./trainer-controller.js";

/** How long a launched player whose connection dropped gets to exit, so its exit code names the fault. */
const EXIT_GRACE_MS = 500;

export type WorkerState =
  /** inFlight: the env's step() under way, settling with the worker's fault (null = fine). */
  | { kind: "ready"; env: UnityEnvironment; inFlight: Promise<{ index: number; error: unknown }> | null }
  | { kind: "connecting"; done: Promise<void> }
  | { kind: "gone" };

export interface WorkerSessionsOptions {
  readonly logger: Logger;
  readonly timeoutWaitMs: number;
  /** Editor: end the run when Unity stops instead of waiting for the next Play. */
  readonly exitOnStop: boolean;
  readonly restartLimits: RestartLimits;
}

export class WorkerSessions {
  readonly states: WorkerState[];
  /** Unity sessions connected so far. */
  sessions = 0;
  /** 1 once a player could not be restarted. */
  exitCode = 0;
  private readonly restartPolicies: RestartPolicy[];
  /** The run is ending on a configuration error (logged once, whichever worker met it first). */
  private configFailure = false;

  constructor(
    workers: readonly EnvWorker[],
    private readonly controller: TrainerController,
    private readonly stop: StopSwitch,
    private readonly o: WorkerSessionsOptions,
  ) {
    this.states = workers.map(() => ({ kind: "gone" }));
    this.restartPolicies = workers.map(() => new RestartPolicy(o.restartLimits));
  }

  /** Starts (or restarts) connecting a worker in the background; its state says when it is ready. */
  connect(w: EnvWorker): void {
    const done = (async (): Promise<void> => {
      for (;;) {
        if (this.stop.requested) return;
        try {
          const env = await Promise.race([w.connect(this.o.timeoutWaitMs), this.stop.stopped.then(() => null)]);
          if (!env) return;
          await env.reset();
          await this.controller.registerBehaviors(env, w.index);
          this.sessions++;
          this.states[w.index] = { kind: "ready", env, inFlight: null };
          return;
        } catch (error) {
          if (isConfigurationError(error)) return this.endOnConfigurationError(error);
          if (this.stop.requested) return;
          if (w.isEditor) {
            // The Editor is pressed Play by a person: keep waiting, say what went wrong once.
            // The communicator already logged version clashes and broken bytes in their own line.
            if (!(error instanceof UnityTimeoutError) && !loggedByCommunicator(error)) {
              this.o.logger.warn(`Unity session refused: ${errorMessage(error)} Waiting for the next connection.`);
            }
            continue;
          }
          const reason = (await w.exitDescriptionWithin(EXIT_GRACE_MS)) ?? describeFault(error);
          if (!(await this.restartOrGiveUp(w, reason))) return;
        }
      }
    })();
    this.states[w.index] = { kind: "connecting", done };
  }

  /** A ready worker's session failed (step error, or a spec that no longer matches). */
  async onSessionFault(w: EnvWorker, error: unknown): Promise<void> {
    this.states[w.index] = { kind: "gone" };
    this.controller.discardPending(w.index);
    w.env = null;
    if (isConfigurationError(error)) return this.endOnConfigurationError(error);
    if (w.isEditor) {
      const files = await this.controller.saveAll(false);
      const what =
        error instanceof UnityStoppedError || error instanceof UnityTimeoutError
          ? "Unity stopped"
          : loggedByCommunicator(error)
            ? "Unity session ended (see the line above)"
            : `Unity session ended (${errorMessage(error)})`;
      const saved = files.length ? `checkpoint saved to ${files.map(displayPath).join(", ")}` : "nothing to save yet";
      const step = this.controller.totalSteps.toLocaleString("en-US");
      if (this.o.exitOnStop) {
        this.o.logger.info(`${what} at step ${step}; ${saved}. Exiting (--exit-on-stop).`);
        this.stop.stop();
        return;
      }
      this.o.logger.info(`${what} at step ${step}; ${saved}; press Play to continue, Ctrl+C to finish.`);
      this.connect(w);
      return;
    }
    const reason = (await w.exitDescriptionWithin(EXIT_GRACE_MS)) ?? describeFault(error);
    if (await this.restartOrGiveUp(w, reason)) this.connect(w);
  }

  /** The configuration's one-line error, a checkpoint of what trained so far, exit code 1, the run stops. */
  private async endOnConfigurationError(error: Error): Promise<void> {
    if (this.configFailure) return;
    this.configFailure = true;
    this.exitCode = 1;
    this.stop.stop();
    await this.controller.saveAll(false);
    this.o.logger.error(error.message);
  }

  /** Launched players: restart within limits. Returns false when the run must end. */
  private async restartOrGiveUp(w: EnvWorker, reason: string): Promise<boolean> {
    await w.killPlayer();
    const refusal = this.restartPolicies[w.index]!.tryRestart();
    if (refusal) {
      const files = await this.controller.saveAll(false);
      this.o.logger.error(
        `Worker ${w.index} failed (${reason}) and will not be restarted: ${refusal}. Checkpoint saved${files.length ? ` to ${files.join(", ")}` : ""}. Ending the run.`,
      );
      this.exitCode = 1;
      this.stop.stop();
      return false;
    }
    this.o.logger.warn(`Restarting worker[${w.index}] after '${reason}'`);
    return true;
  }
}

function describeFault(error: unknown): string {
  // One sentence for the restart line: drop the protocol layer's "Communicator has exited: " prefix.
  return errorMessage(error).replace(/^Communicator has exited: /, "").replace(/\.$/, "");
}

/** Mistakes in the configuration that creating a trainer found: restarting Unity cannot fix them. */
function isConfigurationError(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof MixAndMatchUnsupportedError;
}

/** Faults the communicator reports in their own log line when they happen. */
function loggedByCommunicator(error: unknown): boolean {
  return error instanceof IncompatibleVersionError || error instanceof MalformedMessageError || error instanceof MessageTooLargeError;
}
