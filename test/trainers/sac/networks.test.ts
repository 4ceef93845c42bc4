import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { encodeVisualGroup, encodeVisualSeparately, VarFactory } from "../../../src/trainers/sac/networks.js";
import { floats } from "./helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("encodeVisualGroup: encoders sharing one input run their first convolutions as one", () => {
  for (const count of [2, 3]) {
    it(`${count} encoders: same encodings and the same gradient for every variable as separate encoders`, () => {
      const f = new VarFactory("grouptest", new Rng(5));
      const shape = [3, 24, 28];
      const encoders = Array.from({ length: count }, (_, g) => f.visual(`enc${g}`, shape, 8));
      const vars = [...f.vars.values()];
      const x = tf.tensor4d(floats(4 * 24 * 28 * 3, 31), [4, 24, 28, 3]);
      // A different weighting per encoder, so a gradient leaking from one encoder's loss into another shows.
      const weights = encoders.map((_, g) => tf.tensor2d(floats(4 * 8, 40 + g), [4, 8]));
      const loss = (encode: typeof encodeVisualGroup) => () =>
        encode(encoders, x, true)
          .map((e, g) => tf.sum(tf.mul(tf.square(e), weights[g])))
          .reduce((a, b) => tf.add(a, b)) as tf.Scalar;
      const grouped = tf.variableGrads(loss(encodeVisualGroup), vars);
      const separate = tf.variableGrads(loss(encodeVisualSeparately), vars);
      expect(Math.abs(grouped.value.dataSync()[0] - separate.value.dataSync()[0])).toBeLessThan(1e-4 * Math.abs(separate.value.dataSync()[0]));
      for (const v of vars) {
        const a = grouped.grads[v.name].dataSync();
        const b = separate.grads[v.name].dataSync();
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(scale).toBeGreaterThan(0);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * scale);
      }
      const values = tf.tidy(() => encodeVisualGroup(encoders, x, false).map((e, g) => tf.max(tf.abs(tf.sub(e, encodeVisualSeparately(encoders, x, false)[g]))).dataSync()[0]));
      values.forEach((d) => expect(d).toBeLessThan(1e-5));
      tf.dispose([x, ...weights, grouped.value, separate.value, ...Object.values(grouped.grads), ...Object.values(separate.grads)]);
      vars.forEach((v) => v.dispose());
    });
  }
});
