// The gradient updates of a population's SAC members (PBT: N trainers of one behavior in one
// process), in rounds: each round takes one due update from every member that has one, sampled
// by the member itself (SacTrainer.beginDueUpdate: its schedule, its RNG, its hyperparameters),
// and runs the members whose fast engines share a layout as one stacked update
// (batched-fast-sac.ts); the others (tape engine: visual observations or another backend; a
// layout of its own) update one by one. Members are independent, so the interleaving changes
// nothing: each member ends exactly where its own maybeUpdate would have taken it.
// What stacking saves is kernel calls of the elementwise steps only (139 -> ~117 per member
// update at K = 8, 64x2), and bench/pbt-update.ts measured no consistent gain from it on 2 shared
// cores (stacked / separate time for K = 4 and 8: 0.94-1.10 at 64x2, 0.93-1.16 at 256x2, three
// runs at load average 7-12): so stacking is opt-in until a quiet machine shows a gain.
// On WebGPU (`pbt --device gpu`), members whose engines live in one GPU population worker
// (src/trainers/gpu/gpu-population.ts) always go together: a round posts all their due batches in
// one call and the worker runs them as stacked tape updates (batched-tape-sac.ts). Other tape
// members update one by one (visual encoders have no stacked form in tfjs).

import { GpuPopulation, GpuPopulationMember } from "../gpu/gpu-population.js";
import { FastSacEngine } from "./fast-engine.js";
import { StackedFastSac, stackingKey, type MemberUpdate } from "./batched-fast-sac.js";
import { SacModel } from "./sac-model.js";
import type { SacTrainer } from "./sac-trainer.js";

/** Which members share a stack, and which update alone. */
export interface PopulationGroups {
  /** Indices into the trainers, one list per stack (two members or more). */
  readonly stacked: readonly (readonly number[])[];
  readonly separate: readonly number[];
  /** Indices into the trainers, one list per GPU population worker (its members' rounds go in one call). */
  readonly gpu: readonly (readonly number[])[];
}

export interface PopulationUpdateOptions {
  /** Run fast members of one layout as stacked rounds (batched-fast-sac.ts). Default false (see above). */
  readonly stacking?: boolean;
}

export class PopulationUpdater {
  private readonly stacks: { stack: StackedFastSac; members: readonly number[] }[] = [];
  private readonly separate: number[] = [];
  private readonly gpu = new Map<GpuPopulation, { engines: GpuPopulationMember[]; members: number[] }>();
  private disposed = false;

  /** `stacking`: fast members of one layout share a StackedFastSac; otherwise every member updates alone. */
  constructor(
    private readonly trainers: readonly SacTrainer[],
    { stacking = false }: PopulationUpdateOptions = {},
  ) {
    const byKey = new Map<string, { engines: FastSacEngine[]; members: number[] }>();
    trainers.forEach((t, i) => {
      const model = t.updateModel;
      const core = model instanceof SacModel ? model.core : model;
      if (core instanceof GpuPopulationMember) {
        const group = this.gpu.get(core.population) ?? { engines: [], members: [] };
        group.engines.push(core);
        group.members.push(i);
        this.gpu.set(core.population, group);
        return;
      }
      if (!stacking || !(core instanceof FastSacEngine)) {
        this.separate.push(i);
        return;
      }
      const key = stackingKey(core);
      const group = byKey.get(key) ?? { engines: [], members: [] };
      group.engines.push(core);
      group.members.push(i);
      byKey.set(key, group);
    });
    for (const { engines, members } of byKey.values()) {
      if (members.length === 1) this.separate.push(members[0]);
      else this.stacks.push({ stack: new StackedFastSac(engines), members });
    }
    this.separate.sort((a, b) => a - b);
  }

  get groups(): PopulationGroups {
    return { stacked: this.stacks.map((s) => [...s.members]), separate: [...this.separate], gpu: [...this.gpu.values()].map((g) => [...g.members]) };
  }

  /**
   * Runs the members' due updates in rounds until none is due or performance.now() passes
   * `deadline` (checked between rounds; at least one round runs when any update is due), as
   * SacTrainer.maybeUpdate does for one member. Returns the updates done per member.
   */
  update(deadline?: number): number[] {
    if (this.disposed) throw new Error("PopulationUpdater: update after dispose");
    const done = this.trainers.map(() => 0);
    let rounds = 0;
    for (;;) {
      if (deadline !== undefined && rounds > 0 && performance.now() > deadline) break;
      if (this.round(done) === 0) break;
      rounds++;
    }
    return done;
  }

  /** One due update of every member that has one; returns how many ran. */
  private round(done: number[]): number {
    let ran = 0;
    for (const { stack, members } of this.stacks) {
      const items: MemberUpdate[] = [];
      members.forEach((t, k) => {
        const batch = this.trainers[t].beginDueUpdate();
        if (batch) items.push({ member: k, batch });
      });
      if (items.length === 0) continue;
      const losses = stack.update(items);
      items.forEach((it, i) => {
        const t = members[it.member];
        this.trainers[t].completeUpdate(losses[i]);
        done[t]++;
      });
      ran += items.length;
    }
    for (const [population, { engines, members }] of this.gpu) {
      const due = members.flatMap((t, k) => {
        const batch = this.trainers[t].beginDueUpdate();
        return batch ? [{ t, engine: engines[k]!, batch }] : [];
      });
      if (due.length === 0) continue;
      const losses = population.updateMembers(
        due.map((d) => d.engine),
        due.map((d) => d.batch),
      );
      due.forEach((d, i) => {
        this.trainers[d.t].completeUpdate(losses[i]!);
        done[d.t]++;
      });
      ran += due.length;
    }
    for (const t of this.separate) {
      const trainer = this.trainers[t];
      const batch = trainer.beginDueUpdate();
      if (!batch) continue;
      trainer.completeUpdate(trainer.updateModel.update(batch));
      done[t]++;
      ran++;
    }
    return ran;
  }

  /** Gives the members their own buffers back (they go on training alone or in a new updater); call before disposing members. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { stack } of this.stacks) stack.release();
  }
}

/**
 * One call for a run loop that keeps no updater: stacks, updates until `deadline`, releases.
 * (Stacking copies every member's weights twice: a loop calling often should keep a PopulationUpdater.)
 */
export function updatePopulation(trainers: readonly SacTrainer[], deadline?: number, options: PopulationUpdateOptions = {}): number[] {
  const updater = new PopulationUpdater(trainers, options);
  try {
    return updater.update(deadline);
  } finally {
    updater.dispose();
  }
}
