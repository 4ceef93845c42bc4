import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import type { MacroAction } from "../../../src/config/index.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { componentPolicy, softValue } from "../../../src/trainers/mm/component-policy.js";
import { MmComponent } from "../../../src/trainers/mm/mm-component.js";
import { maskTensorsData } from "../../../src/trainers/sac/categorical.js";
import { createCritics, criticForward, VarFactory } from "../../../src/trainers/sac/networks.js";
import { makeSpec, sacSettings } from "../sac/helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("a macro-action component's soft value against the shared critics", () => {
  it.each([
    ["continuous target", 2, [] as number[], [{ continuous: [1, -0.5], discrete: [] }, { continuous: [0, 0], discrete: [] }, { continuous: [-1, 0.25], discrete: [] }]],
    ["hybrid target", 1, [3], [{ continuous: [0.5], discrete: [2] }, { continuous: [-0.5], discrete: [0] }]],
  ] as [string, number, number[], MacroAction[]][])("%s: Σ_c p_c (min_j Q_j(s, m(c)) − α log p_c), each macro-action scored on its own", (_name, cont, branches, macros) => {
    const spec = makeSpec([[3]], cont, branches);
    const settings = sacSettings({ hidden: 8, layers: 1 });
    const comp = new MmComponent({ hidden_units: 8, num_layers: 1, observations: null, macro_actions: macros }, spec, 3, settings, 4);
    const layout = { obsShapes: [[3]], continuousSize: cont, branches, hiddenUnits: 8, numLayers: 1 };
    const factory = new VarFactory(`mm-test-critics-${cont}`, new Rng(2));
    const critics = createCritics(factory, layout, "critic", true);
    const n = 5;
    const s = tf.tensor2d(Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i)), [n, 3]);
    const N = macros.length;
    const { got, expected } = tf.tidy(() => {
      const m = maskTensorsData(null, n, N);
      const pi = componentPolicy(comp, s, n, null, { keep: m.keep, penalty: m.penalty }, false);
      const got = Array.from(softValue(comp, critics, [s], pi, n, false, branches.length).dataSync());
      const p = pi.probs!.arraySync() as number[][];
      const alpha = comp.common.alphaColumns()[0]!;
      const q = macros.map((macro) => {
        const action = cont > 0 ? tf.tensor2d(Array.from({ length: n }, () => macro.continuous)) : null;
        const minQ = tf.min(criticForward(critics, [s], action, { params: false, action: false }), 0).arraySync() as number[][];
        // One branch here: Q(s, a) is that branch's column of the taken action; without branches, the single output.
        return minQ.map((row) => (branches.length > 0 ? row[macro.discrete[0]!]! : row[0]!));
      });
      const expected = p.map((row, r) => row.reduce((acc, pc, c) => acc + pc * (q[c]![r]! - alpha * Math.log(pc)), 0));
      return { got, expected };
    });
    got.forEach((v, r) => expect(v).toBeCloseTo(expected[r]!, 4));
    s.dispose();
    comp.dispose();
    factory.vars.forEach((v) => v.dispose());
  });
});
