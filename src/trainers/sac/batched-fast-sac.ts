// One SAC update for each of K fast engines of the same layout (population members on one
// machine), with their weights stacked: each parameter group (actor, critic, target) of member k
// lives at offset k * size of one [K * size] buffer per kind (params, grads, Adam's m and v,
// scratch), so the whole-group elementwise steps (Adam after tape-engine.ts steps 2 and 3, Polyak
// in step 5) run as one kernel over every member of a round; the per-member scalars (learning
// rate, Adam step, tau) are applied per run of neighbouring members that share them.
// The matrix products stay one per member and layer: XNNPACK's fully-connected operator takes one
// weight matrix, tfjs-wasm's batched matmul with per-batch weights falls back to a scalar loop,
// and a block-diagonal product does K times the arithmetic. Each member keeps its own minibatch,
// noise (its engine's RNG), hyperparameters and alphas; results equal K separate update() calls
// bit for bit (the same float32 operations on the same operands, only in fewer kernel calls).

import type { TransitionBatch } from "../common/transition.js";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS } from "./flat-adam.js";
import { Scalars } from "./elementwise.js";
import type { FastSacEngine } from "./fast-engine.js";
import type { GroupSlots } from "./fast-group.js";
import type { FastSac, FastUpdateInput } from "./fast-sac.js";
import { createGemm, type Buf, type Gemm } from "./gemm.js";
import type { UpdateLosses } from "./sac-engine.js";

type GroupName = "actor" | "critic" | "target";
const GROUPS: readonly GroupName[] = ["actor", "critic", "target"];
type SlotName = keyof GroupSlots;
const SLOTS: readonly SlotName[] = ["params", "grads", "m", "v", "tmp"];

/** Neighbouring members [first, first + count) of the stacked buffers. */
interface Run {
  readonly first: number;
  readonly count: number;
}

/** One member's update in a round. */
export interface MemberUpdate {
  /** Index into the engines given to the constructor; each member at most once per round. */
  readonly member: number;
  readonly batch: TransitionBatch;
}

/** A key of the layout the stacked path needs identical: the network layout and the group sizes. */
export function stackingKey(engine: FastSacEngine): string {
  const core = engine.core;
  return JSON.stringify([engine.layoutKey, core.actor.size, core.critic.size, core.target.size]);
}

export class StackedFastSac {
  private readonly gemm: Gemm;
  private readonly scalars: Scalars;
  /** stacks[group][slot]: [K * size] (null for the target's moments). */
  private readonly stacks = new Map<GroupName, Map<SlotName, Buf | null>>();
  private readonly views = new Map<string, Buf>();
  private released = false;

  constructor(private readonly engines: readonly FastSacEngine[]) {
    if (engines.length === 0) throw new Error("StackedFastSac needs at least one engine");
    const key = stackingKey(engines[0]);
    engines.forEach((e, i) => {
      if (stackingKey(e) !== key) throw new Error(`StackedFastSac: member ${i} has another network layout than member 0`);
    });
    this.gemm = createGemm();
    this.scalars = new Scalars(this.gemm);
    const K = engines.length;
    for (const name of GROUPS) {
      const first = engines[0].core[name];
      const stack = new Map<SlotName, Buf | null>();
      for (const slot of SLOTS) stack.set(slot, (slot === "m" || slot === "v") && !first.hasMoments ? null : this.gemm.alloc(K * first.size));
      this.stacks.set(name, stack);
      engines.forEach((e, k) => {
        const g = e.core[name];
        const at = (slot: SlotName): Buf | null => {
          const b = stack.get(slot)!;
          return b ? e.core.gemm.sub(b, k * g.size, g.size) : null;
        };
        g.rehome({ params: at("params")!, grads: at("grads")!, m: at("m"), v: at("v"), tmp: at("tmp")! }, false);
      });
    }
    for (const e of engines) e.core.buildLayers();
  }

  get size(): number {
    return this.engines.length;
  }

  /**
   * One update per listed member, as each engine's update(batch) would do it: the phases of
   * FastSac.update (fast-sac.ts) in lockstep over the members, Adam and Polyak stacked.
   */
  update(items: readonly MemberUpdate[]): UpdateLosses[] {
    if (this.released) throw new Error("StackedFastSac: update after release");
    const seen = new Set<number>();
    for (const it of items) {
      if (!(it.member >= 0 && it.member < this.engines.length) || seen.has(it.member)) throw new Error(`StackedFastSac: member ${it.member} is not a distinct member of this stack`);
      seen.add(it.member);
    }
    const order = [...items].sort((a, b) => a.member - b.member);
    const members = order.map((it) => it.member);
    const cores = members.map((k) => this.engines[k].core);
    const inputs: FastUpdateInput[] = order.map((it) => this.engines[it.member].prepareUpdate(it.batch));
    // Steps 1-2 (tape-engine.ts): critic gradients per member, then one stacked Adam step.
    const passes = cores.map((c, i) => c.criticGradients(inputs[i]));
    this.adam("critic", members, cores, inputs);
    // Step 3: actor gradients with the updated critics, then one stacked Adam step.
    cores.forEach((c, i) => c.actorGradients(inputs[i], passes[i]));
    this.adam("actor", members, cores, inputs);
    // Step 5: Polyak, stacked (step 4, the alpha step, is finishUpdate's, per member below).
    this.polyak(members, cores, inputs);
    const losses = cores.map((c, i) => this.engines[members[i]].finishUpdate(c.statistics(passes[i])));
    // Back in the caller's order.
    const byMember = new Map(members.map((k, i) => [k, losses[i]]));
    return items.map((it) => byMember.get(it.member)!);
  }

  /** Gives every member its own buffers again (values kept) and frees the stacks. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const e of this.engines) {
      for (const name of GROUPS) e.core[name].rehome(e.core[name].allocSlots(), true);
      e.core.buildLayers();
    }
    for (const v of this.views.values()) this.gemm.forget(v);
    for (const stack of this.stacks.values()) for (const b of stack.values()) if (b) this.gemm.free(b);
    this.scalars.dispose();
    this.gemm.dispose();
  }

  /** The members [run.first, +count) of a stack (cached: the same runs come back every round). */
  private view(group: GroupName, slot: SlotName, run: Run): Buf {
    const key = `${group}/${slot}/${run.first}/${run.count}`;
    let v = this.views.get(key);
    if (!v) {
      const size = this.engines[0].core[group].size;
      v = this.gemm.sub(this.stacks.get(group)!.get(slot)!, run.first * size, run.count * size);
      this.views.set(key, v);
    }
    return v;
  }

  /**
   * elementwise.ts adamStep's operations in its order, each over whole runs of members; the two
   * that take per-member scalars (1 / sqrt(bc2) from the step, lr / bc1) per run sharing them.
   */
  private adam(group: "actor" | "critic", members: readonly number[], cores: readonly FastSac[], inputs: readonly FastUpdateInput[]): void {
    this.gemm.sync();
    const steps = cores.map((c) => c[group].beginAdamStep());
    const sbc2 = steps.map((t) => Math.sqrt(1 - ADAM_BETA2 ** t));
    const stepSize = steps.map((t, i) => inputs[i].lr / (1 - ADAM_BETA1 ** t));
    const b = this.gemm.binary!.bind(this.gemm);
    const s = this.scalars;
    for (const run of runs(members, () => 0)) {
      const size = run.count * cores[0][group].size;
      const v = (slot: SlotName): Buf => this.view(group, slot, run);
      const [p, g, m, vv, tmp] = [v("params"), v("grads"), v("m"), v("v"), v("tmp")];
      b("mul", m, s.set(0, ADAM_BETA1), m, size, 1);
      b("mul", g, s.set(1, 1 - ADAM_BETA1), tmp, size, 1);
      b("add", m, tmp, m, size, size); // m_t
      b("mul", vv, s.set(2, ADAM_BETA2), vv, size, 1);
      b("mul", g, g, tmp, size, size);
      b("mul", tmp, s.set(3, 1 - ADAM_BETA2), tmp, size, 1);
      b("add", vv, tmp, vv, size, size); // v_t
      this.gemm.sqrt!(vv, tmp, size);
      this.perRun(group, members, run, sbc2, (sub, n, x) => b("div", sub, s.set(4, x), sub, n, 1));
      b("add", tmp, s.set(5, ADAM_EPS), tmp, size, 1);
      b("div", m, tmp, tmp, size, size);
      this.perRun(group, members, run, stepSize, (sub, n, x) => b("mul", sub, s.set(6, x), sub, n, 1));
      b("sub", p, tmp, p, size, size);
    }
  }

  /** Polyak as elementwise.ts polyak, target <- tau critic + (1 - tau) target, per run of equal tau. */
  private polyak(members: readonly number[], cores: readonly FastSac[], inputs: readonly FastUpdateInput[]): void {
    this.gemm.sync();
    const b = this.gemm.binary!.bind(this.gemm);
    const taus = inputs.map((u) => u.tau);
    for (const c of cores) c.target.stamp.version++;
    const size = cores[0].target.size;
    const tauOf = (r: Run): number => taus[members.indexOf(r.first)];
    for (const run of runs(members, () => 0)) {
      const equalTau = runs(members, (i) => taus[i], run);
      for (const r of equalTau) b("mul", this.view("critic", "params", r), this.scalars.set(0, tauOf(r)), this.view("target", "tmp", r), r.count * size, 1);
      for (const r of equalTau) b("mul", this.view("target", "params", r), this.scalars.set(1, 1 - tauOf(r)), this.view("target", "params", r), r.count * size, 1);
      const n = run.count * size;
      b("add", this.view("target", "params", run), this.view("target", "tmp", run), this.view("target", "params", run), n, n);
    }
  }

  /** Applies `op` to the tmp stack of `group` per sub-run of `run` whose members share `values`. */
  private perRun(group: GroupName, members: readonly number[], run: Run, values: readonly number[], op: (sub: Buf, n: number, x: number) => void): void {
    const size = this.engines[0].core[group].size;
    for (const r of runs(members, (i) => values[i], run)) op(this.view(group, "tmp", r), r.count * size, values[members.indexOf(r.first)]);
  }
}

/**
 * Runs of neighbouring member indices (sorted `members`) with equal `value(i)` (i: position in
 * `members`), inside `within` when given.
 */
function runs(members: readonly number[], value: (i: number) => number, within?: Run): Run[] {
  const out: Run[] = [];
  let first = -1;
  let count = 0;
  let prev = -1;
  for (let i = 0; i < members.length; i++) {
    const k = members[i];
    if (within && (k < within.first || k >= within.first + within.count)) continue;
    if (count > 0 && k === members[prev] + 1 && Object.is(value(i), value(prev))) count++;
    else {
      if (count > 0) out.push({ first, count });
      first = k;
      count = 1;
    }
    prev = i;
  }
  if (count > 0) out.push({ first, count });
  return out;
}
