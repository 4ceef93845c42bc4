// The PBT population's bookkeeping, with no I/O and no training: the run loop tells it what members
// did (report, snapshotTaken, exploitLoaded, memberFailed) and carries out the decisions it returns
// (take a snapshot, load a snapshot with new hyperparameters, delete released snapshots).
// Asynchronous by default (Jaderberg et al. 2017 §3): a member is checked when it becomes ready,
// against the others' latest recorded scores; `synchronous: true` selects once per round instead.
// docs/pbt.md describes the protocol and the failure modes avoided.

import type { PbtHyperparameters, PbtSettings } from "../../config/pbt-settings-types.js";
import { Rng } from "../common/rng.js";
import { explore, sampleInitial } from "./explore.js";
import type { MemberState, PopulationState, ScoreRecord } from "./population-state.js";
import { quantiles, shouldReplace, type Quantiles, type ScoredMember } from "./selection.js";
import { pinSnapshot, recordSnapshot, unpinSnapshot, unrecordSnapshot } from "./snapshot-ledger.js";
import { mean } from "./welch-test.js";

/** Load `source`'s snapshot `snapshotId` into `member`, then train with `newHyperparameters`. */
export interface ExploitDecision {
  kind: "exploit";
  /** "selection": bottom quantile copying top; "failed": reviving a failed member. */
  reason: "selection" | "failed";
  member: number;
  /** The exploiter's agent steps at the decision. */
  step: number;
  source: number;
  /** Exactly the snapshot that earned the source's score. */
  snapshotId: string;
  /** The source's agent steps when that snapshot was taken. */
  sourceStep: number;
  oldHyperparameters: PbtHyperparameters;
  newHyperparameters: PbtHyperparameters;
  /** Recorded scores: the member's (null when it failed) and the source's. */
  scores: { member: number | null; source: number };
  /** One-sided Welch p-value of the replacement test; null when not run. */
  pValue: number | null;
}

export interface Outcome {
  decisions: ExploitDecision[];
  /** Snapshots nobody needs any more: the run loop may delete them. */
  released: string[];
}

export class PopulationCoordinator {
  private constructor(
    readonly settings: PbtSettings,
    private readonly state: PopulationState,
    private readonly rng: Rng,
  ) {}

  /**
   * A fresh population: every member's searched hyperparameters sampled from the explore ranges,
   * other keys from `base`; with keep_reference member 0 keeps `base` unchanged.
   */
  static create(settings: PbtSettings, base: Readonly<PbtHyperparameters>, seed: number): PopulationCoordinator {
    const rng = new Rng(seed);
    if (settings.keep_reference) {
      const missing = settings.explore.find((rule) => base[rule.key] === undefined);
      if (missing) throw new Error(`keep_reference: the reference member needs a base value for searched hyperparameter "${missing.key}"`);
    }
    const members: MemberState[] = [];
    for (let id = 0; id < settings.population_size; id++) {
      const hyperparameters = settings.keep_reference && id === 0 ? { ...base } : sampleInitial(base, settings.explore, rng.uniform);
      members.push({ id, hyperparameters, steps: 0, lastReadyStep: 0, recentEpisodes: [], record: null, awaitingSnapshot: false, loading: null, failed: false });
    }
    return new PopulationCoordinator(settings, { version: 1, members, snapshots: {}, round: [], rngState: rng.getState() }, rng);
  }

  /** A population restored from toState() (e.g. parsed from JSON on --resume). */
  static fromState(settings: PbtSettings, state: PopulationState): PopulationCoordinator {
    if (state.version !== 1) throw new Error(`unsupported PBT state version ${String(state.version)}`);
    if (state.members.length !== settings.population_size) {
      throw new Error(`the saved population has ${state.members.length} members, the configuration asks for ${settings.population_size}`);
    }
    const copy = structuredClone(state);
    if (!Array.isArray(copy.members) || !Array.isArray(copy.round) || typeof copy.snapshots !== "object" || !Number.isInteger(copy.rngState)) {
      throw new Error("the saved PBT state is incomplete (members, snapshots, round, rngState)");
    }
    const rng = new Rng(0);
    rng.setState(copy.rngState);
    return new PopulationCoordinator(settings, copy, rng);
  }

  /** A deep copy of the whole state, JSON-serialisable. */
  toState(): PopulationState {
    this.state.rngState = this.rng.getState();
    return structuredClone(this.state);
  }

  get members(): readonly Readonly<MemberState>[] {
    return this.state.members;
  }

  member(id: number): Readonly<MemberState> {
    return this.get(id);
  }

  /**
   * The member has `steps` agent steps in total and finished episodes with these returns since its
   * last report. `ready: true` (once per ready point) asks the run loop to take a snapshot now (and,
   * with the evaluation metric, to run the evaluation episodes) and call snapshotTaken.
   */
  report(id: number, steps: number, finishedEpisodeRewards: readonly number[]): { ready: boolean } {
    const m = this.get(id);
    if (!Number.isFinite(steps) || steps < m.steps) throw new Error(`member ${id}: agent steps went from ${m.steps} to ${steps}`);
    m.steps = steps;
    // Episodes played while a load is pending, or by a failed member, belong to a discarded policy.
    if (m.loading !== null || m.failed) return { ready: false };
    for (const r of finishedEpisodeRewards) if (Number.isFinite(r)) m.recentEpisodes.push(r);
    if (m.recentEpisodes.length > this.settings.episodes) m.recentEpisodes.splice(0, m.recentEpisodes.length - this.settings.episodes);
    if (m.awaitingSnapshot || this.waiting(id) || !this.isReady(m)) return { ready: false };
    m.awaitingSnapshot = true;
    return { ready: true };
  }

  /**
   * The ready member saved snapshot `snapshotId` of its current state. Records it with the score
   * (the recent training episodes, or `evaluationRewards` with the evaluation metric), restarts the
   * ready clock, and checks the member against the others' latest records. `snapshotStep`: the
   * member's agent steps when the snapshot was taken, where it trained on while its evaluation
   * episodes ran (default: its current steps).
   */
  snapshotTaken(id: number, snapshotId: string, evaluationRewards?: readonly number[], snapshotStep?: number): Outcome {
    const m = this.get(id);
    if (!m.awaitingSnapshot) throw new Error(`member ${id} was not asked for a snapshot (report() did not return ready)`);
    const episodes = this.settings.metric === "evaluation" ? checkedEvaluation(id, evaluationRewards) : [...m.recentEpisodes];
    const released: string[] = [];
    recordSnapshot(this.state.snapshots, snapshotId, id);
    if (m.record !== null) released.push(...unrecordSnapshot(this.state.snapshots, m.record.snapshotId));
    m.record = { snapshotId, step: snapshotStep ?? m.steps, score: mean(episodes), episodes, hyperparameters: { ...m.hyperparameters } };
    m.awaitingSnapshot = false;
    m.lastReadyStep = m.steps;
    const decisions: ExploitDecision[] = [];
    if (this.settings.synchronous) {
      this.state.round.push(id);
      decisions.push(...this.completeRoundIfDue(released));
    } else {
      const own = this.selectionDecision(m, released, quantiles(this.scored(), this.settings.quantile_fraction));
      if (own) decisions.push(own);
    }
    for (const failed of this.state.members) {
      const revive = failed.failed && failed.loading === null ? this.revivalDecision(failed) : null;
      if (revive) decisions.push(revive);
    }
    return { decisions, released };
  }

  /** The member has loaded the snapshot it was told to load: the snapshot may now be released. */
  exploitLoaded(id: number, snapshotId: string): { released: string[] } {
    const m = this.get(id);
    if (m.loading !== snapshotId) throw new Error(`member ${id} was not told to load snapshot "${snapshotId}" (pending: ${m.loading ?? "none"})`);
    m.loading = null;
    m.failed = false;
    return { released: unpinSnapshot(this.state.snapshots, snapshotId, id) };
  }

  /**
   * The member's training failed. It leaves the ranking; it copies the best recorded member at once
   * when there is one, otherwise at the next snapshot any member takes. A failed reference member
   * (keep_reference) stays failed: it is never overwritten.
   */
  memberFailed(id: number): Outcome {
    const m = this.get(id);
    const released: string[] = [];
    m.failed = true;
    m.awaitingSnapshot = false;
    m.recentEpisodes = [];
    if (m.record !== null) released.push(...unrecordSnapshot(this.state.snapshots, m.record.snapshotId));
    m.record = null;
    if (m.loading !== null) released.push(...unpinSnapshot(this.state.snapshots, m.loading, id));
    m.loading = null;
    this.state.round = this.state.round.filter((member) => member !== id);
    const decisions = this.completeRoundIfDue(released);
    const revive = this.revivalDecision(m);
    if (revive) decisions.push(revive);
    return { decisions, released };
  }

  /** The member with the best recorded score (the run's final model), or null before any record. */
  best(): number | null {
    const ranked = this.scored().sort((a, b) => b.score - a.score || a.id - b.id);
    return ranked[0]?.id ?? null;
  }

  /** Snapshot ids still retained (current records and pending loads). */
  retainedSnapshots(): string[] {
    return Object.keys(this.state.snapshots);
  }

  private isReady(m: MemberState): boolean {
    if (m.steps < this.settings.burn_in || m.steps - m.lastReadyStep < this.settings.ready) return false;
    // The Welch test needs two episodes; with the evaluation metric they come from evaluation episodes.
    return this.settings.metric === "evaluation" || m.recentEpisodes.length >= 2;
  }

  /**
   * Synchronous mode: a member that recorded in the current round waits (takes no new snapshot and
   * may be paused by the run loop) until every live member has recorded in it.
   */
  waiting(id: number): boolean {
    return this.settings.synchronous && this.state.round.includes(id);
  }

  /** Synchronous mode: once every live member recorded, select over the whole round at once. */
  private completeRoundIfDue(released: string[]): ExploitDecision[] {
    const live = this.state.members.filter((m) => !m.failed);
    if (!this.settings.synchronous || this.state.round.length === 0 || !live.every((m) => this.state.round.includes(m.id))) return [];
    // One ranking for the round: exploits within it do not reorder the quantiles.
    const ranking = quantiles(this.scored(), this.settings.quantile_fraction);
    const decisions: ExploitDecision[] = [];
    for (const id of ranking.bottom) {
      const decision = this.selectionDecision(this.get(id), released, ranking);
      if (decision) decisions.push(decision);
    }
    this.state.round = [];
    return decisions;
  }

  private selectionDecision(m: MemberState, released: string[], { bottom, top }: Quantiles): ExploitDecision | null {
    if (this.settings.keep_reference && m.id === 0) return null;
    if (!bottom.includes(m.id)) return null;
    const candidates = top.filter((id) => id !== m.id);
    if (candidates.length === 0) return null;
    const source = this.get(candidates[Math.min(candidates.length - 1, Math.floor(this.rng.next() * candidates.length))]!);
    const record = source.record!;
    const verdict = shouldReplace(m.record!.episodes, record.episodes, this.settings);
    if (!verdict.replace) return null;
    const memberScore = m.record!.score;
    // The exploiter's own record described the state it is about to discard.
    released.push(...unrecordSnapshot(this.state.snapshots, m.record!.snapshotId));
    m.record = null;
    return this.exploit(m, source, record, "selection", memberScore, verdict.pValue);
  }

  private revivalDecision(m: MemberState): ExploitDecision | null {
    if (this.settings.keep_reference && m.id === 0) return null;
    const bestId = this.best();
    if (bestId === null || bestId === m.id) return null;
    const source = this.get(bestId);
    return this.exploit(m, source, source.record!, "failed", null, null);
  }

  private exploit(m: MemberState, source: MemberState, record: ScoreRecord, reason: ExploitDecision["reason"], memberScore: number | null, pValue: number | null): ExploitDecision {
    const oldHyperparameters = { ...m.hyperparameters };
    const newHyperparameters = explore(record.hyperparameters, this.settings.explore, this.rng.uniform);
    pinSnapshot(this.state.snapshots, record.snapshotId, m.id);
    m.hyperparameters = newHyperparameters;
    m.loading = record.snapshotId;
    m.recentEpisodes = [];
    m.awaitingSnapshot = false;
    m.lastReadyStep = m.steps; // the exploiter's ready clock restarts (Ray Tune #3655)
    return {
      kind: "exploit",
      reason,
      member: m.id,
      step: m.steps,
      source: source.id,
      snapshotId: record.snapshotId,
      sourceStep: record.step,
      oldHyperparameters,
      newHyperparameters: { ...newHyperparameters },
      scores: { member: memberScore, source: record.score },
      pValue,
    };
  }

  /** Members that may be ranked: a recorded score (so a snapshot exists, Ray Tune #27170), not failed. */
  private scored(): ScoredMember[] {
    return this.state.members.filter((m) => m.record !== null && !m.failed).map((m) => ({ id: m.id, score: m.record!.score, episodes: m.record!.episodes }));
  }

  private get(id: number): MemberState {
    const m = this.state.members[id];
    if (m === undefined) throw new Error(`no population member ${id} (population of ${this.state.members.length})`);
    return m;
  }
}

function checkedEvaluation(id: number, rewards: readonly number[] | undefined): number[] {
  if (rewards === undefined || rewards.length === 0 || !rewards.every(Number.isFinite)) {
    throw new Error(`member ${id}: the evaluation metric needs the finite returns of the evaluation episodes`);
  }
  return [...rewards];
}
