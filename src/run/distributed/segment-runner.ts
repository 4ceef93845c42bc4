// One segment of a distributed PBT member, run by a worker against its own environment(s): a
// TrainingRun (the same run loop as `learn` and the in-process population) whose only trainer
// starts from the input snapshot (or fresh, from the job's seed), takes the member's hyperparameters
// through setHyperparameters, steps until its step counter passed the snapshot's by `steps`, and
// ends; the output is serializeState(true) put into the content store, with the finished
// episodes' returns and lengths. The run's own folder is scratch, deleted afterwards.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseRunOptions, type RunOptions } from "../../config/index.js";
import type { BehaviorSpec } from "../../env/index.js";
import type { EnvironmentParameterValue } from "../../protocol/side-channel/index.js";
import { withHyperparameters } from "../../trainers/pbt/index.js";
import type { PbtHyperparameters } from "../../config/pbt-settings-types.js";
import type { Trainer } from "../../trainers/trainer.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { behaviorSpecToJson } from "../behavior-spec-json.js";
import { trainerHyperparameters } from "../population/behavior-population.js";
import { EpisodeReturns } from "../episode-returns.js";
import { trackMember } from "../population/member-tracking.js";
import { TrainingRun } from "../run-training.js";
import type { TrainerController, TrainerFactory } from "../trainer-controller.js";

/** What a segment needs from the content store (DirectoryContentStore or any other backend). */
export interface SegmentStore {
  put(bytes: Uint8Array): Promise<string>;
  get(hash: string): Promise<Uint8Array>;
}

export interface SegmentInput {
  readonly behavior: string;
  readonly member: number;
  /** Content hash of the state to start from; null: a fresh trainer seeded with `seed`. */
  readonly inputSnapshot: string | null;
  readonly hyperparameters: Readonly<PbtHyperparameters>;
  readonly environmentParameters: Readonly<Record<string, number>>;
  /** Agent steps to train, counted from the input snapshot's step counter. */
  readonly steps: number;
  readonly seed: number;
}

export interface SegmentOutput {
  readonly outputSnapshot: string;
  /** The output state's step counter (the member's agent steps after the segment). */
  readonly steps: number;
  /** The input state's step counter. */
  readonly fromSteps: number;
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  /** The environment's behavior spec as JSON (behaviorSpecToJson): the coordinator exports ONNX with it. */
  readonly behaviorSpec: string;
}

/** The worker's side of a segment: its environment, its trainers, where scratch runs go. */
export interface SegmentEnvironment {
  /** "builtin:NAME" or a player's path. */
  readonly env: string;
  /** Environments of that kind the segment steps (default 1). */
  readonly numEnvs?: number;
  readonly createTrainer: TrainerFactory;
  readonly store: SegmentStore;
  readonly logger: Logger;
  readonly version: string;
  /** Scratch folder for the segment's run (default the OS temp dir). */
  readonly scratchDir?: string;
  /** Seconds to wait for an environment to connect (default 60). */
  readonly timeoutWait?: number;
  /** Stops the segment (the worker is closing); it then fails. */
  readonly signal?: AbortSignal;
  /** The environment is up and the member's trainer built, at this step counter. */
  readonly onStarted?: (fromSteps: number) => void;
}

export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SegmentError";
  }
}

/** The run options of one segment: the run's configuration, with this worker's environment and a scratch folder. */
export function segmentRunOptions(configYaml: string, input: SegmentInput, where: SegmentEnvironment, scratch: string): RunOptions {
  const options = parseRunOptions(configYaml, "the run's configuration");
  const settings = options.behaviors.get(input.behavior);
  if (!settings) throw new SegmentError(`the run's configuration has no behavior ${input.behavior}`);
  return {
    ...options,
    behaviors: new Map([[input.behavior, settings]]),
    pbt: null,
    env_settings: {
      ...options.env_settings,
      env_path: where.env,
      env_args: null,
      num_envs: where.numEnvs ?? 1,
      base_port: 0,
      seed: input.seed,
      timeout_wait: where.timeoutWait ?? options.env_settings.timeout_wait,
      // One start; a player that does not come up fails the segment (the queue retries it elsewhere).
      max_lifetime_restarts: 0,
      bind: "127.0.0.1",
    },
    checkpoint_settings: { ...options.checkpoint_settings, run_id: "segment", results_dir: scratch, resume: false, force: true, initialize_from: null, inference: false },
  };
}

/** Runs one segment; throws a SegmentError naming the reason when it cannot be completed. */
export async function runSegment(configYaml: string, input: SegmentInput, where: SegmentEnvironment): Promise<SegmentOutput> {
  if (!Number.isInteger(input.steps) || input.steps < 1) throw new SegmentError(`a segment needs 1 or more steps, got ${input.steps}`);
  const inputBytes = input.inputSnapshot === null ? null : await where.store.get(input.inputSnapshot);
  const scratch = await fs.mkdtemp(path.join(where.scratchDir ?? os.tmpdir(), "mlagents-ts-segment-"));
  const errors: string[] = [];
  const logger = capturingLogger(where.logger, errors);
  try {
    const options = segmentRunOptions(configYaml, input, where, scratch);
    const returns = new EpisodeReturns();
    let trainer: Trainer | null = null;
    let spec: BehaviorSpec | null = null;
    let fromSteps = 0;
    let output: { hash: string; steps: number } | null = null;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    where.signal?.addEventListener("abort", onAbort);
    const createTrainer: TrainerFactory = (behavior, behaviorSpec, settings, seed, member) => {
      const t = where.createTrainer(behavior, behaviorSpec, withHyperparameters(settings, input.hyperparameters), seed, member);
      if (inputBytes) t.loadSerializedState(inputBytes, "state");
      t.setHyperparameters(trainerHyperparameters(input.hyperparameters));
      fromSteps = t.stepCount;
      spec = behaviorSpec;
      trainer = trackMember(t, { training: returns, evaluation: null }, () => undefined);
      where.onStarted?.(fromSteps);
      return trainer;
    };
    const target = (): number => fromSteps + input.steps;
    const parameters = new Map<string, EnvironmentParameterValue>(Object.entries(input.environmentParameters).map(([k, value]) => [k, { kind: "float", value }]));
    const run = await TrainingRun.create(options, {
      logger,
      createTrainer,
      version: where.version,
      signal: stop.signal,
      ownParameters: () => parameters,
      extension: {
        afterStep: (controller: TrainerController) => {
          const t = controller.trainer(input.behavior);
          if (t && (t.stepCount >= target() || t.isDone)) stop.abort();
          return Promise.resolve();
        },
        // Before the trainers are disposed: the output state goes to the store.
        atEnd: async (controller: TrainerController) => {
          const t = controller.trainer(input.behavior);
          if (!t || where.signal?.aborted || (t.stepCount < target() && !t.isDone)) return;
          output = { hash: await where.store.put(t.serializeState(true)), steps: t.stepCount };
        },
      },
    });
    try {
      await run.run();
    } finally {
      where.signal?.removeEventListener("abort", onAbort);
    }
    const done = output as { hash: string; steps: number } | null;
    if (where.signal?.aborted) throw new SegmentError("the worker is closing");
    if (!done || !trainer || !spec) {
      const why = errors.length ? errors[errors.length - 1]! : "the environment ended first";
      throw new SegmentError(`the segment ended before its ${input.steps} steps: ${why}`);
    }
    return {
      outputSnapshot: done.hash,
      steps: done.steps,
      fromSteps,
      episodeReturns: returns.take(),
      // An episode seen only at its terminal step (no decision in this segment) lasted that one step.
      episodeLengths: returns.takeLengths().map((n) => Math.max(1, n)),
      behaviorSpec: behaviorSpecToJson(spec),
    };
  } catch (error) {
    if (error instanceof SegmentError) throw error;
    throw new SegmentError(errorMessage(error));
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** The worker's logger at debug level for the run's chatter, keeping error and warning lines as the failure reason. */
function capturingLogger(outer: Logger, errors: string[]): Logger {
  return {
    debug: (m) => outer.debug(m),
    info: (m) => outer.debug(m),
    warn: (m) => {
      errors.push(m);
      outer.debug(m);
    },
    error: (m) => {
      errors.push(m);
      outer.debug(m);
    },
  };
}
