import { describe, expect, it } from "vitest";
import { mixAndMatchLocation } from "../../src/config/mix-and-match-settings.js";
import { loadRunOptions, parseRunOptions } from "../../src/config/run-options.js";
import { runOptionsToYaml } from "../../src/config/serialize.js";
import { configError } from "./helpers.js";

const file = "mm.yaml";
/** A 3DBall behavior (hidden_units 64, num_layers 2) with a mix_and_match body indented by 6. */
const withMm = (body: string): string =>
  `behaviors:\n  3DBall:\n    trainer_type: sac\n    network_settings:\n      hidden_units: 64\n      num_layers: 2\n    mix_and_match:\n${body}`;
const parse = (body: string) => parseRunOptions(withMm(body), file).behaviors.get("3DBall")!.mix_and_match!;
const errorOf = (body: string) => configError(() => parseRunOptions(withMm(body), file));

/** The 3DBall example of docs/mix-and-match.md: 9 macro-actions (tilt -1/0/+1 on each axis) for the 2 continuous actions. */
const nineTilts = [-1, 0, 1].flatMap((x) => [-1, 0, 1].map((z) => `          - {continuous: [${x}, ${z}]}`)).join("\n");
const coarseTarget = `      lambda: 0.5
      initial_alpha: [0.8, 0.2]
      alpha_step: 0.05
      components:
        - network_settings: {hidden_units: 16, num_layers: 1}
          observations: [0, 1, 2, 3]
          macro_actions:
${nineTilts}
        - {}
`;

describe("mix_and_match: section", () => {
  it("is absent unless written", () => {
    expect(parseRunOptions("behaviors:\n  3DBall:\n    trainer_type: sac\n").behaviors.get("3DBall")!.mix_and_match).toBeUndefined();
  });

  it("reads components simplest first, the target taking the behavior's network", () => {
    const s = parse(coarseTarget);
    expect(s.lambda).toBe(0.5);
    expect(s.initial_alpha).toEqual([0.8, 0.2]);
    expect(s.alpha_step).toBe(0.05);
    expect(s.shared).toEqual({ critics: true, encoder: false });
    expect(s.components).toHaveLength(2);
    expect(s.components[0]).toMatchObject({ hidden_units: 16, num_layers: 1, observations: [0, 1, 2, 3] });
    expect(s.components[0]!.macro_actions).toHaveLength(9);
    expect(s.components[0]!.macro_actions![5]).toEqual({ continuous: [0, 1], discrete: [] });
    expect(s.components[1]).toEqual({ hidden_units: 64, num_layers: 2, observations: null, macro_actions: null });
  });

  it("defaults: λ 1, α all on the first component, step 0.1; a scalar α is the target's", () => {
    const s = parse("      components: [{network_settings: {hidden_units: 8}}, {}, {}]\n");
    expect(s).toMatchObject({ lambda: 1, initial_alpha: [1, 0, 0], alpha_step: 0.1 });
    expect(s.components[0]).toMatchObject({ hidden_units: 8, num_layers: 2 });
    const scalar = parse("      initial_alpha: 0.4\n      components: [{}, {}, {}]\n");
    expect(scalar.initial_alpha[2]).toBe(0.4);
    expect(scalar.initial_alpha[0]).toBeCloseTo(0.3, 12);
    expect(scalar.initial_alpha[1]).toBeCloseTo(0.3, 12);
  });

  it("reads macro-actions with discrete values (hybrid targets)", () => {
    const s = parse("      components:\n        - macro_actions:\n          - {continuous: [0.5], discrete: [0, 1]}\n          - {continuous: [-0.5], discrete: [2, 0]}\n        - {}\n");
    expect(s.components[0]!.macro_actions).toEqual([
      { continuous: [0.5], discrete: [0, 1] },
      { continuous: [-0.5], discrete: [2, 0] },
    ]);
  });

  it("round-trips through configuration.yaml (every key but the source locations, which name the file read)", () => {
    const options = parseRunOptions(withMm(coarseTarget), file);
    const back = parseRunOptions(runOptionsToYaml(options));
    const { locations: written, ...mm } = options.behaviors.get("3DBall")!.mix_and_match!;
    const { locations: reread, ...mmBack } = back.behaviors.get("3DBall")!.mix_and_match!;
    expect(mmBack).toEqual(mm);
    expect(Object.keys(reread).length).toBeGreaterThan(0);
    expect(Object.keys(written).length).toBeGreaterThan(0);
    const strip = (o: typeof options) => [...o.behaviors.values()].map(({ mix_and_match: _mm, ...rest }) => rest);
    expect(strip(back)).toEqual(strip(options));
  });

  it("keeps the source locations through copies of the settings (the CLI overrides clone them)", () => {
    const s = structuredClone(parse(coarseTarget));
    expect(mixAndMatchLocation(s, "behaviors.3DBall.mix_and_match.components[0].observations[2]")).toEqual({ fileName: file, line: 13 });
  });

  it("remembers file:line of each key path for checks against the behavior spec", () => {
    const s = parse(coarseTarget);
    const path = "behaviors.3DBall.mix_and_match.components[0].macro_actions[4].continuous[1]";
    expect(mixAndMatchLocation(s, path)).toEqual({ fileName: file, line: 19 });
    expect(mixAndMatchLocation(s, "behaviors.3DBall.mix_and_match.components[0].observations[2]")).toEqual({ fileName: file, line: 13 });
    // A path that was not written (the target's observations) falls back to its nearest parent.
    expect(mixAndMatchLocation(s, "behaviors.3DBall.mix_and_match.components[1].observations")).toEqual({ fileName: file, line: 24 });
  });

  const errors: [string, string, string][] = [
    ["K < 2", "      components:\n        - {}\n", "mm.yaml:8: behaviors.3DBall.mix_and_match.components: Mix & Match needs K >= 2 components (simplest first, the target last), got 1"],
    ["no components", "      lambda: 1\n", 'mm.yaml:8: behaviors.3DBall.mix_and_match: missing required key "components"'],
    ["unknown key", "      lamda: 1\n      components: [{}, {}]\n", 'mm.yaml:8: unknown key "lamda" at behaviors.3DBall.mix_and_match (did you mean "lambda"?)'],
    [
      "macro-actions of different shapes",
      "      components:\n        - macro_actions:\n          - {continuous: [0.5, 1]}\n          - {continuous: [0.5]}\n        - {}\n",
      "mm.yaml:11: behaviors.3DBall.mix_and_match.components[0].macro_actions[1].continuous: has 1 value(s) but behaviors.3DBall.mix_and_match.components[0].macro_actions[0].continuous has 2",
    ],
    [
      "a macro-action without the discrete part the others give",
      "      components:\n        - macro_actions:\n          - {continuous: [0.5], discrete: [1]}\n          - {continuous: [0.5]}\n        - {}\n",
      "mm.yaml:11: behaviors.3DBall.mix_and_match.components[0].macro_actions[1].discrete: has 0 value(s)",
    ],
    [
      "a mapped value outside the target's range",
      "      components:\n        - macro_actions:\n          - {continuous: [1.5]}\n          - {continuous: [0]}\n        - {}\n",
      "mm.yaml:10: behaviors.3DBall.mix_and_match.components[0].macro_actions[0].continuous[0]: expected a number in [-1, 1], got 1.5",
    ],
    [
      "a negative discrete index",
      "      components:\n        - macro_actions:\n          - {discrete: [-1]}\n          - {discrete: [0]}\n        - {}\n",
      "mm.yaml:10: behaviors.3DBall.mix_and_match.components[0].macro_actions[0].discrete[0]: expected a non-negative integer, got -1",
    ],
    ["one macro-action", "      components:\n        - macro_actions: [{continuous: [0]}]\n        - {}\n", "components[0].macro_actions: expected a list of at least 2 macro-actions"],
    ["an empty macro-action", "      components:\n        - macro_actions: [{}, {continuous: [0]}]\n        - {}\n", "components[0].macro_actions[0]: a macro-action needs continuous and/or discrete values"],
    ["a mapping on the target", "      components:\n        - {}\n        - macro_actions: [{continuous: [0]}, {continuous: [1]}]\n", "mm.yaml:10: behaviors.3DBall.mix_and_match.components[1].macro_actions: the last component is the target"],
    ["an observation subset on the target", "      components:\n        - {}\n        - observations: [0]\n", "components[1].observations: the last component is the target, which sees every observation"],
    ["a network size on the target", "      components:\n        - {}\n        - network_settings: {hidden_units: 8}\n", "components[1].network_settings: the last component is the target, whose network is the behavior's network_settings"],
    ["an observation listed twice", "      components:\n        - observations: [0, 2, 0]\n        - {}\n", "components[0].observations[2]: observation 0 is listed twice"],
    ["a component network key other than size", "      components:\n        - network_settings: {normalize: true}\n        - {}\n", 'unknown key "normalize" at behaviors.3DBall.mix_and_match.components[0].network_settings'],
    ["α of the wrong length", "      initial_alpha: [1]\n      components: [{}, {}]\n", "mm.yaml:8: behaviors.3DBall.mix_and_match.initial_alpha: has 1 weight(s) but there are 2 components"],
    ["α not summing to 1", "      initial_alpha: [0.5, 0.6]\n      components: [{}, {}]\n", "initial_alpha: mixing weights must sum to 1, got 1.1"],
    ["α outside [0, 1]", "      initial_alpha: 1.5\n      components: [{}, {}]\n", "initial_alpha: expected a number in [0, 1], got 1.5"],
    ["a zero α step", "      alpha_step: 0\n      components: [{}, {}]\n", "alpha_step: expected a number in (0, 1], got 0"],
    ["a negative λ", "      lambda: -1\n      components: [{}, {}]\n", "lambda: expected a number >= 0, got -1"],
    ["unshared critics", "      shared: {critics: false}\n      components: [{}, {}]\n", "shared.critics: separate critics per component are not implemented"],
    [
      "a shared encoder over different observations",
      "      shared: {encoder: true}\n      components: [{observations: [0]}, {}]\n",
      "shared.encoder: an encoder can only be shared by components that see the same observations, but component 0 sees a subset",
    ],
  ];
  it.each(errors)("refuses %s with file:line and the key path", (_what, body, message) => {
    expect(errorOf(body).message).toContain(message);
  });

  it("is refused in default_settings (components are sized against one behavior)", () => {
    const e = configError(() => parseRunOptions("default_settings:\n  trainer_type: sac\n  mix_and_match:\n    components: [{}, {}]\n", file));
    expect(e.message).toBe("mm.yaml:3: default_settings.mix_and_match: mix_and_match is set per behavior (behaviors.<name>.mix_and_match), not in default_settings");
  });

  it.each([
    ["config/basic-mm.yaml", "config/basic.yaml", "Basic", 2],
    ["config/3dball-mm.yaml", "config/3dball.yaml", "3DBall", 9],
  ])("%s is %s's behavior plus a mix_and_match section", (mmFile, plainFile, behavior, macros) => {
    const { mix_and_match: mm, ...rest } = loadRunOptions(mmFile).behaviors.get(behavior)!;
    expect(rest).toEqual(loadRunOptions(plainFile).behaviors.get(behavior));
    expect(mm!.components).toHaveLength(2);
    expect(mm!.components[0]!.macro_actions).toHaveLength(macros);
    expect(mm!.components[1]).toMatchObject({ observations: null, macro_actions: null });
  });
});
