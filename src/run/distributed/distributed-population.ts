// The coordinator of a population across machines: the in-process PBT rules (PopulationCoordinator:
// readiness, selection, exploit/explore, lineage) drive each member as a series of segment jobs on
// a BullMQ queue. A member's next segment starts from its last accepted output snapshot, or from a
// top member's recorded snapshot after an exploit. A result counts only for the member's current
// segment number, so a stale or repeated result (a segment re-run after its worker died) never
// counts twice. The state is written to the run folder after every change and job ids are
// deterministic, so a coordinator restarted with the same command reads it back and goes on.
import { Queue, QueueEvents, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { PbtSettings, TrainerSettings } from "../../config/index.js";
import { environmentParameterValues, exploitEvent, failedEvent, initEvent, PopulationCoordinator, baseHyperparameters, type ExploitDecision, type LineageLog } from "../../trainers/pbt/index.js";
import { mean } from "../../trainers/pbt/index.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import { collectGarbage, type ContentStore } from "./content-store.js";
import { freshMember, writeDistributedState, type DistributedState, type MemberStatusLine, type RunStatus } from "./distributed-state.js";
import { parseSegmentResult, SEGMENT_JOB, segmentJobId, type SegmentJobData } from "./jobs.js";
import { runStatusKey, SEGMENT_QUEUE } from "./queue-names.js";
import type { SegmentProgress } from "./worker.js";

export interface DistributedPopulationOptions {
  readonly runId: string;
  readonly runDir: string;
  readonly behavior: string;
  readonly settings: TrainerSettings;
  readonly pbt: PbtSettings;
  readonly seed: number;
  /** Agent steps per segment (default pbt.ready). */
  readonly segmentSteps: number;
  /** Tries of one segment before its member is marked failed. */
  readonly attempts: number;
  readonly connection: Redis;
  readonly store: ContentStore;
  readonly lineage: LineageLog;
  readonly logger: Logger;
  /** Appends one stats.jsonl record of a member (the report's curves). */
  readonly writeStats: (member: number, step: number, returns: readonly number[], lengths: readonly number[]) => Promise<void>;
  /** Ends the run early (Ctrl+C): the jobs stay queued, a restart with the same command goes on. */
  readonly signal?: AbortSignal;
}

export class DistributedPopulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DistributedPopulationError";
  }
}

/** How often every member's current job is looked at even without an event (events are lost while Redis is away). */
const RECONCILE_MS = 2000;
/** A snapshot younger than this is never collected: a worker puts its output before the job completes. */
const GARBAGE_GRACE_MS = 60_000;

export class DistributedPopulation {
  private readonly coordinator: PopulationCoordinator;
  private queue: Queue | null = null;
  private events: QueueEvents | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Worker running each member's current segment (from its progress), for the status. */
  private readonly runningOn = new Map<number, string>();
  private finish: { resolve: () => void; reject: (e: Error) => void } | null = null;

  private constructor(
    private readonly o: DistributedPopulationOptions,
    readonly state: DistributedState,
  ) {
    this.coordinator = PopulationCoordinator.fromState(o.pbt, state.coordinator);
  }

  /** A fresh population (init events pending) or the one a previous coordinator of this run saved. */
  static create(o: DistributedPopulationOptions, saved: DistributedState | null): DistributedPopulation {
    if (saved) {
      if (saved.behavior !== o.behavior) throw new DistributedPopulationError(`the saved population trains ${saved.behavior}, the configuration ${o.behavior}`);
      return new DistributedPopulation(o, saved);
    }
    const coordinator = PopulationCoordinator.create(o.pbt, baseHyperparameters(o.settings, o.pbt), o.seed);
    const now = new Date();
    const state: DistributedState = {
      version: 1,
      runId: o.runId,
      behavior: o.behavior,
      coordinator: coordinator.toState(),
      behaviorSpec: null,
      members: coordinator.members.map(() => freshMember()),
      pendingEvents: coordinator.members.map((m) => initEvent(o.behavior, m.id, m.hyperparameters, now)),
    };
    return new DistributedPopulation(o, state);
  }

  /** Queues the members' segments and handles results until every member is done (or failed). */
  async run(): Promise<void> {
    const o = this.o;
    this.queue = new Queue(SEGMENT_QUEUE, { connection: o.connection });
    // QueueEvents blocks on its connection: its own, closed here (BullMQ leaves a given connection open).
    const eventsConnection = o.connection.duplicate();
    this.events = new QueueEvents(SEGMENT_QUEUE, { connection: eventsConnection });
    const finished = new Promise<void>((resolve, reject) => (this.finish = { resolve, reject }));
    const onAbort = (): void => this.finish?.resolve();
    o.signal?.addEventListener("abort", onAbort);
    this.events.on("completed", ({ jobId }) => this.schedule(jobId));
    this.events.on("failed", ({ jobId }) => this.schedule(jobId));
    this.events.on("progress", ({ jobId, data }) => this.noteProgress(jobId, data));
    const timer = setInterval(() => this.reconcile(), RECONCILE_MS);
    try {
      await this.events.waitUntilReady();
      await this.serialized(() => this.save());
      this.reconcile();
      await finished;
    } finally {
      clearInterval(timer);
      o.signal?.removeEventListener("abort", onAbort);
      await this.chain.catch(() => undefined);
      await this.events.close();
      eventsConnection.disconnect();
      await this.queue.close();
    }
  }

  /** Members, workers, steps and scores as `pbt --status` shows them. */
  status(finished = false): RunStatus {
    const members: MemberStatusLine[] = this.state.members.map((m, i) => {
      const c = this.coordinator.member(i);
      const running = this.runningOn.get(i) ?? null;
      const last = m.history[m.history.length - 1];
      return {
        member: i,
        status: m.status,
        steps: m.steps,
        segment: m.segment,
        worker: running ?? m.worker,
        running: running !== null,
        score: c.record?.score ?? null,
        lastReturn: last?.meanReturn ?? null,
        hyperparameters: { ...c.hyperparameters },
      };
    });
    return { runId: this.o.runId, behavior: this.o.behavior, updated: new Date().toISOString(), finished, members };
  }

  /** The member whose model is the behavior's: the best recorded score, else the best last segment. */
  best(): number {
    const recorded = this.coordinator.best();
    if (recorded !== null) return recorded;
    let best = 0;
    this.state.members.forEach((m, i) => {
      const r = m.history[m.history.length - 1]?.meanReturn ?? -Infinity;
      if (r > (this.state.members[best]!.history.at(-1)?.meanReturn ?? -Infinity)) best = i;
    });
    return best;
  }

  private jobId(member: number): string {
    return segmentJobId(this.o.runId, this.o.behavior, member, this.state.members[member]!.segment);
  }

  /**
   * Runs `work` after everything queued before it. A DistributedPopulationError ends the run; any
   * other error (Redis away, a file system hiccup) is one warning line, and the next reconcile tries again.
   */
  private serialized(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work);
    this.chain = next.catch((error: unknown) => {
      if (error instanceof DistributedPopulationError) this.finish?.reject(error);
      else this.o.logger.warn(`Coordinator: ${errorMessage(error)}; trying again.`);
    });
    return next;
  }

  private schedule(jobId: string): void {
    void this.serialized(() => {
      const member = this.state.members.findIndex((_m, i) => this.jobId(i) === jobId);
      return member >= 0 ? this.look(member) : this.dropStale(jobId);
    }).catch(() => undefined);
  }

  private reconcile(): void {
    void this.serialized(async () => {
      for (let i = 0; i < this.state.members.length; i++) if (this.state.members[i]!.status === "training") await this.look(i);
    }).catch(() => undefined);
  }

  private noteProgress(jobId: string, data: unknown): void {
    const member = this.state.members.findIndex((_m, i) => this.jobId(i) === jobId);
    const worker = (data as Partial<SegmentProgress> | null)?.worker;
    if (member < 0 || typeof worker !== "string") return;
    this.runningOn.set(member, worker.slice(0, 200));
    void this.publishStatus();
  }

  /** Handles the member's current segment if its job has finished (completed, or failed after its last attempt). */
  private async look(member: number): Promise<void> {
    if (this.state.members[member]!.status !== "training") return;
    const queue = this.queue!;
    const id = this.jobId(member);
    // The state first, then the job: a job read while active and found completed a moment later has no returnvalue.
    const state = await queue.getJobState(id);
    if (state === "unknown") return this.enqueue(member);
    if (state !== "completed" && state !== "failed") return;
    const job: Job | undefined = await queue.getJob(id);
    if (!job) return;
    // Handling a result changes the state in memory step by step: a failure half-way ends the run
    // (a retry could count a result twice); the state on disk is the last whole one, and the same
    // command goes on from it.
    try {
      if (state === "completed") await this.accept(member, job);
      else if (state === "failed") await this.failed(member, job);
    } catch (error) {
      if (error instanceof DistributedPopulationError) throw error;
      throw new DistributedPopulationError(`handling segment ${String(job.id)}: ${errorMessage(error)} (run the same command again to go on)`);
    }
  }

  /** Queues the member's current segment; a no-op when a job of that id exists (deterministic ids: a restarted coordinator adds nothing twice). */
  private async enqueue(member: number): Promise<void> {
    const m = this.state.members[member]!;
    if (m.status !== "training") return;
    const c = this.coordinator.member(member);
    const data: SegmentJobData = {
      runId: this.o.runId,
      behavior: this.o.behavior,
      member,
      segment: m.segment,
      inputSnapshot: m.input,
      hyperparameters: { ...c.hyperparameters },
      environmentParameters: environmentParameterValues(c.hyperparameters),
      steps: this.o.segmentSteps,
      seed: (this.o.seed + member + 7919 * m.segment) % 2147483647,
    };
    await this.queue!.add(SEGMENT_JOB, data, { jobId: this.jobId(member), attempts: this.o.attempts, backoff: { type: "fixed", delay: 500 }, removeOnComplete: false, removeOnFail: false });
  }

  /** A finished job of this run that no member waits for any more (a stale segment): removed. */
  private async dropStale(jobId: string): Promise<void> {
    const job: Job | undefined = await this.queue!.getJob(jobId);
    if (!job || (job.data as Partial<SegmentJobData>).runId !== this.o.runId) return;
    const state = await job.getState();
    if (state === "completed" || state === "failed") {
      this.o.logger.debug(`Segment ${jobId} is stale (its member moved on); its result is ignored.`);
      await job.remove().catch(() => undefined);
    }
  }

  private async accept(member: number, job: Job): Promise<void> {
    const m = this.state.members[member]!;
    const c = this.coordinator;
    let result;
    try {
      result = parseSegmentResult(job.returnvalue);
    } catch (error) {
      this.o.logger.warn(`Segment ${String(job.id)}: a result that does not parse (${errorMessage(error)}); the segment is run again.`);
      await job.remove();
      return;
    }
    const delta = result.steps - result.fromSteps;
    if (delta < 0) throw new DistributedPopulationError(`segment ${String(job.id)}: steps went from ${result.fromSteps} to ${result.steps}`);
    this.state.behaviorSpec ??= result.behaviorSpec;
    this.runningOn.delete(member);
    if (m.loading !== null) {
      c.exploitLoaded(member, m.loading);
      m.loading = null;
    }
    m.steps += delta;
    const returns = result.episodeReturns.filter(Number.isFinite);
    m.history.push({
      segment: m.segment,
      from: result.fromSteps,
      to: result.steps,
      worker: result.worker,
      input: m.input,
      output: result.outputSnapshot,
      meanReturn: returns.length ? mean(returns) : null,
    });
    m.worker = result.worker;
    m.input = result.outputSnapshot;
    m.segment++;
    const decisions: ExploitDecision[] = [];
    if (c.report(member, m.steps, returns).ready) decisions.push(...c.snapshotTaken(member, result.outputSnapshot).decisions);
    this.apply(decisions, member);
    if (m.steps >= this.o.settings.max_steps || result.steps >= this.o.settings.max_steps) {
      m.status = "done";
      // An exploit decided at the last check: the final model is the loaded snapshot, nothing left to train.
      if (m.loading !== null) {
        c.exploitLoaded(member, m.loading);
        m.loading = null;
      }
    }
    await this.o.writeStats(member, m.steps, returns, result.episodeLengths);
    await this.commit();
    // Said once the state on disk holds it.
    const last = m.history[m.history.length - 1]!;
    this.o.logger.info(
      `Member ${member}: segment ${last.segment} on ${last.worker} accepted, ${m.steps} steps` +
        (last.meanReturn === null ? "" : `, mean return ${last.meanReturn.toFixed(3)}`) +
        (m.status === "done" ? " (done)." : "."),
    );
    await job.remove().catch(() => undefined);
  }

  private async failed(member: number, job: Job): Promise<void> {
    const m = this.state.members[member]!;
    const reason = job.failedReason || "no reason given";
    this.runningOn.delete(member);
    const hp = { ...this.coordinator.member(member).hyperparameters };
    const outcome = this.coordinator.memberFailed(member);
    m.status = "failed";
    m.failure = reason;
    m.loading = null;
    m.segment++;
    this.state.pendingEvents.push(failedEvent(this.o.behavior, member, m.steps, hp, new Date()));
    this.o.logger.warn(`Member ${member}: segment ${String(job.id)} failed ${job.attemptsMade} time(s), last: ${reason}; the member is marked failed.`);
    this.apply(outcome.decisions, null);
    await this.commit();
    await job.remove().catch(() => undefined);
  }

  /** Exploit decisions: the member's next segment loads the source's recorded snapshot with the explored hyperparameters. */
  private apply(decisions: readonly ExploitDecision[], accepted: number | null): void {
    for (const d of decisions) {
      const target = this.state.members[d.member]!;
      target.input = d.snapshotId;
      target.loading = d.snapshotId;
      // A segment still running from the discarded state becomes stale (the accepted member's has just ended).
      if (target.status === "training" && d.member !== accepted) target.segment++;
      target.status = "training";
      target.failure = null;
      this.state.pendingEvents.push(exploitEvent(this.o.behavior, d, new Date()));
      this.o.logger.info(
        `PBT ${this.o.behavior}: member ${d.member} (step ${d.step}) loads member ${d.source}'s snapshot of step ${d.sourceStep} ` +
          `(score ${d.scores.source.toFixed(3)}); ${JSON.stringify(d.newHyperparameters)}.`,
      );
    }
  }

  /** Writes the state, appends its lineage events, deletes unneeded snapshots, queues next segments, and ends the run when nobody trains. */
  private async commit(): Promise<void> {
    await this.save();
    const live = new Set<string>(this.coordinator.retainedSnapshots());
    for (let i = 0; i < this.state.members.length; i++) {
      const m = this.state.members[i]!;
      if (m.input) live.add(m.input);
      if (m.loading) live.add(m.loading);
      // A finished segment not handled yet (a restarted coordinator meets several): its output is the member's next input.
      if (m.status === "training") {
        const job: Job | undefined = await this.queue!.getJob(this.jobId(i));
        const out = (job?.returnvalue as { outputSnapshot?: unknown } | null | undefined)?.outputSnapshot;
        if (typeof out === "string") live.add(out);
      }
    }
    // Outputs of segments still running are not named anywhere yet: only older files are collected.
    await collectGarbage(this.o.store, live, { graceMs: GARBAGE_GRACE_MS });
    const training = this.state.members.filter((m) => m.status === "training").length;
    if (training > 0) {
      for (let i = 0; i < this.state.members.length; i++) if (!(await this.queue!.getJob(this.jobId(i)))) await this.enqueue(i);
      return;
    }
    const done = this.state.members.filter((m) => m.status === "done").length;
    await this.publishStatus(true);
    if (done > 0) this.finish?.resolve();
    else {
      const reasons = [...new Set(this.state.members.map((m) => m.failure).filter((r): r is string => r !== null))];
      this.finish?.reject(new DistributedPopulationError(`every member of ${this.o.behavior} failed: ${reasons.join("; ")}`));
    }
  }

  private async save(): Promise<void> {
    this.state.coordinator = this.coordinator.toState();
    await writeDistributedState(this.o.runDir, this.state);
    for (const e of this.state.pendingEvents.splice(0)) await this.o.lineage.append(e);
    // Pending events went out; the next write records that.
    await this.publishStatus();
  }

  private async publishStatus(finished = false): Promise<void> {
    try {
      await this.o.connection.set(runStatusKey(this.o.runId), JSON.stringify(this.status(finished)));
    } catch (error) {
      this.o.logger.debug(`status not published: ${errorMessage(error)}`);
    }
  }
}
