// The whole state of a PBT population as plain JSON-serialisable data: what --resume restores.

import type { PbtHyperparameters } from "../../config/pbt-settings-types.js";

/** A score and the snapshot that earned it, recorded together (so an exploiter loads exactly that state). */
export interface ScoreRecord {
  snapshotId: string;
  /** The member's agent steps when the snapshot was taken. */
  step: number;
  /** Mean of `episodes`. */
  score: number;
  /** Episode returns behind the score (the sample of the Welch test). */
  episodes: number[];
  /** Hyperparameters the snapshot was trained with (what an exploiter starts its explore from). */
  hyperparameters: PbtHyperparameters;
}

export interface MemberState {
  id: number;
  /** Hyperparameters the member trains with now. */
  hyperparameters: PbtHyperparameters;
  /** The member's own agent steps. */
  steps: number;
  /** Ready clock: agent step of the member's last check or exploit. */
  lastReadyStep: number;
  /** Last `episodes` finished training-episode returns since the last exploit (mean_reward metric). */
  recentEpisodes: number[];
  /** Latest recorded score with its snapshot; null before the first, and after the member exploited. */
  record: ScoreRecord | null;
  /** Ready, told to take a snapshot, not yet taken. */
  awaitingSnapshot: boolean;
  /** Snapshot the member was told to load and has not confirmed loading. */
  loading: string | null;
  /** The member's training failed (NaN, crash); it is revived by copying a good member. */
  failed: boolean;
}

/** Who keeps a snapshot alive: the member whose current record it is, and exploiters yet to load it. */
export interface SnapshotRefs {
  owner: number;
  /** True while it is `owner`'s current record (it may still be chosen as a source). */
  recorded: boolean;
  /** Members told to load it that have not confirmed. */
  loaders: number[];
}

export interface PopulationState {
  version: 1;
  members: MemberState[];
  snapshots: Record<string, SnapshotRefs>;
  /** Synchronous mode: members that recorded in the current round, in order. Always empty when asynchronous. */
  round: number[];
  /** Mulberry32 state of the coordinator's random source (source choice, explore). */
  rngState: number;
}
