// The fast engine calls internals of @tensorflow/tfjs-backend-wasm (its heap, _malloc and the
// XNNPACK exports). These tests fail loudly when the pinned version changes or those internals move.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../../src/trainers/backend.js";
import { createGemm, missingWasmInternals } from "../../../src/trainers/sac/gemm.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };

beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(async () => {
  await initBackend("wasm");
});

describe("the wasm internals the fast engine uses", () => {
  it("tfjs-backend-wasm is pinned to one exact version, and that version is the one installed", () => {
    const pinned = pkg.dependencies["@tensorflow/tfjs-backend-wasm"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/); // no ^ or ~: a new version may move the internals
    expect(version_wasm).toBe(pinned);
  });

  it("every export the fast engine calls is present on the wasm backend", () => {
    expect(missingWasmInternals()).toEqual([]);
  });

  it("a product through the direct export equals an independent computation", () => {
    const g = createGemm();
    const [m, k, n] = [3, 4, 5];
    const a = g.alloc(m * k);
    const b = g.alloc(k * n);
    const bias = g.alloc(n);
    const out = g.alloc(m * n);
    a.view.set(Array.from({ length: m * k }, (_, i) => (i % 7) - 3));
    b.view.set(Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 4 - 1));
    bias.view.set([0.5, -1, 2, 0, 0.25]);
    g.matmul(a, b, out, m, k, n, bias);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let want = bias.view[c];
        for (let i = 0; i < k; i++) want += a.view[r * k + i] * b.view[i * n + c];
        expect(out.view[r * n + c]).toBeCloseTo(want, 5);
      }
    }
    expect(g.calls).toBe(1);
    for (const x of [a, b, bias, out]) g.free(x);
    g.dispose();
  });

  it("on another backend the fast engine's memory is refused with the reason", async () => {
    await initBackend("js");
    expect(missingWasmInternals()).toEqual(["the wasm backend (active: cpu)"]);
    expect(() => createGemm()).toThrow(/needs @tensorflow\/tfjs-backend-wasm internals that are missing: the wasm backend \(active: cpu\)/);
  });
});
