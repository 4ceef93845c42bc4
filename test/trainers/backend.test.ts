import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { BackendUnavailableError, initBackend } from "../../src/trainers/backend.js";

describe("initBackend", () => {
  it("selects js and wasm on request and reports what it chose", async () => {
    expect((await initBackend("js")).name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    const w = await initBackend("wasm");
    expect(w.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
  });

  it("auto falls back past the missing native packages to wasm", async () => {
    expect((await initBackend("auto")).name).toBe("wasm");
  });

  it("cpu means mlagents-learn's 'no GPU': native TensorFlow when installed, else WebAssembly", async () => {
    expect((await initBackend("cpu")).name).toBe("wasm");
    await expect(initBackend("cuda:0")).rejects.toThrow(/@tensorflow\/tfjs-node-gpu/);
    await expect(initBackend("metal")).rejects.toThrow(/unknown backend "metal" \(expected auto, cpu, gpu,/);
  });

  it("an explicitly requested native backend that cannot load names the package to install", async () => {
    await expect(initBackend("tensorflow")).rejects.toThrow(/npm install @tensorflow\/tfjs-node\b/);
    await expect(initBackend("cuda")).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(initBackend("cuda")).rejects.toThrow(/@tensorflow\/tfjs-node-gpu \(or use --device gpu: WebGPU, no CUDA needed\)/);
  });
});
