// `mlagents-ts worker`: a BullMQ worker (concurrency = slots) that runs segment jobs of any
// distributed population against its own environment(s). Job data come from the network: they are
// validated (parseSegmentJobData) before anything runs, and the worker runs nothing but segment
// jobs. It prints one plain line per job: what it trained, or why it failed.
import * as os from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../util/logger.js";
import { errorMessage } from "../../util/logger.js";
import type { TrainerFactory } from "../trainer-controller.js";
import { DirectoryContentStore } from "./content-store.js";
import { parseSegmentJobData, SEGMENT_JOB, type SegmentJobData, type SegmentResult } from "./jobs.js";
import { lockDurationMs, runConfigKey, runStoreDir, SEGMENT_QUEUE } from "./queue-names.js";
import { runSegment, SegmentError, type SegmentOutput } from "./segment-runner.js";

export interface SegmentWorkerOptions {
  readonly connection: Redis;
  /** Segments run at the same time. */
  readonly slots: number;
  /** Root of the content store every worker and the coordinator reach. */
  readonly storeDir: string;
  /** "builtin:NAME" or a player's path. */
  readonly env: string;
  readonly numEnvs?: number;
  readonly createTrainer: TrainerFactory;
  readonly logger: Logger;
  readonly version: string;
  /** Shown in the coordinator's status (default host:pid). */
  readonly name?: string;
  /** BullMQ lock duration and stalled-check interval (default lockDurationMs()). */
  readonly lockMs?: number;
  readonly scratchDir?: string;
}

/** Progress a worker reports when a segment's environment is up: the status shows who trains the member. */
export interface SegmentProgress {
  worker: string;
  fromSteps: number;
}

export class SegmentWorker {
  private readonly closing = new AbortController();

  private constructor(
    readonly name: string,
    private readonly worker: Worker,
  ) {}

  static start(o: SegmentWorkerOptions): SegmentWorker {
    if (!Number.isInteger(o.slots) || o.slots < 1) throw new RangeError(`--slots must be a whole number of 1 or more, got ${o.slots}`);
    const name = o.name ?? `${os.hostname()}:${process.pid}`;
    const lockDuration = lockDurationMs(o.lockMs);
    let self: SegmentWorker | null = null;
    const worker = new Worker(SEGMENT_QUEUE, (job: Job) => processJob(job, o, name, self!.closing.signal), {
      connection: o.connection,
      concurrency: o.slots,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 3,
      name,
      autorun: false,
    });
    worker.on("error", (error) => o.logger.warn(`Worker ${name}: ${errorMessage(error)}`));
    self = new SegmentWorker(name, worker);
    void worker.run().catch((error: unknown) => o.logger.error(`Worker ${name} stopped: ${errorMessage(error)}`));
    return self;
  }

  /** Resolves once the worker is connected and waiting for jobs. */
  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  /** Stops taking jobs; running segments are abandoned (the queue gives them to another worker). */
  async close(): Promise<void> {
    this.closing.abort();
    await this.worker.close();
  }
}

async function processJob(job: Job, o: SegmentWorkerOptions, name: string, closing: AbortSignal): Promise<SegmentResult> {
  if (job.name !== SEGMENT_JOB) {
    const reason = `refused job ${String(job.id)}: unknown job type ${JSON.stringify(job.name).slice(0, 100)} (a worker runs only ${SEGMENT_JOB} jobs)`;
    o.logger.error(reason);
    throw new UnrecoverableError(reason);
  }
  let data: SegmentJobData;
  try {
    data = parseSegmentJobData(job.data);
  } catch (error) {
    const reason = `refused job ${String(job.id)}: ${errorMessage(error)}`;
    o.logger.error(reason);
    throw new UnrecoverableError(reason);
  }
  const label = `${String(job.id)} (${data.runId} ${data.behavior} member ${data.member} segment ${data.segment})`;
  const attempt = `attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}`;
  const started = performance.now();
  try {
    const config = await o.connection.get(runConfigKey(data.runId));
    if (config === null) throw new UnrecoverableError(`Redis has no configuration for run ${data.runId} (its coordinator writes ${runConfigKey(data.runId)})`);
    const store = new DirectoryContentStore(runStoreDir(o.storeDir, data.runId));
    const out: SegmentOutput = await runSegment(config, data, {
      env: o.env,
      numEnvs: o.numEnvs,
      createTrainer: o.createTrainer,
      store,
      logger: o.logger,
      version: o.version,
      scratchDir: o.scratchDir,
      signal: closing,
      onStarted: (fromSteps) => void job.updateProgress({ worker: name, fromSteps } satisfies SegmentProgress).catch(() => undefined),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const mean = out.episodeReturns.length ? (out.episodeReturns.reduce((a, b) => a + b, 0) / out.episodeReturns.length).toFixed(3) : "-";
    o.logger.info(`${label}: steps ${out.fromSteps} -> ${out.steps}, ${out.episodeReturns.length} episodes, mean return ${mean}, ${seconds} s on ${name}.`);
    return {
      outputSnapshot: out.outputSnapshot,
      steps: out.steps,
      fromSteps: out.fromSteps,
      episodeReturns: out.episodeReturns,
      episodeLengths: out.episodeLengths,
      worker: name,
      behaviorSpec: out.behaviorSpec,
    };
  } catch (error) {
    o.logger.error(`${label}: failed (${attempt}) on ${name}: ${errorMessage(error)}`);
    if (error instanceof SegmentError || error instanceof UnrecoverableError) throw error;
    throw new SegmentError(errorMessage(error));
  }
}
