// A population's members of one vector layout in ONE GPU worker thread (gpu-population-worker.ts),
// instead of a worker per member (gpu-worker-sac-model.ts): each member is a GpuPopulationMember,
// the synchronous SacEngine of member i routed to the shared worker, and a population round's due
// updates go to the worker in one call (updateMembers; population-update.ts makes it), which runs
// them as stacked updates (batched-tape-sac.ts: all members in one graph, per-member Adam,
// learning rate, gamma, tau and entropy coefficients). A member's act, state, snapshot and setState
// see exactly its own weights (the worker writes the stack back first), so PBT snapshots, exploit
// copies, checkpoints and export are per member as before.
// GpuPopulationPool hands out members by layout (`pbt --device gpu`, sac-model.ts); visual
// observations have no stacked form and keep a worker of their own.

import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { TransitionBatch } from "../common/transition.js";
import type { UpdateLosses } from "../sac/sac-engine.js";
import { BlockingWorker } from "./blocking-worker.js";
import { ForwardingSacEngine, ownedBatch, toPlainSpec } from "./forwarding-sac-engine.js";
import type { GpuPopulationRequest, GpuPopulationWorkerData } from "./gpu-population-worker.js";
import type { StackCounts } from "./member-stacks.js";

/** How long one call may take before the worker is declared stuck (shader compiles on a software adapter take seconds). */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;

type MemberCall = Extract<GpuPopulationRequest, { op: "member" }>["name"];

export class GpuPopulation {
  private readonly worker: BlockingWorker;
  private live = 0;
  private closed = false;

  constructor(allowSoftwareGpu: boolean) {
    const data: Omit<GpuPopulationWorkerData, "port" | "flag" | "entry" | "name"> = { allowSoftwareGpu };
    this.worker = new BlockingWorker(new URL("./gpu-population-worker.ts", import.meta.url), data, "GPU population worker");
  }

  /** Members still held (the worker stops when the last one is disposed). */
  get size(): number {
    return this.live;
  }

  /** The worker has stopped (its last member was disposed, or it failed to start). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** A new member with this spec, settings and seed (the same initial weights as any engine of that seed). */
  addMember(spec: BehaviorSpec, settings: TrainerSettings, seed: number): GpuPopulationMember {
    if (this.closed) throw new Error("GpuPopulation: addMember after its last member was disposed");
    let index: number;
    try {
      index = this.request({ op: "add", spec: toPlainSpec(spec), settings: structuredClone(settings), seed }) as number;
    } catch (error) {
      if (this.live === 0) this.close(); // a worker that failed to start serves nobody
      throw error;
    }
    this.live++;
    return new GpuPopulationMember(this, index);
  }

  /** One update of each listed member on its batch, in one call (stacked by minibatch size in the worker). */
  updateMembers(members: readonly GpuPopulationMember[], batches: readonly TransitionBatch[]): UpdateLosses[] {
    for (const m of members) if (m.population !== this) throw new Error("GpuPopulation: a member of another population");
    return this.request({ op: "update", members: members.map((m) => m.index), batches: batches.map(ownedBatch) }) as UpdateLosses[];
  }

  /** What the worker ran so far (stacked calls, lone updates, write-backs, reloads). */
  counts(): StackCounts {
    return this.request({ op: "counts" }) as StackCounts;
  }

  /** Member `index`'s engine call (GpuPopulationMember's methods). */
  callMember(index: number, name: MemberCall, args: unknown[]): unknown {
    return this.request({ op: "member", member: index, name, args });
  }

  /** Frees member `index`; the worker ends with the last member. */
  removeMember(index: number): void {
    try {
      this.request({ op: "remove", member: index });
    } finally {
      if (--this.live === 0) this.close();
    }
  }

  private close(): void {
    this.closed = true;
    this.worker.close();
  }

  private request(r: GpuPopulationRequest): unknown {
    return this.worker.call(r, CALL_TIMEOUT_MS);
  }
}

/** Member `index` of a GpuPopulation behind the synchronous SacEngine interface. */
export class GpuPopulationMember extends ForwardingSacEngine {
  readonly engine = "tape on WebGPU in a population's worker thread";
  private disposed = false;

  constructor(
    readonly population: GpuPopulation,
    readonly index: number,
  ) {
    super();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.population.removeMember(this.index);
  }

  /** This member alone (population rounds use GpuPopulation.updateMembers), or any other engine call. */
  protected call(name: MemberCall, args: unknown[]): unknown {
    if (this.disposed) throw new Error(`GPU population member ${this.index}: ${name} after dispose`);
    return this.population.callMember(this.index, name, args);
  }
}

/**
 * Populations by network layout for one process (`pbt --device gpu`): members whose layout key
 * matches share one GpuPopulation (one worker thread); a new one starts when none of that layout
 * is alive.
 */
export class GpuPopulationPool {
  private readonly byLayout = new Map<string, GpuPopulation>();

  constructor(private readonly allowSoftwareGpu: boolean) {}

  /** A member in the population of `layoutKey` (the caller checked that the layout can be stacked: vector observations). */
  member(layoutKey: string, spec: BehaviorSpec, settings: TrainerSettings, seed: number): GpuPopulationMember {
    let population = this.byLayout.get(layoutKey);
    if (!population || population.isClosed) {
      population = new GpuPopulation(this.allowSoftwareGpu);
      this.byLayout.set(layoutKey, population);
    }
    return population.addMember(spec, settings, seed);
  }
}
