// Turns the per-step batches of one behavior into transitions (s, a, r, s', done).
// An agent's experience is completed by its *next* info (docs/protocol.md §3.8): a decision info completes it
// with done = 0; a terminal info completes it with done = 1, or done = 0 when the episode was
// interrupted (max_step_reached), bootstrapping from the terminal observation.
// Deviation from ML-Agents: on interruption the reference trainer replaces next_obs with the last
// step's own observation; we keep the real terminal observation, which is the correct s' for the
// bootstrap (Pardo et al. 2018, "Time Limits in Reinforcement Learning").
// Hot path (every env step, every agent): per-agent data lives in growable typed-array pools
// indexed by slot, and outputs are written into reused arrays; no per-agent allocation.
// Agents are keyed by (environment index, agent id): Unity's ids are unique only within one Unity
// process and grow with every episode, so several environments may send the same ids.
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import { observationSize } from "../../env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../env/steps.js";
import type { TransitionBatch } from "./transition.js";
import { EpisodeStats } from "./episode-stats.js";

/** Actions chosen for a DecisionSteps batch, row-major by agent (an ActionTuple fits). */
export interface ActionsLike {
  readonly continuous: Float32Array;
  readonly discrete: Int32Array;
  /** [n]: an integer per decision carried into its transition's `tags` (Mix & Match: the component that acted); 0 when absent. */
  readonly tags?: Int32Array;
}

export class AgentShapeError extends Error {
  constructor(readonly behaviorName: string, readonly what: string, expected: number, actual: number) {
    super(`Behavior ${behaviorName}: ${what} has ${actual} values, expected ${expected}.`);
    this.name = "AgentShapeError";
  }
}

function grow<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(a: T, size: number): T {
  if (a.length >= size) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2));
  next.set(a);
  return next;
}

/**
 * One number per (environment index, agent id), exact in a double: the id's 32 bits below the
 * environment index (ids are int32 on the wire; environments stay far below 2^21).
 */
export function agentKey(envIndex: number, agentId: number): number {
  return envIndex * 0x1_0000_0000 + (agentId >>> 0);
}

export class AgentProcessor {
  readonly episodes: EpisodeStats;
  private readonly obsSizes: number[];
  private readonly contSize: number;
  private readonly discSize: number;
  private readonly branchSizes: readonly number[];
  private readonly maskSize: number;

  // Per-agent slots: the pending experience and the running episode totals. Keys are agentKey();
  // an agent's entry is removed when its episode ends, so the map holds only live agents.
  private readonly slotOf = new Map<number, number>();
  private slotEnv = new Int32Array(0);
  private readonly freeSlots: number[] = [];
  private slotCapacity = 0;
  /** Slots handed out so far (a released slot is reused before a new one is taken). */
  private slotsUsed = 0;
  private slotObs: Float32Array[];
  private slotCont = new Float32Array(0);
  private slotDisc = new Int32Array(0);
  private slotMask = new Uint8Array(0);
  private slotTag = new Int32Array(0);
  /** 1 when the slot holds an (obs, action) still waiting for its outcome. */
  private slotArmed = new Uint8Array(0);
  private slotReward = new Float64Array(0);
  private slotLength = new Int32Array(0);

  // Output pool, reused by every observe() call.
  private outCapacity = 0;
  private outObs: Float32Array[];
  private outNextObs: Float32Array[];
  private outCont = new Float32Array(0);
  private outDisc = new Int32Array(0);
  private outReward = new Float32Array(0);
  private outDone = new Float32Array(0);
  private outMask = new Uint8Array(0);
  private outNextMask = new Uint8Array(0);
  private outTag = new Int32Array(0);

  constructor(spec: BehaviorSpec, readonly behaviorName = "behavior", episodes = new EpisodeStats()) {
    this.obsSizes = spec.observationSpecs.map(observationSize);
    this.contSize = spec.actionSpec.continuousSize;
    this.branchSizes = spec.actionSpec.discreteBranches;
    this.discSize = this.branchSizes.length;
    this.maskSize = spec.actionSpec.discreteTotal;
    this.slotObs = this.obsSizes.map(() => new Float32Array(0));
    this.outObs = this.obsSizes.map(() => new Float32Array(0));
    this.outNextObs = this.obsSizes.map(() => new Float32Array(0));
    this.episodes = episodes;
  }

  /** Agents currently tracked (in an episode). */
  get trackedAgents(): number {
    return this.slotOf.size;
  }

  /** Slots in the per-agent pools: grows with the most agents alive at once, never with ids. */
  get slotPoolSize(): number {
    return this.slotCapacity;
  }

  /** Agents whose last action still awaits its outcome. */
  get pendingCount(): number {
    let n = 0;
    for (const slot of this.slotOf.values()) n += this.slotArmed[slot]!;
    return n;
  }

  /**
   * Completes pending experiences with this step's infos: terminal agents first (their episode
   * ends and they are forgotten), then decision agents. The returned arrays are reused by the next
   * call: consume or copy them before calling observe() again.
   */
  observe(decision: DecisionSteps, terminal: TerminalSteps, envIndex = 0): TransitionBatch {
    this.checkShapes(decision.obs, decision.length, "decision");
    this.checkShapes(terminal.obs, terminal.length, "terminal");
    this.ensureOut(decision.length + terminal.length);
    let k = 0;
    for (let i = 0; i < terminal.length; i++) {
      const id = agentKey(envIndex, terminal.agentId[i]!);
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      if (this.slotArmed[slot]) {
        this.emit(k, slot, terminal.obs, i, terminal.reward[i]!, terminal.interrupted[i] ? 0 : 1, null);
        this.slotReward[slot] += terminal.reward[i]!;
        this.slotLength[slot]! += 1;
        k++;
      }
      if (this.slotLength[slot]! > 0) this.episodes.record(this.slotReward[slot]!, this.slotLength[slot]!);
      this.release(id, slot);
    }
    for (let i = 0; i < decision.length; i++) {
      const slot = this.slotOf.get(agentKey(envIndex, decision.agentId[i]!));
      if (slot === undefined || !this.slotArmed[slot]) continue;
      this.emit(k, slot, decision.obs, i, decision.reward[i]!, 0, decision.actionMask);
      this.slotReward[slot] += decision.reward[i]!;
      this.slotLength[slot]! += 1;
      this.slotArmed[slot] = 0;
      k++;
    }
    return this.batch(k);
  }

  /** Stores (obs, action, mask) of every decision agent as its pending experience. */
  recordActions(decision: DecisionSteps, actions: ActionsLike, envIndex = 0): void {
    const n = decision.length;
    if (actions.continuous.length !== n * this.contSize) {
      throw new AgentShapeError(this.behaviorName, "continuous actions", n * this.contSize, actions.continuous.length);
    }
    if (actions.discrete.length !== n * this.discSize) {
      throw new AgentShapeError(this.behaviorName, "discrete actions", n * this.discSize, actions.discrete.length);
    }
    if (actions.tags !== undefined && actions.tags.length !== n) throw new AgentShapeError(this.behaviorName, "action tags", n, actions.tags.length);
    this.checkShapes(decision.obs, n, "decision");
    for (let i = 0; i < n; i++) {
      const id = agentKey(envIndex, decision.agentId[i]!);
      const slot = this.slotOf.get(id) ?? this.allocate(id, envIndex);
      for (let o = 0; o < this.obsSizes.length; o++) {
        const size = this.obsSizes[o]!;
        this.slotObs[o]!.set(decision.obs[o]!.subarray(i * size, (i + 1) * size), slot * size);
      }
      const c = this.contSize;
      this.slotCont.set(actions.continuous.subarray(i * c, (i + 1) * c), slot * c);
      const d = this.discSize;
      this.slotDisc.set(actions.discrete.subarray(i * d, (i + 1) * d), slot * d);
      this.copyMask(decision.actionMask, i, this.slotMask, slot);
      this.slotTag[slot] = actions.tags?.[i] ?? 0;
      this.slotArmed[slot] = 1;
    }
  }

  /**
   * Closes the open episodes of one environment (its session ended), or of all when envIndex is
   * omitted (trainer-side reset), as interrupted. For SAC the half-made experiences are dropped and
   * the episodes are not counted as completed (ML-Agents AgentProcessor.end_episode does the same).
   */
  discardPending(envIndex?: number): void {
    for (const [id, slot] of [...this.slotOf]) if (envIndex === undefined || this.slotEnv[slot] === envIndex) this.release(id, slot);
  }

  private allocate(id: number, envIndex: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      // The next unused slot, not the capacity: taking the capacity doubled the pools on every new
      // agent (24 agents: 67M slots, gigabytes and a minute-long stall of the event loop).
      slot = this.slotsUsed++;
      this.ensureSlots(slot + 1);
    }
    this.slotOf.set(id, slot);
    this.slotEnv[slot] = envIndex;
    this.slotArmed[slot] = 0;
    this.slotReward[slot] = 0;
    this.slotLength[slot] = 0;
    return slot;
  }

  private release(id: number, slot: number): void {
    this.slotOf.delete(id);
    this.slotArmed[slot] = 0;
    this.freeSlots.push(slot);
  }

  private ensureSlots(needed: number): void {
    if (needed <= this.slotCapacity) return;
    const cap = Math.max(needed, this.slotCapacity * 2, 8);
    this.slotObs = this.slotObs.map((a, o) => grow(a, cap * this.obsSizes[o]!));
    this.slotCont = grow(this.slotCont, cap * this.contSize);
    this.slotDisc = grow(this.slotDisc, cap * this.discSize);
    this.slotMask = grow(this.slotMask, cap * this.maskSize);
    this.slotTag = grow(this.slotTag, cap);
    this.slotArmed = grow(this.slotArmed, cap);
    this.slotEnv = grow(this.slotEnv, cap);
    this.slotReward = grow(this.slotReward, cap);
    this.slotLength = grow(this.slotLength, cap);
    this.slotCapacity = cap;
  }

  private ensureOut(needed: number): void {
    if (needed <= this.outCapacity) return;
    const cap = Math.max(needed, this.outCapacity * 2, 8);
    this.outObs = this.outObs.map((a, o) => grow(a, cap * this.obsSizes[o]!));
    this.outNextObs = this.outNextObs.map((a, o) => grow(a, cap * this.obsSizes[o]!));
    this.outCont = grow(this.outCont, cap * this.contSize);
    this.outDisc = grow(this.outDisc, cap * this.discSize);
    this.outReward = grow(this.outReward, cap);
    this.outDone = grow(this.outDone, cap);
    this.outMask = grow(this.outMask, cap * this.maskSize);
    this.outNextMask = grow(this.outNextMask, cap * this.maskSize);
    this.outTag = grow(this.outTag, cap);
    this.outCapacity = cap;
  }

  /** Writes transition k from the slot's pending experience and row i of the next infos. */
  private emit(
    k: number,
    slot: number,
    nextObs: readonly Float32Array[],
    i: number,
    reward: number,
    done: number,
    nextMask: readonly Uint8Array[] | null,
  ): void {
    for (let o = 0; o < this.obsSizes.length; o++) {
      const size = this.obsSizes[o]!;
      this.outObs[o]!.set(this.slotObs[o]!.subarray(slot * size, (slot + 1) * size), k * size);
      this.outNextObs[o]!.set(nextObs[o]!.subarray(i * size, (i + 1) * size), k * size);
    }
    const c = this.contSize;
    this.outCont.set(this.slotCont.subarray(slot * c, (slot + 1) * c), k * c);
    const d = this.discSize;
    this.outDisc.set(this.slotDisc.subarray(slot * d, (slot + 1) * d), k * d);
    const m = this.maskSize;
    this.outMask.set(this.slotMask.subarray(slot * m, (slot + 1) * m), k * m);
    // A terminal info carries no mask: every action counts as allowed at s'.
    this.copyMask(nextMask, i, this.outNextMask, k);
    this.outReward[k] = reward;
    this.outDone[k] = done;
    this.outTag[k] = this.slotTag[slot]!;
  }

  /** Flattens row `i` of per-branch masks into row `row` of `dst` (zeros when there are none). */
  private copyMask(masks: readonly Uint8Array[] | null, i: number, dst: Uint8Array, row: number): void {
    let offset = row * this.maskSize;
    for (let b = 0; b < this.discSize; b++) {
      const size = this.branchSizes[b]!;
      const src = masks?.[b];
      if (src) dst.set(src.subarray(i * size, (i + 1) * size), offset);
      else dst.fill(0, offset, offset + size);
      offset += size;
    }
  }

  private batch(n: number): TransitionBatch {
    return {
      length: n,
      obs: this.outObs.map((a, o) => a.subarray(0, n * this.obsSizes[o]!)),
      nextObs: this.outNextObs.map((a, o) => a.subarray(0, n * this.obsSizes[o]!)),
      continuousActions: this.outCont.subarray(0, n * this.contSize),
      discreteActions: this.outDisc.subarray(0, n * this.discSize),
      rewards: this.outReward.subarray(0, n),
      dones: this.outDone.subarray(0, n),
      actionMasks: this.outMask.subarray(0, n * this.maskSize),
      nextActionMasks: this.outNextMask.subarray(0, n * this.maskSize),
      tags: this.outTag.subarray(0, n),
    };
  }

  private checkShapes(obs: readonly Float32Array[], n: number, what: string): void {
    if (obs.length !== this.obsSizes.length) {
      throw new AgentShapeError(this.behaviorName, `${what} observation count`, this.obsSizes.length, obs.length);
    }
    for (let o = 0; o < obs.length; o++) {
      if (obs[o]!.length !== n * this.obsSizes[o]!) {
        throw new AgentShapeError(this.behaviorName, `${what} obs_${o}`, n * this.obsSizes[o]!, obs[o]!.length);
      }
    }
  }
}
