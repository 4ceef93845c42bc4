// Parses behaviors.<name>.mix_and_match (docs/mix-and-match.md) into MixAndMatchSettings with the
// strict checks of the rest of the YAML: unknown keys, wrong types, K < 2, macro-actions of
// different shapes or outside the target's range, α that is not a distribution are ConfigErrors
// naming file:line and the key path. Checks that need the behavior spec (how many continuous
// actions and branches, how many observations) run at trainer creation (src/trainers/mm/check-spec.ts)
// with the same locations, kept in the settings' `locations`.

import { ConfigError, joinPath, typeError, type ConfigLocation } from "./errors.js";
import {
  mixAndMatchDefaults,
  type MacroAction,
  type MixAndMatchComponent,
  type MixAndMatchSettings,
  type MixAndMatchShared,
} from "./mix-and-match-types.js";
import { isNull, plain, type SchemaReader } from "./schema-reader.js";
import type { NetworkSettings } from "./trainer-settings.js";
import type { YEntry, YNode } from "./yaml-source.js";

export * from "./mix-and-match-types.js";

const sectionKeys = ["components", "shared", "lambda", "initial_alpha", "alpha_step"] as const;
const componentKeys = ["network_settings", "observations", "macro_actions"] as const;
const componentNetworkKeys = ["hidden_units", "num_layers"] as const;
const sharedKeys = ["critics", "encoder"] as const;
const macroActionKeys = ["continuous", "discrete"] as const;
/** Tolerance of the check that α sums to 1 (YAML decimals such as 0.1 + 0.2 are not exact). */
const alphaSumTolerance = 1e-6;

/** Reads the section; `network` is the behavior's own network_settings (the target's, and the components' default). */
export function parseMixAndMatchSettings(node: YNode, path: string, network: NetworkSettings, r: SchemaReader): MixAndMatchSettings {
  const locations: Record<string, ConfigLocation> = {};
  const mark = (p: string, n: YNode | undefined, fallbackLine?: number): void => {
    locations[p] = r.at(n?.line ?? fallbackLine);
  };
  mark(path, node);
  const entries = r.map(node, path, sectionKeys);
  const get = (key: string): [YNode, string] | undefined => {
    const e = entries.get(key);
    if (e === undefined || isNull(e.value)) return undefined;
    // The key's own line: for a block list or map the value starts on the next line.
    locations[joinPath(path, key)] = r.at(e.keyLine ?? e.value.line);
    return [e.value, joinPath(path, key)];
  };

  const componentsEntry = get("components");
  if (componentsEntry === undefined) {
    throw new ConfigError(joinPath(path, "components"), `${path}: missing required key "components" (K >= 2 components, simplest first, the target last)`, r.at(node.line));
  }
  const [listNode, listPath] = componentsEntry;
  const mixLoc = (p: string): ConfigLocation => locations[p] ?? r.at(listNode.line);
  if (listNode.kind !== "seq") throw typeError(listPath, "a list of components", plain(listNode), r.at(listNode.line));
  if (listNode.items.length < 2) {
    throw new ConfigError(listPath, `${listPath}: Mix & Match needs K >= 2 components (simplest first, the target last), got ${listNode.items.length}`, mixLoc(listPath));
  }
  const last = listNode.items.length - 1;
  const components = listNode.items.map((item, i) => parseComponent(item, joinPath(listPath, i), i === last, network, r, mark));

  let x;
  const shared = (x = get("shared")) ? parseShared(...x, components, r) : { ...mixAndMatchDefaults.shared };
  const k = components.length;
  const settings: MixAndMatchSettings = {
    components,
    shared,
    lambda: (x = get("lambda")) ? r.number(...x, { min: 0 }) : mixAndMatchDefaults.lambda,
    initial_alpha: (x = get("initial_alpha")) ? parseAlpha(...x, k, r) : Array.from({ length: k }, (_, i) => (i === 0 ? 1 : 0)),
    alpha_step: (x = get("alpha_step")) ? r.number(...x, { min: 0, max: 1, minExclusive: true }) : mixAndMatchDefaults.alpha_step,
    locations,
  };
  return settings;
}

type Mark = (path: string, node: YNode | undefined, fallbackLine?: number) => void;

function parseComponent(node: YNode, path: string, isTarget: boolean, network: NetworkSettings, r: SchemaReader, mark: Mark): MixAndMatchComponent {
  mark(path, node);
  // `- {}` or a bare `-` is a component with every default (typical for the target).
  const entries = isNull(node) ? new Map<string, YEntry>() : r.map(node, path, componentKeys);
  const get = (key: string): [YNode, string] | undefined => {
    const e = entries.get(key);
    if (e === undefined || isNull(e.value)) return undefined;
    mark(joinPath(path, key), { kind: "scalar", value: null, line: e.keyLine ?? e.value.line });
    return [e.value, joinPath(path, key)];
  };
  const refuseOnTarget = (key: string, why: string): void => {
    const e = entries.get(key);
    if (isTarget && e !== undefined && !isNull(e.value)) {
      const p = joinPath(path, key);
      throw new ConfigError(p, `${p}: the last component is the target, ${why}`, r.at(e.keyLine ?? e.value.line));
    }
  };
  refuseOnTarget("network_settings", `whose network is the behavior's network_settings (the network Unity runs); set its size there`);
  refuseOnTarget("observations", "which sees every observation (the exported model takes them all)");
  refuseOnTarget("macro_actions", "which acts in the behavior's own action space");

  const component: MixAndMatchComponent = {
    hidden_units: network.hidden_units,
    num_layers: network.num_layers,
    observations: null,
    macro_actions: null,
  };
  let x;
  if ((x = get("network_settings"))) {
    const [netNode, netPath] = x;
    const net = r.map(netNode, netPath, componentNetworkKeys);
    const hidden = net.get("hidden_units");
    if (hidden !== undefined) component.hidden_units = r.int(hidden.value, joinPath(netPath, "hidden_units"), { min: 1 });
    const layers = net.get("num_layers");
    if (layers !== undefined) component.num_layers = r.int(layers.value, joinPath(netPath, "num_layers"), { min: 1 });
  }
  if ((x = get("observations"))) component.observations = parseObservationIndices(...x, r, mark);
  if ((x = get("macro_actions"))) component.macro_actions = parseMacroActions(...x, r, mark);
  return component;
}

function parseObservationIndices(node: YNode, path: string, r: SchemaReader, mark: Mark): number[] {
  if (node.kind !== "seq" || node.items.length === 0) throw typeError(path, "a non-empty list of observation indices", plain(node), r.at(node.line));
  const indices = node.items.map((item, i) => {
    mark(joinPath(path, i), item);
    return r.int(item, joinPath(path, i), { min: 0 });
  });
  const seen = new Set<number>();
  indices.forEach((index, i) => {
    if (seen.has(index)) throw new ConfigError(joinPath(path, i), `${joinPath(path, i)}: observation ${index} is listed twice`, r.at(node.items[i]!.line));
    seen.add(index);
  });
  return indices;
}

function parseMacroActions(node: YNode, path: string, r: SchemaReader, mark: Mark): MacroAction[] {
  if (node.kind !== "seq" || node.items.length < 2) {
    throw typeError(path, "a list of at least 2 macro-actions ({continuous: [...], discrete: [...]})", node.kind === "seq" ? `${node.items.length} item(s)` : plain(node), r.at(node.line));
  }
  const actions = node.items.map((item, i) => parseMacroAction(item, joinPath(path, i), r, mark));
  // Every macro-action spells out the same target action shape; the first one sets it.
  const first = actions[0]!;
  actions.forEach((action, i) => {
    for (const part of macroActionKeys) {
      if (action[part].length !== first[part].length) {
        const p = joinPath(joinPath(path, i), part);
        throw new ConfigError(
          p,
          `${p}: has ${action[part].length} value(s) but ${joinPath(joinPath(path, 0), part)} has ${first[part].length}; every macro-action gives one full action of the target`,
          r.at(node.items[i]!.line),
        );
      }
    }
  });
  return actions;
}

function parseMacroAction(node: YNode, path: string, r: SchemaReader, mark: Mark): MacroAction {
  mark(path, node);
  const entries = r.map(node, path, macroActionKeys);
  if (entries.size === 0) throw new ConfigError(path, `${path}: a macro-action needs continuous and/or discrete values of the target action`, r.at(node.line));
  const list = (key: "continuous" | "discrete"): number[] => {
    const e = entries.get(key);
    if (e === undefined) return [];
    const p = joinPath(path, key);
    mark(p, e.value, e.keyLine);
    if (e.value.kind !== "seq" || e.value.items.length === 0) throw typeError(p, `a non-empty list of ${key} action values`, plain(e.value), r.at(e.value.line ?? e.keyLine));
    return e.value.items.map((item, i) => {
      const itemPath = joinPath(p, i);
      mark(itemPath, item);
      // Continuous actions of ML-Agents live in [-1, 1] (the squashed policy's range, what Unity clips to).
      return key === "continuous" ? r.number(item, itemPath, { min: -1, max: 1 }) : r.int(item, itemPath, { min: 0 });
    });
  };
  return { continuous: list("continuous"), discrete: list("discrete") };
}

function parseShared(node: YNode, path: string, components: MixAndMatchComponent[], r: SchemaReader): MixAndMatchShared {
  const entries = r.map(node, path, sharedKeys);
  const shared: MixAndMatchShared = { ...mixAndMatchDefaults.shared };
  const critics = entries.get("critics");
  if (critics !== undefined) {
    shared.critics = r.bool(critics.value, joinPath(path, "critics"));
    if (!shared.critics) {
      const p = joinPath(path, "critics");
      throw new ConfigError(
        p,
        `${p}: separate critics per component are not implemented by mlagents-ts; the components share one pair of critics over the target's action space (critics: true)`,
        r.at(critics.value.line),
      );
    }
  }
  const encoder = entries.get("encoder");
  if (encoder !== undefined) {
    shared.encoder = r.bool(encoder.value, joinPath(path, "encoder"));
    const p = joinPath(path, "encoder");
    const subset = components.findIndex((c) => c.observations !== null);
    if (shared.encoder && subset >= 0) {
      throw new ConfigError(p, `${p}: an encoder can only be shared by components that see the same observations, but component ${subset} sees a subset`, r.at(encoder.value.line));
    }
    if (shared.encoder) {
      throw new ConfigError(p, `${p}: a shared observation encoder is not implemented by mlagents-ts; each component has its own actor network (encoder: false)`, r.at(encoder.value.line));
    }
  }
  return shared;
}

/** A list of K weights in [0, 1] summing to 1, or one number: α_K, the rest split evenly over the simpler components. */
function parseAlpha(node: YNode, path: string, k: number, r: SchemaReader): number[] {
  if (node.kind === "scalar") {
    const target = r.number(node, path, { min: 0, max: 1 });
    return Array.from({ length: k }, (_, i) => (i === k - 1 ? target : (1 - target) / (k - 1)));
  }
  if (node.kind !== "seq") throw typeError(path, `a list of ${k} mixing weights or one number (α of the target)`, plain(node), r.at(node.line));
  if (node.items.length !== k) {
    throw new ConfigError(path, `${path}: has ${node.items.length} weight(s) but there are ${k} components`, r.at(node.line));
  }
  const alpha = node.items.map((item, i) => r.number(item, joinPath(path, i), { min: 0, max: 1 }));
  const sum = alpha.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > alphaSumTolerance) throw new ConfigError(path, `${path}: mixing weights must sum to 1, got ${sum}`, r.at(node.line));
  return alpha;
}

/** MixAndMatchSettings in the YAML shape parseMixAndMatchSettings reads (for configuration.yaml). */
export function mixAndMatchSettingsToPlain(s: MixAndMatchSettings): Record<string, unknown> {
  return {
    components: s.components.map((c, i) => {
      const out: Record<string, unknown> = {};
      if (i < s.components.length - 1) out.network_settings = { hidden_units: c.hidden_units, num_layers: c.num_layers };
      if (c.observations !== null) out.observations = [...c.observations];
      if (c.macro_actions !== null) {
        out.macro_actions = c.macro_actions.map((m) => {
          const action: Record<string, unknown> = {};
          if (m.continuous.length > 0) action.continuous = [...m.continuous];
          if (m.discrete.length > 0) action.discrete = [...m.discrete];
          return action;
        });
      }
      return out;
    }),
    shared: { ...s.shared },
    lambda: s.lambda,
    initial_alpha: [...s.initial_alpha],
    alpha_step: s.alpha_step,
  };
}
