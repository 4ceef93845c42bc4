// The Mix & Match trainer of one behavior: SacTrainer (replay buffer, ML-Agents' update schedule,
// checkpoints; the one `extends`) running an MmTapeModel through its model factory, plus what
// Mix & Match adds: the spec-time checks of the mix_and_match section, α_K as a member
// hyperparameter (mix_and_match_alpha, set through the one door setHyperparameters, so PBT
// explores it), and the per-component stats.

import type { TrainerSettings } from "../../config/index.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import { decodePlain, encodePlain } from "../checkpoint/plain-codec.js";
import { HyperparameterError, type MutableHyperparameters } from "../hyperparameters.js";
import { SacTrainer, type SacTrainerOptions } from "../sac/sac-trainer.js";
import type { TrainerSummary } from "../stats/trainer-summary.js";
import { checkMixAndMatchAgainstSpec } from "./check-spec.js";
import { componentTag, MmTapeModel, mmTags, type MmModelState } from "./mm-model.js";

/** A member's hyperparameters: SAC's plus α_K, the target's mixing weight. */
export interface MmHyperparameters extends MutableHyperparameters {
  /** α_K in [0, 1]: the target's share of the decisions; the simpler components share the rest. */
  mix_and_match_alpha: number;
}

export class MmTrainer extends SacTrainer {
  private readonly mm: MmTapeModel;

  constructor(options: Omit<SacTrainerOptions, "deps">) {
    const mix = options.settings.mix_and_match;
    if (mix === undefined) throw new Error(`MmTrainer: behaviors.${options.behaviorName} has no mix_and_match section`);
    checkMixAndMatchAgainstSpec(mix, options.behaviorName, options.spec);
    let created: MmTapeModel | undefined;
    super({
      ...options,
      deps: {
        createModel: (spec: BehaviorSpec, settings: TrainerSettings, seed: number) => (created = new MmTapeModel(spec, settings, seed)),
        serializeModelState: (state) => encodePlain(state),
        deserializeModelState: (bytes) => decodePlain(bytes),
        takeWeights: takeMmWeights,
      },
    });
    this.mm = created!;
  }

  /** The K mixing weights now in use (the target's last). */
  mixingWeights(): number[] {
    return this.mm.weights();
  }

  /** SAC's hyperparameters plus mix_and_match_alpha (α_K, validated: a number in [0, 1]). */
  override setHyperparameters(h: Partial<MmHyperparameters>): void {
    const { mix_and_match_alpha: alpha, ...sac } = h;
    if (alpha !== undefined && !(Number.isFinite(alpha) && alpha >= 0 && alpha <= 1)) {
      throw new HyperparameterError("mix_and_match_alpha", `must be a number in [0, 1], got ${alpha}`);
    }
    super.setHyperparameters(sac);
    if (alpha !== undefined) this.mm.alpha = alpha;
  }

  override hyperparameters(): MmHyperparameters {
    return { ...super.hyperparameters(), mix_and_match_alpha: this.mm.alpha };
  }

  override summary(): TrainerSummary {
    return this.withComponentStats(super.summary());
  }

  // getState(), serializeState() and checkpoints hold every component, the critics and α_K (the
  // model state); snapshot() is the model's: the target component only, what export writes.

  private withComponentStats(s: TrainerSummary): TrainerSummary {
    const values = { ...s.values, ...this.mm.stats.drain() };
    values[mmTags.alpha] = this.mm.alpha;
    const decisions = this.mm.decisions;
    const total = decisions.reduce((a, b) => a + b, 0);
    if (total > 0) decisions.forEach((d, i) => (values[`${mmTags.decisions} ${componentTag(i)}`] = d / total));
    decisions.fill(0);
    return { ...s, values };
  }
}

/** --initialize-from: the source's weights and normalizers for critics and every component; optimizer moments kept. */
function takeMmWeights(own: unknown, source: unknown): unknown {
  const o = own as MmModelState;
  const s = source as MmModelState;
  if (o?.format !== "mlagents-ts/mm-state" || s?.format !== "mlagents-ts/mm-state") return source;
  const take = (mine: MmModelState["critics"], theirs: MmModelState["critics"]): MmModelState["critics"] => {
    const tensors = { ...mine.tensors };
    for (const [key, t] of Object.entries(theirs.tensors)) if (!key.startsWith("adam/")) tensors[key] = t;
    return { ...mine, tensors, normalizers: theirs.normalizers };
  };
  return { ...o, critics: take(o.critics, s.critics), components: o.components.map((c, i) => take(c, s.components[i] ?? c)) };
}
