// The checks of a mix_and_match section that need the behavior spec, known only when Unity connects:
// every macro-action must give a full action of the target (one value per continuous action and per
// branch, each inside the branch), observation indices must exist. Errors are ConfigErrors in the
// style of the YAML's, naming file:line (kept by the parser) and the key path.

import { ConfigError, mixAndMatchLocation, type MixAndMatchSettings } from "../../config/index.js";
import { observationSize, type BehaviorSpec } from "../../env/behavior-spec.js";

/** Throws the first mismatch between `settings` (of behaviors.<behaviorName>.mix_and_match) and `spec`. */
export function checkMixAndMatchAgainstSpec(settings: MixAndMatchSettings, behaviorName: string, spec: BehaviorSpec): void {
  const base = `behaviors.${behaviorName}.mix_and_match`;
  const fail = (path: string, problem: string): never => {
    throw new ConfigError(path, `${path}: ${problem}`, mixAndMatchLocation(settings, path));
  };
  const visual = spec.observationSpecs.findIndex((o) => o.shape.length !== 1);
  if (visual >= 0) {
    fail(base, `Mix & Match is implemented for vector observations only; behavior ${behaviorName} has a rank-${spec.observationSpecs[visual]!.shape.length} observation (${visual})`);
  }
  const vectorSize = spec.observationSpecs.reduce((n, o) => n + observationSize(o), 0);
  const action = spec.actionSpec;
  settings.components.forEach((component, i) => {
    const path = `${base}.components[${i}]`;
    component.observations?.forEach((index, j) => {
      if (index >= vectorSize) fail(`${path}.observations[${j}]`, `observation ${index} does not exist: behavior ${behaviorName} has ${vectorSize} vector observation value(s) (indices 0..${vectorSize - 1})`);
    });
    component.macro_actions?.forEach((macro, m) => {
      const macroPath = `${path}.macro_actions[${m}]`;
      if (macro.continuous.length !== action.continuousSize) {
        const p = macro.continuous.length === 0 ? macroPath : `${macroPath}.continuous`;
        fail(p, `gives ${macro.continuous.length} continuous value(s) but the target acts with ${action.continuousSize} (${action}); a macro-action must cover the target's whole action space`);
      }
      if (macro.discrete.length !== action.discreteSize) {
        const p = macro.discrete.length === 0 ? macroPath : `${macroPath}.discrete`;
        fail(p, `gives ${macro.discrete.length} discrete value(s) but the target has ${action.discreteSize} branch(es) (${action}); a macro-action must cover the target's whole action space`);
      }
      macro.discrete.forEach((value, b) => {
        const size = action.discreteBranches[b]!;
        if (value >= size) fail(`${macroPath}.discrete[${b}]`, `${value} is outside branch ${b} of the target, which has ${size} action(s) (0..${size - 1})`);
      });
    });
  });
}
