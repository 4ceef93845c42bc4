import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { packFlat, readNow, readWhenReady, unpackFlat } from "../../../src/trainers/sac/device-result.js";
import { initBackend } from "../../../src/trainers/backend.js";

await initBackend("wasm");

describe("device results", () => {
  it("read at once or awaited: the same values reach finish, and the output is disposed", async () => {
    const before = tf.memory().numTensors;
    const make = () => ({ output: tf.tensor1d([1, 2, 3]), finish: (v: Float32Array) => Array.from(v).reduce((a, b) => a * 10 + b, 0) });
    expect(readNow(make())).toBe(123);
    expect(await readWhenReady(make())).toBe(123);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("disposes the output when finish throws", () => {
    const before = tf.memory().numTensors;
    expect(() => readNow({ output: tf.scalar(1), finish: () => { throw new Error("bad"); } })).toThrow("bad");
    expect(tf.memory().numTensors).toBe(before);
  });

  it("packs tensors into one vector and unpacks copies by key, with their shapes", () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor1d([7, 8]);
    const flat = packFlat([a, b]);
    const values = flat.dataSync() as Float32Array;
    const out = unpackFlat([["a", a], ["b", b]], values);
    expect(out.a).toEqual({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(out.b).toEqual({ shape: [2], data: Float32Array.from([7, 8]) });
    values[0] = 99;
    expect(out.a!.data[0]).toBe(1);
    expect(() => unpackFlat([["a", a]], values)).toThrow(/read 8 values for tensors of 6/);
    tf.dispose([a, b, flat]);
  });
});
