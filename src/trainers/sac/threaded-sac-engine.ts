// ML-Agents' `threaded: true` for SAC: the fast engine's gradient updates run in a worker thread
// (threaded-sac-host.ts, one for the whole process) while this thread acts and steps the
// environments. update() draws what the update needs from this engine's noise stream and
// normalizers (FastSacEngine.drawUpdate), queues it and returns; the worker runs it and publishes
// the actor's new weights, which the local replica (a FastSacEngine on this thread: same code, so
// the same actions for the same weights) takes before it next acts. The noise stream and the
// normalizers live here only, so their draws keep the synchronous engine's order; the worker holds
// the networks, optimizer moments and entropy coefficients, and answers state reads after the
// updates queued before them. Given the same minibatches, its weights equal the synchronous
// engine's bit for bit; only the acting policy lags, by at most MAX_UPDATES_IN_FLIGHT updates.

import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import { FastSacEngine } from "./fast-engine.js";
import type { SacCommon } from "./sac-common.js";
import type { ActionBatch, EngineHyperparameters, PolicyEvaluation, QueuedSacEngine, UpdateLosses } from "./sac-engine.js";
import type { SacHyperparameters, SacState } from "./sac-state.js";
import { ThreadedSacHost, type HostedEngine } from "./threaded-sac-host.js";

/**
 * Updates one engine may have queued before update() waits for the worker. One environment step of
 * 3DBall brings 1-2 due updates per trainer (12 agents, steps_per_update 10): two in flight let
 * the worker run a step's updates while this thread steps the environment, and keep the acting
 * policy at most two updates (about 20 agent steps of experience) behind, as ML-Agents' threaded
 * trainer acts with the policy of its last finished update. The wait keeps the update/step ratio
 * of steps_per_update: experience never runs ahead of the learner by more than this.
 */
export const MAX_UPDATES_IN_FLIGHT = 2;

export class ThreadedSacEngine implements QueuedSacEngine, HostedEngine {
  /** Acts, evaluates, draws the noise and keeps the normalizers; its actor is the worker's, as last published. */
  private readonly replica: FastSacEngine;
  private readonly host: ThreadedSacHost;
  private readonly id: number;
  readonly engine: string;
  private inFlight = 0;
  private readonly arrived: UpdateLosses[] = [];
  /** The newest actor weights from the worker, not yet written into the replica. */
  private published: Float32Array | null = null;
  private failure: string | null = null;
  private disposed = false;

  /** `common`: checked settings, seeded as the worker's engine (same seed: the same initial weights). */
  constructor(common: SacCommon, spec: BehaviorSpec, settings: TrainerSettings, seed: number) {
    this.replica = new FastSacEngine(common);
    this.host = ThreadedSacHost.acquire();
    this.id = this.host.register(this);
    try {
      const plain = { observationSpecs: spec.observationSpecs.map((o) => ({ ...o, shape: [...o.shape], dimensionProperties: [...o.dimensionProperties] })), continuousSize: spec.actionSpec.continuousSize, branches: [...spec.actionSpec.discreteBranches] };
      const name = this.host.call(this.id, "create", { op: "create", id: this.id, spec: plain, settings: structuredClone(settings), seed }) as string;
      this.engine = `${name} in a worker thread (threaded)`;
    } catch (error) {
      this.host.release(this.id);
      this.replica.dispose();
      throw error;
    }
  }

  // HostedEngine: the host hands over what the worker sent.
  updated(losses: UpdateLosses, actor: Float32Array): void {
    this.inFlight--;
    this.arrived.push(losses);
    this.published = actor;
  }

  failed(error: string): void {
    this.inFlight = 0;
    this.failure ??= error;
  }

  /** Updates queued whose results have not been taken yet (at most MAX_UPDATES_IN_FLIGHT). */
  get queuedUpdates(): number {
    return this.inFlight;
  }

  get gemmCalls(): number {
    return this.host.call(this.id, "gemmCalls") as number;
  }

  get updateCount(): number {
    return this.checkedCall("updateCount") as number;
  }

  get alphas(): { continuous: number | null; discrete: number[] } {
    return this.checkedCall("alphas") as { continuous: number | null; discrete: number[] };
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): ActionBatch {
    this.refresh();
    return this.replica.act(obs, n, masks, deterministic);
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): PolicyEvaluation {
    this.refresh();
    return this.replica.evaluate(obs, n, masks);
  }

  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    this.replica.updateNormalizer(obs, n);
  }

  update(batch: TransitionBatch): null {
    this.throwIfFailed();
    if (this.inFlight >= MAX_UPDATES_IN_FLIGHT) this.host.waitUntil(() => this.inFlight < MAX_UPDATES_IN_FLIGHT || this.failure !== null, "an update");
    this.throwIfFailed();
    const drawn = this.replica.drawUpdate(batch);
    // Copies: a view would carry its whole buffer (the replay ring) across threads; the copies and the fresh arrays move.
    const b = drawn.batch;
    const moved = {
      batch: { length: b.length, continuousActions: b.continuousActions.slice(), discreteActions: b.discreteActions.slice(), rewards: b.rewards.slice(), dones: b.dones.slice(), actionMasks: b.actionMasks.slice(), nextActionMasks: b.nextActionMasks.slice() },
      x: drawn.x,
      x2: drawn.x2,
      noise: drawn.noise,
    };
    const mb = moved.batch;
    const arrays: ArrayBufferView[] = [moved.x, moved.x2, mb.continuousActions, mb.discreteActions, mb.rewards, mb.dones, mb.actionMasks, mb.nextActionMasks];
    for (const eps of [moved.noise.eps, moved.noise.epsNext]) if (eps) arrays.push(eps);
    this.host.send({ op: "update", id: this.id, drawn: moved }, arrays.map((a) => a.buffer as ArrayBuffer));
    this.inFlight++;
    return null;
  }

  takeLosses(wait: boolean): UpdateLosses[] {
    if (wait) this.drain();
    else this.host.poll();
    return this.arrived.splice(0);
  }

  drain(): void {
    this.host.waitUntil(() => this.inFlight === 0, "the queued updates");
    this.throwIfFailed();
    this.applyPublished();
  }

  /** Queued in order with the updates: the worker applies it between the same two updates as a synchronous engine would. */
  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    this.replica.setHyperparameters(h); // checks the values here, where the caller sees the error
    this.host.send({ op: "hyperparameters", id: this.id, h: structuredClone(h) });
  }

  /** The replica's: it was told the same values in the same order as the worker. */
  hyperparameters(): SacHyperparameters {
    return this.replica.hyperparameters();
  }

  getState(): SacState {
    const learner = this.checkedCall("getState") as SacState;
    // The noise stream and the normalizers are this thread's.
    const own = this.replica.getState();
    return { ...learner, rng: own.rng, normalizers: own.normalizers };
  }

  setState(state: SacState): void {
    this.checkedCall("setState", [state]);
    this.published = null; // older than the state
    this.replica.setState(state);
  }

  snapshot(): ActorSnapshot {
    this.drain();
    return this.replica.snapshot();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.host.call(this.id, "dispose");
    } finally {
      this.host.release(this.id);
      this.replica.dispose();
    }
  }

  /** A call after every queued update; the results on the way are taken first. */
  private checkedCall(name: "getState" | "setState" | "alphas" | "updateCount", args: unknown[] = []): unknown {
    this.throwIfFailed();
    const result = this.host.call(this.id, name, { op: "call", id: this.id, name, args });
    this.throwIfFailed();
    this.applyPublished();
    return result;
  }

  /** Takes what the worker finished, without waiting, and acts with its newest weights. */
  private refresh(): void {
    this.throwIfFailed();
    this.host.poll();
    this.applyPublished();
  }

  private applyPublished(): void {
    if (this.published === null) return;
    this.replica.writeActor(this.published);
    this.published = null;
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw new Error(`SAC update worker: an update failed: ${this.failure}`);
  }
}
