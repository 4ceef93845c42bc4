import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportActorToOnnx } from "../../src/export/export-actor.js";
import { OnnxPolicy } from "../../src/export/onnx-policy.js";
import { randomActorSnapshot, rng, uniform } from "./helpers/random-snapshot.js";
import { toAllowed } from "./helpers/cases.js";
import { referenceForward } from "./helpers/reference-forward.js";

// One observation row repeated N times: every row is an independent draw from the same policy, so
// sample statistics must match the reference distribution (bounds are 5 standard errors).
const N = 4000;
const shapes = [[3, 20, 20], [5]];
const branchSizes = [3, 4];
const snapshot = randomActorSnapshot({
  seed: 77,
  observationShapes: shapes,
  normalize: true,
  continuousSize: 3,
  branchSizes,
  headScale: 0.5,
  discreteHeadScale: 12,
  hiddenUnits: 16,
});

function repeatRow(row: Float32Array, n: number): Float32Array {
  const out = new Float32Array(row.length * n);
  for (let a = 0; a < n; a++) out.set(row, a * row.length);
  return out;
}

const r = rng(5);
const rows = shapes.map((s) => uniform(r, s.reduce((a, b) => a * b, 1), -1, 1));
const obs = rows.map((row) => repeatRow(row, N));
// Wire convention (1 = masked): branch 0 masks action 1, branch 1 masks action 0.
const maskRow = [Uint8Array.from([0, 1, 0]), Uint8Array.from([1, 0, 0, 0])];
const masks = maskRow.map((m) => Uint8Array.from(repeatRow(Float32Array.from(m), N)));

let policy: OnnxPolicy;
beforeAll(async () => {
  policy = await OnnxPolicy.load(exportActorToOnnx(snapshot, shapes, { opset: 9 }));
});
afterAll(async () => policy?.dispose());

describe("stochastic outputs follow the policy distribution", () => {
  const ref = referenceForward(snapshot, rows, 1, toAllowed(maskRow, branchSizes, 1));

  it("continuous: atanh(sample) ~ Normal(mu, sigma) per action", async () => {
    const { continuous } = await policy.act(obs, N, masks, false);
    const k = 3;
    for (let j = 0; j < k; j++) {
      const mu = ref.mu[0]![j]!;
      const sigma = Math.exp(ref.logSigma[0]![j]!);
      // Precondition: samples stay far from tanh saturation, so atanh is well conditioned.
      expect(Math.abs(mu) + 6 * sigma).toBeLessThan(6);
      const xs: number[] = [];
      for (let a = 0; a < N; a++) {
        const y = continuous[a * k + j]!;
        expect(Math.abs(y)).toBeLessThan(1);
        xs.push(Math.atanh(y));
      }
      const mean = xs.reduce((s, x) => s + x, 0) / N;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (N - 1));
      expect(Math.abs(mean - mu)).toBeLessThan((5 * sigma) / Math.sqrt(N));
      expect(Math.abs(sd / sigma - 1)).toBeLessThan(5 / Math.sqrt(2 * N));
      const within1 = xs.filter((x) => Math.abs(x - mu) < sigma).length / N;
      expect(Math.abs(within1 - 0.6827)).toBeLessThan(5 * Math.sqrt((0.6827 * 0.3173) / N));
    }
  });

  it("discrete: frequencies match the masked softmax; masked actions are never sampled", async () => {
    const { discrete } = await policy.act(obs, N, masks, false);
    branchSizes.forEach((size, b) => {
      const counts = new Array<number>(size).fill(0);
      for (let a = 0; a < N; a++) counts[discrete[a * branchSizes.length + b]!]!++;
      expect(counts.reduce((s, x) => s + x, 0)).toBe(N); // every index in range
      for (let j = 0; j < size; j++) {
        if (maskRow[b]![j]) {
          expect(counts[j], `branch ${b} masked action ${j}`).toBe(0);
          continue;
        }
        const p = ref.probs[0]![b]![j]!;
        expect(Math.abs(counts[j]! / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N) + 2e-3);
      }
    });
  });

  it("deterministic discrete picks the most probable allowed action in every row", async () => {
    const { discrete } = await policy.act(obs, N, masks, true);
    branchSizes.forEach((_, b) => {
      const p = ref.probs[0]![b]!;
      const best = p.indexOf(Math.max(...p));
      for (let a = 0; a < N; a++) expect(discrete[a * branchSizes.length + b]).toBe(best);
    });
  });
});
