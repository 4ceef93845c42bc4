import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { loadRunOptions, parseRunOptions } from "../../../src/config/run-options.js";
import { hybridPoint } from "../../../src/emulator/environments/hybrid-point.js";
import { ActionSpec, ObservationType, type BehaviorSpec } from "../../../src/env/behavior-spec.js";
import { macroActionTable, mapMacroActions } from "../../../src/trainers/mm/action-mapping.js";
import { checkMixAndMatchAgainstSpec } from "../../../src/trainers/mm/check-spec.js";

const spec = (actionSpec: ActionSpec, ...shapes: number[][]): BehaviorSpec => ({
  observationSpecs: shapes.map((shape, i) => ({ name: `obs${i}`, shape, dimensionProperties: shape.map(() => 1), observationType: ObservationType.DEFAULT })),
  actionSpec,
});
const settingsOf = (components: string) =>
  parseRunOptions(`behaviors:\n  B:\n    trainer_type: sac\n    mix_and_match:\n      components:\n${components}`, "mm.yaml").behaviors.get("B")!.mix_and_match!;
function errorOf(components: string, behavior: BehaviorSpec): string {
  try {
    checkMixAndMatchAgainstSpec(settingsOf(components), "B", behavior);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

const twoTilts = "        - macro_actions:\n          - {continuous: [1, 0]}\n          - {continuous: [0, -1]}\n        - {}\n";

describe("mix_and_match against the behavior spec", () => {
  it("accepts macro-actions that cover the target's action space", () => {
    expect(() => checkMixAndMatchAgainstSpec(settingsOf(twoTilts), "B", spec(ActionSpec.continuous(2), [8]))).not.toThrow();
    const hybrid = "        - macro_actions: [{continuous: [0.5], discrete: [2]}, {continuous: [-0.5], discrete: [0]}]\n          observations: [0, 7]\n        - {}\n";
    expect(() => checkMixAndMatchAgainstSpec(settingsOf(hybrid), "B", spec(new ActionSpec(1, [3]), [5], [3]))).not.toThrow();
  });

  it("refuses a mapping that does not cover the continuous actions, with file:line and key path", () => {
    expect(errorOf(twoTilts, spec(ActionSpec.continuous(3), [8]))).toBe(
      "mm.yaml:7: behaviors.B.mix_and_match.components[0].macro_actions[0].continuous: gives 2 continuous value(s) but the target acts with 3 (3 continuous); a macro-action must cover the target's whole action space",
    );
  });

  it("refuses a mapping without the target's discrete branches", () => {
    expect(errorOf(twoTilts, spec(new ActionSpec(2, [3]), [8]))).toBe(
      "mm.yaml:7: behaviors.B.mix_and_match.components[0].macro_actions[0]: gives 0 discrete value(s) but the target has 1 branch(es) (2 continuous + discrete branches [3]); a macro-action must cover the target's whole action space",
    );
  });

  it("refuses continuous values for a discrete target and discrete values outside a branch", () => {
    expect(errorOf(twoTilts, spec(ActionSpec.discrete(3), [8]))).toContain("components[0].macro_actions[0].continuous: gives 2 continuous value(s) but the target acts with 0");
    const outside = "        - macro_actions: [{discrete: [1]}, {discrete: [3]}]\n        - {}\n";
    expect(errorOf(outside, spec(ActionSpec.discrete(3), [8]))).toBe(
      "mm.yaml:6: behaviors.B.mix_and_match.components[0].macro_actions[1].discrete[0]: 3 is outside branch 0 of the target, which has 3 action(s) (0..2)",
    );
  });

  it("refuses observation indices the behavior does not have, and visual observations", () => {
    expect(errorOf("        - observations: [0, 8]\n        - {}\n", spec(ActionSpec.continuous(2), [5], [3]))).toBe(
      "mm.yaml:6: behaviors.B.mix_and_match.components[0].observations[1]: observation 8 does not exist: behavior B has 8 vector observation value(s) (indices 0..7)",
    );
    expect(errorOf("        - {}\n        - {}\n", spec(ActionSpec.continuous(2), [3, 36, 36]))).toContain("Mix & Match is implemented for vector observations only");
  });

  it("config/hybrid-mm.yaml names builtin:hybrid's behavior and its macro-actions set thrust, brake and claim", () => {
    const pointClaim = hybridPoint.behaviors[0]!;
    const mm = loadRunOptions("config/hybrid-mm.yaml").behaviors.get(pointClaim.name)?.mix_and_match;
    expect(mm).toBeDefined();
    const target = spec(pointClaim.actionSpec, ...pointClaim.sensors.map((s) => [...s.shape]));
    expect(() => checkMixAndMatchAgainstSpec(mm!, pointClaim.name, target)).not.toThrow();
    // The last macro-action: no thrust, hard brake (branch 0 = 2), claim (branch 1 = 1); the first: thrust +x, no brake, no claim.
    const mapped = mapMacroActions(macroActionTable(mm!.components[0]!.macro_actions!, pointClaim.actionSpec), Int32Array.from([9, 0]));
    expect([...mapped.continuous]).toEqual([0, 0, 1, 0]);
    expect([...mapped.discrete]).toEqual([2, 1, 0, 0]);
  });
});
