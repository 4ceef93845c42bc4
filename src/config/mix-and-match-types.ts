// The `mix_and_match:` section of a behavior (Mix & Match, Czarnecki et al. 2018, arXiv 1806.01780)
// as typed data. Components run from the simplest (index 0) to the target (last), which is the
// network Unity runs: it acts in the behavior's own action space and sees every observation.
// docs/mix-and-match.md explains each key and the equations.

import type { ConfigLocation } from "./errors.js";

/** One discrete action of a simple component, spelled out as a full action of the target. */
export interface MacroAction {
  /** One value per continuous action of the target, each in [-1, 1]. Empty when the target has none. */
  continuous: number[];
  /** One index per discrete branch of the target. Empty when the target has none. */
  discrete: number[];
}

export interface MixAndMatchComponent {
  /** Units per hidden layer of this component's actor. Default: the behavior's network_settings. */
  hidden_units: number;
  /** Hidden layers of this component's actor. Default: the behavior's network_settings. */
  num_layers: number;
  /**
   * Indices into the behavior's vector observations (concatenated in sensor order) that this
   * component sees; null: all of them. The target always sees all.
   */
  observations: number[] | null;
  /**
   * null: the component acts in the target's action space. Otherwise the component has one discrete
   * branch with one action per macro-action, each mapped to the target action it stands for.
   */
  macro_actions: MacroAction[] | null;
}

export interface MixAndMatchShared {
  /** One pair of twin critics over the target's action space, trained on the mixture's experience. Default true (the only implemented choice). */
  critics: boolean;
  /** One observation encoder for all components (only meaningful when they see the same observations). Default false. */
  encoder: boolean;
}

export interface MixAndMatchSettings {
  /** K >= 2 components, simplest first; the last is the target. */
  components: MixAndMatchComponent[];
  shared: MixAndMatchShared;
  /** λ: weight of the distillation term λ (1 − α_K) KL(π_i ‖ π_K). Default 1. */
  lambda: number;
  /** α: mixing weights, one per component, summing to 1. Default: all weight on the first component. */
  initial_alpha: number[];
  /** Step by which PBT's explore moves α_K (clipped to [0, 1]). Default 0.1. */
  alpha_step: number;
  /**
   * Where each key path of the section was written (file:line), for the checks against the
   * behavior spec that run when Unity connects. Plain data, so it survives copies of the settings;
   * not written back to configuration.yaml.
   */
  locations: Record<string, ConfigLocation>;
}

export const mixAndMatchDefaults = {
  lambda: 1,
  alpha_step: 0.1,
  shared: { critics: true, encoder: false },
} as const;

/** The file:line a key path of the section was read from, or its nearest written parent; {} when unknown. */
export function mixAndMatchLocation(settings: MixAndMatchSettings, keyPath: string): ConfigLocation {
  for (let p = keyPath; p !== ""; p = parentPath(p)) {
    const found = settings.locations[p];
    if (found !== undefined) return found;
  }
  return {};
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
  return cut < 0 ? "" : path.slice(0, cut);
}
