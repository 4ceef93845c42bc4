// The SAC trainer's state as plain data, its checks, and what the trainer needs from a model.
// A state copies exactly (PBT exploit); on disk it is the checkpoint (encodeTrainerState).
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import { decodePlain, encodePlain } from "../checkpoint/plain-codec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { EpisodeStatsState } from "../common/episode-stats.js";
import type { ReplayBufferState } from "../common/replay-buffer.js";
import type { TransitionBatch } from "../common/transition.js";
import type { MutableHyperparameters } from "../hyperparameters.js";
import type { Logger } from "../../util/logger.js";
import { createTrainerModel, type SacModelOptions } from "./sac-model.js";
import type { EngineHyperparameters, UpdateLosses } from "./sac-engine.js";
import { deserializeSacState, serializeSacState, type SacState } from "./sac-state.js";

/** What the trainer needs from a SAC model (every SacEngine implements it; tests use fakes). */
export interface SacModelLike {
  /** `tags` [n]: an integer per decision stored with its transition when `tagged` (Mix & Match: the component that acted). */
  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array; tags?: Int32Array };
  /** true: the replay buffer stores act()'s tags with each transition. */
  readonly tagged?: boolean;
  updateNormalizer(obs: readonly Float32Array[], n: number): void;
  /** The update's losses, or null when the model queued it (threaded: true): they come from takeLosses. */
  update(batch: TransitionBatch): UpdateLosses | null;
  /** A queuing model's losses of the updates finished since the last call; `wait`: of every queued update. */
  takeLosses?(wait: boolean): UpdateLosses[];
  /** The values the next update uses (learning rate, discount, Polyak tau, target entropies, initial alpha). */
  setHyperparameters(h: Partial<EngineHyperparameters>): void;
  getState(): unknown;
  setState(state: unknown): void;
  snapshot(): ActorSnapshot;
  dispose(): void;
}

export interface SacTrainerDeps {
  /** `logger` and `label` (the behavior or member) for the model's notes, e.g. that `threaded` is not used. */
  createModel(spec: BehaviorSpec, settings: TrainerSettings, seed: number, logger?: Logger, label?: string): SacModelLike;
  serializeModelState(state: unknown): Uint8Array;
  deserializeModelState(bytes: Uint8Array): unknown;
  /** `own` model state with the network weights and normalizers of `source` (optimizer state kept). */
  takeWeights(own: unknown, source: unknown): unknown;
}

/** For SacState: every tensor except Adam moments, plus the normalizers; log alphas stay fresh. */
function takeSacWeights(own: unknown, source: unknown): unknown {
  const o = own as Partial<SacState>;
  const s = source as Partial<SacState>;
  if (!o.tensors || !s.tensors) return source;
  const tensors = { ...o.tensors };
  for (const [key, t] of Object.entries(s.tensors)) if (!key.startsWith("adam/")) tensors[key] = t;
  return { ...o, tensors, normalizers: s.normalizers ?? o.normalizers };
}

/** Dependencies whose models come from the engine factory with these options (`--device gpu`: engine "gpu"). */
export function sacDeps(options: SacModelOptions = {}): SacTrainerDeps {
  return {
    createModel: (spec, settings, seed, logger, label) => createTrainerModel(spec, settings, seed, options, logger, label),
    serializeModelState: (s) => serializeSacState(s as Parameters<typeof serializeSacState>[0]),
    deserializeModelState: (b) => deserializeSacState(b),
    takeWeights: takeSacWeights,
  };
}

export const defaultSacDeps: SacTrainerDeps = sacDeps();

export interface SacTrainerState {
  readonly kind: "sac";
  readonly behaviorName: string;
  readonly model: unknown;
  /** Always present in memory; on disk only with save_replay_buffer. */
  readonly buffer: ReplayBufferState | null;
  readonly step: number;
  readonly updateSteps: number;
  readonly rng: number;
  readonly episodes: EpisodeStatsState;
  readonly hyperparameters: MutableHyperparameters;
  readonly rewardStrength: number;
}

export class SacTrainerStateError extends Error {
  constructor(readonly behaviorName: string, readonly field: string, detail: string) {
    super(`Behavior ${behaviorName}: trainer state field ${field} ${detail}.`);
    this.name = "SacTrainerStateError";
  }
}

/** Where the hyperparameters come from when a state is applied. */
export type HyperparameterSource = "state" | "keep";

/** Throws SacTrainerStateError (naming the behavior and field) unless `s` looks like a SAC trainer state. */
export function validateTrainerState(behaviorName: string, s: SacTrainerState): void {
  const fail = (field: string, detail: string): never => {
    throw new SacTrainerStateError(behaviorName, field, detail);
  };
  if (s.kind !== "sac") fail("kind", `is ${String(s.kind)}, expected sac`);
  for (const f of ["step", "updateSteps", "rng", "rewardStrength"] as const) {
    if (typeof s[f] !== "number" || !Number.isFinite(s[f])) fail(f, "is not a finite number");
  }
  if (s.step < 0 || !Number.isInteger(s.step)) fail("step", "is not a non-negative integer");
  if (!s.hyperparameters || typeof s.hyperparameters !== "object") fail("hyperparameters", "is missing");
  if (!s.episodes || !Array.isArray(s.episodes.recentRewards)) fail("episodes", "is missing");
}

/** Checkpoint bytes of a state: plain data, with the model state in its engine's own format. */
export function encodeTrainerState(state: SacTrainerState, deps: SacTrainerDeps): Uint8Array {
  return encodePlain({ ...state, model: deps.serializeModelState(state.model) });
}

/** The state in checkpoint bytes; SacTrainerStateError names a missing root or model (validateTrainerState checks the rest). */
export function decodeTrainerState(behaviorName: string, bytes: Uint8Array, deps: SacTrainerDeps): SacTrainerState {
  const raw = decodePlain(bytes) as Record<string, unknown> | null;
  if (!raw || typeof raw !== "object") throw new SacTrainerStateError(behaviorName, "(root)", "is not an object");
  if (!(raw.model instanceof Uint8Array)) throw new SacTrainerStateError(behaviorName, "model", "is missing");
  return { ...raw, model: deps.deserializeModelState(raw.model) } as unknown as SacTrainerState;
}
