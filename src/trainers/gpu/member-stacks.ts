// Which copy of a population member's weights is current: the member's own variables (its TapeSac,
// which acts, saves and loads) or a stack's (batched-tape-sac.ts, which updates several members in
// one graph). The GPU population worker (gpu-population-worker.ts) runs every member of one layout
// through this. Rules: at most one stack is ahead of its members (the one that updated last);
// settleFor(i) writes it back before member i's own variables are read, when i is in it (settle()
// in any case); changed(i) records that member i's own variables moved (setState, an update of
// its own), so every stack holding i reloads before its next update. A round's due members are partitioned by minibatch size (one stack per
// size); a lone member updates on its own engine (the same equations). Stacks are kept per set of
// members (a round usually repeats the last one), the least recently used dropped past `maxStacks`.

import type { TransitionBatch } from "../common/transition.js";
import { BatchedTapeSac } from "../sac/batched-tape-sac.js";
import { readWhenReady } from "../sac/device-result.js";
import type { UpdateLosses } from "../sac/sac-engine.js";
import type { TapeSac } from "../sac/tape-engine.js";

interface CachedStack {
  readonly members: readonly number[];
  readonly stack: BatchedTapeSac;
  /** The members' versions the stack last equalled. */
  synced: number[];
}

/** What ran, for tests and the bench: stacked calls and the member updates inside them, lone updates, copies. */
export interface StackCounts {
  stackedCalls: number;
  stackedMemberUpdates: number;
  loneUpdates: number;
  reloads: number;
  writeBacks: number;
  stacksBuilt: number;
}

export class MemberStacks {
  private readonly members: (TapeSac | null)[] = [];
  /** Bumped whenever a member's own variables change. */
  private readonly versions: number[] = [];
  /** By member set ("0,2,3"), in least-recently-used order (Map keeps insertion order). */
  private readonly stacks = new Map<string, CachedStack>();
  private ahead: CachedStack | null = null;
  readonly counts: StackCounts = { stackedCalls: 0, stackedMemberUpdates: 0, loneUpdates: 0, reloads: 0, writeBacks: 0, stacksBuilt: 0 };

  constructor(private readonly maxStacks = 4) {}

  /** Adds a member; returns its index. */
  add(engine: TapeSac): number {
    this.members.push(engine);
    this.versions.push(0);
    return this.members.length - 1;
  }

  /** Member i's engine (its own variables are current only after settle()). */
  member(i: number): TapeSac {
    const m = this.members[i];
    if (!m) throw new RangeError(`member ${i} is not in this population`);
    return m;
  }

  /** Takes member i out (the stack's progress written back first); the caller disposes the engine. */
  remove(i: number): TapeSac {
    const engine = this.member(i);
    this.settle();
    for (const [key, s] of this.stacks) {
      if (!s.members.includes(i)) continue;
      s.stack.dispose();
      this.stacks.delete(key);
    }
    this.members[i] = null;
    return engine;
  }

  /** Writes the stack that updated last back into its members (before they act, save or are copied). */
  settle(): void {
    const s = this.ahead;
    if (!s) return;
    s.stack.writeBack();
    this.counts.writeBacks++;
    for (const i of s.members) this.versions[i]!++;
    s.synced = s.members.map((i) => this.versions[i]!);
    this.ahead = null;
  }

  /** settle(), when member i is in the stack that updated last (before member i's own variables are read or replaced). */
  settleFor(i: number): void {
    if (this.ahead?.members.includes(i)) this.settle();
  }

  /** Member i's own variables changed (setState; call after settleFor(i)). */
  changed(i: number): void {
    this.member(i);
    this.versions[i]!++;
  }

  /** One update of member members[k] on batches[k] each; returns the losses in that order. */
  async update(members: readonly number[], batches: readonly TransitionBatch[]): Promise<UpdateLosses[]> {
    if (members.length !== batches.length) throw new RangeError(`${batches.length} batches for ${members.length} members`);
    if (new Set(members).size !== members.length) throw new RangeError(`a member appears twice in one update (${members.join(", ")})`);
    const out = new Array<UpdateLosses>(members.length);
    const bySize = new Map<number, number[]>();
    members.forEach((m, k) => {
      this.member(m);
      const group = bySize.get(batches[k]!.length) ?? [];
      group.push(k);
      bySize.set(batches[k]!.length, group);
    });
    for (const positions of bySize.values()) {
      positions.sort((a, b) => members[a]! - members[b]!);
      const ids = positions.map((k) => members[k]!);
      if (ids.length === 1) {
        this.settleFor(ids[0]!);
        out[positions[0]!] = await readWhenReady(this.member(ids[0]!).updateOnDevice(batches[positions[0]!]!));
        this.changed(ids[0]!);
        this.counts.loneUpdates++;
        continue;
      }
      const s = this.stackOf(ids);
      const losses = await s.stack.updateWhenReady(positions.map((k) => batches[k]!));
      this.ahead = s;
      this.counts.stackedCalls++;
      this.counts.stackedMemberUpdates += ids.length;
      positions.forEach((k, j) => (out[k] = losses[j]!));
    }
    return out;
  }

  /** Frees every stack (the members' own variables made current first; the caller disposes the members). */
  dispose(): void {
    this.settle();
    for (const s of this.stacks.values()) s.stack.dispose();
    this.stacks.clear();
  }

  /** The stack of these members (sorted), equal to their current weights and ready to update. */
  private stackOf(ids: readonly number[]): CachedStack {
    const key = ids.join(",");
    let s = this.stacks.get(key);
    if (this.ahead !== s) this.settle();
    if (s) {
      this.stacks.delete(key); // re-inserted below: most recently used last
      if (ids.some((i, j) => this.versions[i] !== s!.synced[j])) {
        s.stack.reload();
        this.counts.reloads++;
        s.synced = ids.map((i) => this.versions[i]!);
      }
    } else {
      s = { members: [...ids], stack: new BatchedTapeSac(ids.map((i) => this.member(i))), synced: ids.map((i) => this.versions[i]!) };
      this.counts.stacksBuilt++;
    }
    this.stacks.set(key, s);
    while (this.stacks.size > this.maxStacks) {
      const [oldKey, old] = this.stacks.entries().next().value as [string, CachedStack];
      if (old === this.ahead) this.settle();
      old.stack.dispose();
      this.stacks.delete(oldKey);
    }
    return s;
  }
}
