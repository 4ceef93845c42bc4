// Which trainer a behavior gets, chosen once from its settings: Mix & Match when it has a
// mix_and_match section (docs/mix-and-match.md), plain SAC otherwise. The run loop, export and
// PBT call this instead of naming a trainer class.

import { MixAndMatchUnsupportedError } from "./mm/errors.js";
import { MmTrainer } from "./mm/mm-trainer.js";
import { SacTrainer, type SacTrainerOptions, type SacTrainerState } from "./sac/sac-trainer.js";
import type { Trainer } from "./trainer.js";

export function createTrainer(options: SacTrainerOptions): Trainer<SacTrainerState> {
  if (options.settings.mix_and_match === undefined) return new SacTrainer(options);
  // Mix & Match trains on the tape engine in this thread; other model factories (the WebGPU workers) do not know it.
  if (options.deps !== undefined) throw new MixAndMatchUnsupportedError(options.behaviorName, "a model other than the tape engine (--device gpu)");
  if (options.settings.threaded && options.training !== false) {
    options.logger?.info(`Behavior ${options.behaviorName}: threaded: true is not used (Mix & Match trains on the tape engine, whose TensorFlow.js backend belongs to the trainer's thread); its updates run between environment steps.`);
  }
  return new MmTrainer(options);
}
