// The wasm elementwise kernels (Swish backward, Adam, Polyak) against their JavaScript loops, and
// the kept packed weights of Gemm.matmul: reused while the version stays, redone when it moves.
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import { adamStep, polyak, Scalars, swishBackward } from "../../../src/trainers/sac/elementwise.js";
import { createGemm, type Buf, type Gemm } from "../../../src/trainers/sac/gemm.js";

let gemm: Gemm;
let scalars: Scalars;
/** The same memory without the vectorized kernels: every helper takes its JavaScript loop. */
let jsGemm: Gemm;
const owned: Buf[] = [];

beforeAll(async () => {
  await initBackend("wasm");
  gemm = createGemm();
  expect(gemm.name).toBe("wasm-direct");
  expect(typeof gemm.binary).toBe("function");
  scalars = new Scalars(gemm);
  jsGemm = Object.assign(Object.create(Object.getPrototypeOf(gemm)), gemm, { binary: undefined, sqrt: undefined }) as Gemm;
});

afterAll(() => {
  owned.splice(0).forEach((b) => gemm.free(b));
  scalars.dispose();
  gemm.dispose();
});

function buf(values: ArrayLike<number>): Buf {
  const b = gemm.alloc(values.length);
  owned.push(b);
  b.view.set(values);
  return b;
}

const vec = (n: number) => fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });

function expectClose(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
}

describe("wasm elementwise kernels equal the JavaScript loops", () => {
  it("Swish backward: d * (y + s (1 - y))", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(vec(n), vec(n))), ([dz, z]) => {
        const n = z.length;
        const s = Float32Array.from(z, (x) => 1 / (1 + Math.exp(-x)));
        const y = Float32Array.from(z, (x, i) => x * s[i]);
        const [d1, d2] = [buf(dz), buf(dz)];
        swishBackward(gemm, d1, buf(y), buf(s), buf(new Float32Array(n)), n);
        swishBackward(jsGemm, d2, buf(y), buf(s), buf(new Float32Array(n)), n);
        gemm.sync();
        expectClose(d1.view, d2.view, 1e-5);
        // and against the definition swish'(z) = s + z s (1 - s)
        d1.view.forEach((v, i) => expect(Math.abs(v - dz[i] * (s[i] + z[i] * s[i] * (1 - s[i])))).toBeLessThan(1e-4 * (1 + Math.abs(v))));
      }),
      { numRuns: 30 },
    );
  });

  it("Adam over several steps (moments and parameters) and Polyak averaging", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(vec(n), vec(n), vec(n))), fc.double({ min: 1e-4, max: 0.1, noNaN: true }), ([p0, g0, t0], lr) => {
        const n = p0.length;
        const mk = () => ({ params: buf(p0), grads: buf(g0), m: buf(new Float32Array(n)), v: buf(new Float32Array(n)), tmp: buf(new Float32Array(n)) });
        const [a, b] = [mk(), mk()];
        for (let t = 1; t <= 3; t++) {
          adamStep(gemm, scalars, a, t, lr);
          adamStep(jsGemm, scalars, b, t, lr);
          a.grads.view.forEach((x, i) => (a.grads.view[i] = b.grads.view[i] = x * -0.7 + 0.1));
        }
        gemm.sync();
        expectClose(a.m.view, b.m.view, 1e-5);
        expectClose(a.v.view, b.v.view, 1e-5);
        // each step moves a parameter by at most ~lr; compare the movement
        a.params.view.forEach((x, i) => expect(Math.abs(x - b.params.view[i])).toBeLessThan(1e-4 * lr + 1e-6 * (1 + Math.abs(x))));
        expect(a.params.view.some((x, i) => x !== p0[i] || g0[i] === 0)).toBe(true);
        const [ta, tb] = [buf(t0), buf(t0)];
        polyak(gemm, scalars, ta, a.params, a.tmp, 0.05);
        polyak(jsGemm, scalars, tb, a.params, b.tmp, 0.05);
        gemm.sync();
        expectClose(ta.view, tb.view, 1e-6);
      }),
      { numRuns: 25 },
    );
  });
});

describe("Gemm.matmul with a pack key", () => {
  it("keeps the packed weights while the version stays and repacks when it moves", () => {
    const [m, k, n] = [3, 4, 5];
    const a = buf(Float32Array.from({ length: m * k }, (_, i) => (i % 7) - 3));
    const w = buf(Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 4 - 1));
    const bias = buf(Float32Array.from({ length: n }, (_, i) => i / 2));
    const out = buf(new Float32Array(m * n));
    const key = {};
    const reference = (): Float32Array => {
      const r = new Float32Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = bias.view[j];
        for (let q = 0; q < k; q++) s += a.view[i * k + q] * w.view[q * n + j];
        r[i * n + j] = s;
      }
      return r;
    };
    gemm.matmul(a, w, out, m, k, n, bias, { key, version: 1 });
    expectClose(out.view, reference(), 1e-6);
    const before = reference();
    w.view[0] += 10; // changed without a new version: the kept (packed) weights are used
    gemm.matmul(a, w, out, m, k, n, bias, { key, version: 1 });
    expectClose(out.view, before, 1e-6);
    gemm.matmul(a, w, out, m, k, n, bias, { key, version: 2 });
    expectClose(out.view, reference(), 1e-6);
    expect(reference()[0]).not.toBeCloseTo(before[0], 2);
    gemm.matmul(a, w, out, m, k, n, bias); // no key: always the current weights
    expectClose(out.view, reference(), 1e-6);
  });
});
