import { describe, expect, it } from "vitest";
import { ActionSpec } from "../../../src/env/behavior-spec.js";
import { macroActionMask, macroActionTable, macroActionTargets, mapMacroActions, selectObservations } from "../../../src/trainers/mm/action-mapping.js";

const hybrid = new ActionSpec(2, [3, 2]);
const macros = [
  { continuous: [1, -0.5], discrete: [0, 1] },
  { continuous: [0, 0], discrete: [2, 0] },
  { continuous: [-1, 0.25], discrete: [1, 1] },
];

describe("macro-action mapping", () => {
  const table = macroActionTable(macros, hybrid);

  it("maps each chosen macro-action to the full target action it stands for", () => {
    const mapped = mapMacroActions(table, Int32Array.from([2, 0, 1, 2]));
    expect([...mapped.continuous]).toEqual([-1, 0.25, 1, -0.5, 0, 0, -1, 0.25]);
    expect([...mapped.discrete]).toEqual([1, 1, 0, 1, 2, 0, 1, 1]);
    expect(() => mapMacroActions(table, Int32Array.from([3]))).toThrow(RangeError);
  });

  it("masks a macro-action where any target action it stands for is masked, and flags rows with none left", () => {
    // target mask [rows × (3 + 2)]; row 0: branch0 action 2 masked; row 1: branch1 action 1 and branch0 action 2 masked
    const targetMask = Uint8Array.from([0, 0, 1, 0, 0, /* row 1 */ 0, 0, 1, 0, 1, /* row 2 */ 0, 0, 0, 0, 0]);
    const { mask, empty } = macroActionMask(table, targetMask, 3);
    expect([...mask]).toEqual([0, 1, 0, /* row 1 */ 1, 1, 1, /* row 2 */ 0, 0, 0]);
    expect([...empty]).toEqual([0, 1, 0]);
    expect([...macroActionMask(table, null, 2).mask]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("gives the pre-squash targets (clipped off ±1) and the one-hot of the discrete values", () => {
    const { u, oneHot } = macroActionTargets(table);
    expect(u[0]).toBeCloseTo(Math.atanh(0.995), 6);
    expect(u[1]).toBeCloseTo(Math.atanh(-0.5), 6);
    expect(u[4]).toBeCloseTo(Math.atanh(-0.995), 6);
    expect([...oneHot]).toEqual([1, 0, 0, 0, 1, /**/ 0, 0, 1, 1, 0, /**/ 0, 1, 0, 0, 1]);
  });
});

describe("observation subsets", () => {
  it("keeps the listed columns in the listed order", () => {
    const obs = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
    expect([...selectObservations(obs, 2, 4, [3, 0])]).toEqual([3, 0, 13, 10]);
  });
});
