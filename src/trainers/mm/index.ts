// Public surface of Mix & Match (Czarnecki et al. 2018, arXiv 1806.01780): the trainer, its model,
// and the pure pieces (divergences, mixing, action mapping) PBT and tests use.

export { checkMixAndMatchAgainstSpec } from "./check-spec.js";
export { MixAndMatchUnsupportedError } from "./errors.js";
export { macroActionCrossEntropy, macroActionLogLikelihood, maskedCategoricalKl, squashedGaussianKl, MACRO_ACTION_EDGE } from "./kl.js";
export { distillationWeight, exploreAlpha, mixingWeights, sampleComponents } from "./mixture.js";
export { macroActionMask, macroActionTable, macroActionTargets, mapMacroActions, selectObservations, type MacroActionTable } from "./action-mapping.js";
export { componentTag, MmTapeModel, mmTags, type ComponentLosses, type MmModelState } from "./mm-model.js";
export { MmTrainer, type MmHyperparameters } from "./mm-trainer.js";
