import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as ort from "onnxruntime-node";
import { exportActorToOnnx } from "../../src/export/export-actor.js";
import { convOutSize, validateSnapshot } from "../../src/export/validate-snapshot.js";
import { ExportError } from "../../src/export/errors.js";
import { contractInputs, contractOutputs } from "../../src/export/contract.js";
import type { ActorSnapshot, DenseWeights } from "../../src/trainers/common/actor-snapshot.js";
import { randomActorSnapshot } from "./helpers/random-snapshot.js";
import { randomObs, randomWireMasks, toAllowed } from "./helpers/cases.js";
import { decode } from "./helpers/model-inspect.js";
import { referenceForward } from "./helpers/reference-forward.js";

const arch = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  vectors: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 3 }),
  visual: fc.boolean(),
  numLayers: fc.integer({ min: 0, max: 3 }),
  hiddenUnits: fc.integer({ min: 1, max: 8 }),
  normalize: fc.boolean(),
  continuousSize: fc.integer({ min: 0, max: 3 }),
  branchSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }),
});

type Arch = typeof arch extends fc.Arbitrary<infer T> ? T : never;

function build(a: Arch) {
  const shapes: number[][] = a.vectors.map((v) => [v]);
  if (a.visual || shapes.length === 0) shapes.push([1, 20, 21]);
  const continuousSize = a.continuousSize === 0 && a.branchSizes.length === 0 ? 1 : a.continuousSize;
  const snapshot = randomActorSnapshot({ ...a, observationShapes: shapes, continuousSize, visualHidden: 5 });
  return { shapes, snapshot, continuousSize, branchSizes: a.branchSizes };
}

describe("exportActorToOnnx over random architectures", () => {
  it("always exports a model that follows the contract and matches the reference", async () => {
    await fc.assert(
      fc.asyncProperty(arch, async (a) => {
        const { shapes, snapshot, continuousSize, branchSizes } = build(a);
        const bytes = exportActorToOnnx(snapshot, shapes, { opset: a.seed % 2 ? 9 : 13 });
        const model = decode(bytes);
        const shape = { observationShapes: shapes, continuousSize, branchSizes };
        expect(model.graph!.input.map((i) => i.name)).toEqual(contractInputs(shape).map((t) => t.name));
        expect(model.graph!.output.map((o) => o.name)).toEqual(contractOutputs(shape).map((t) => t.name));

        const n = 3;
        const obs = randomObs(shapes, n, a.seed);
        const feeds: Record<string, ort.Tensor> = {};
        obs.forEach((o, i) => (feeds[`obs_${i}`] = new ort.Tensor("float32", o, [n, ...shapes[i]!])));
        let allowed: Float32Array | null = null;
        if (branchSizes.length) {
          allowed = toAllowed(randomWireMasks(branchSizes, n, a.seed), branchSizes, n);
          feeds.action_masks = new ort.Tensor("float32", allowed, [n, allowed.length / n]);
        }
        const session = await ort.InferenceSession.create(bytes);
        const out = await session.run(feeds);
        await session.release();
        const ref = referenceForward(snapshot, obs, n, allowed);
        if (continuousSize) {
          const det = out.deterministic_continuous_actions!.data as Float32Array;
          ref.mu.flat().forEach((m, k) => expect(Math.abs(det[k]! - Math.tanh(m))).toBeLessThan(1e-5));
        }
        if (branchSizes.length) {
          const det = out.deterministic_discrete_actions!.data as BigInt64Array;
          const sampled = out.discrete_actions!.data as BigInt64Array;
          for (let r = 0; r < n; r++) {
            branchSizes.forEach((_, b) => {
              const p = ref.probs[r]![b]!;
              expect(Math.max(...p) - p[Number(det[r * branchSizes.length + b])]!).toBeLessThan(1e-6);
              expect(p[Number(sampled[r * branchSizes.length + b])]!).toBeGreaterThan(0); // never a masked action
            });
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

type Mutation = (s: ActorSnapshot, shapes: number[][]) => [ActorSnapshot, number[][]];

const withDense = (d: DenseWeights, patch: Partial<DenseWeights>): DenseWeights => ({ ...d, ...patch });
const poison = (xs: Float32Array, v: number): Float32Array => {
  const c = Float32Array.from(xs);
  c[c.length - 1] = v;
  return c;
};

const MUTATIONS: Record<string, Mutation> = {
  "body inSize": (s, sh) => [{ ...s, body: [withDense(s.body[0]!, { inSize: s.body[0]!.inSize + 1 }), ...s.body.slice(1)] }, sh],
  "NaN kernel": (s, sh) => [{ ...s, body: [withDense(s.body[0]!, { kernel: poison(s.body[0]!.kernel, NaN) }), ...s.body.slice(1)] }, sh],
  "Infinity bias": (s, sh) => [{ ...s, body: [withDense(s.body[0]!, { bias: poison(s.body[0]!.bias, Infinity) }), ...s.body.slice(1)] }, sh],
  "short bias": (s, sh) => [{ ...s, body: [withDense(s.body[0]!, { bias: s.body[0]!.bias.subarray(1) }), ...s.body.slice(1)] }, sh],
  "zero std": (s, sh) => {
    const e = s.encoders[0]!;
    if (e.kind !== "vector" || !e.normalizer) throw new Error("test setup");
    return [{ ...s, encoders: [{ ...e, normalizer: { ...e.normalizer, std: poison(e.normalizer.std, 0) } }, ...s.encoders.slice(1)] }, sh];
  },
  "obs shape": (s, sh) => [s, [[sh[0]![0]! + 1], ...sh.slice(1)]],
  "missing shape": (s, sh) => [s, sh.slice(1)],
  "visual shape": (s, sh) => [s, [sh[0]!, [3, 20, 20]]],
  "branch size": (s, sh) => [{ ...s, discrete: { ...s.discrete!, branchSizes: [s.discrete!.branchSizes[0]! + 1, ...s.discrete!.branchSizes.slice(1)] } }, sh],
  "missing head": (s, sh) => [{ ...s, discrete: { ...s.discrete!, heads: s.discrete!.heads.slice(1) } }, sh],
  "no heads": (s, sh) => [{ ...s, continuous: null, discrete: null }, sh],
  "logSigma size": (s, sh) => [{ ...s, continuous: { ...s.continuous!, logSigma: withDense(s.continuous!.logSigma, { outSize: 1, bias: new Float32Array(1), kernel: new Float32Array(s.continuous!.logSigma.inSize) }) } }, sh],
  "conv stride": (s, sh) => {
    const e = s.encoders[1]!;
    if (e.kind !== "visual") throw new Error("test setup");
    return [{ ...s, encoders: [s.encoders[0]!, { ...e, conv1: { ...e.conv1, strideH: 9 } }] }, sh];
  },
  "tiny image": (s, sh) => {
    const e = s.encoders[1]!;
    if (e.kind !== "visual") throw new Error("test setup");
    return [{ ...s, encoders: [s.encoders[0]!, { ...e, shape: [3, 12, 12] }] }, [sh[0]!, [3, 12, 12]]];
  },
};

describe("validateSnapshot", () => {
  const shapes = [[4], [3, 24, 24]];
  const good = randomActorSnapshot({ seed: 3, observationShapes: shapes, normalize: true, continuousSize: 2, branchSizes: [2, 3] });

  it("accepts the unmodified snapshot", () => {
    expect(() => validateSnapshot(good, shapes)).not.toThrow();
    expect(convOutSize(24, 8, 4)).toBe(5);
    expect(convOutSize(84, 8, 4)).toBe(20);
  });

  it("turns every inconsistency into an ExportError that names the field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(MUTATIONS)), (key) => {
        const [s, sh] = MUTATIONS[key]!(good, shapes);
        let caught: unknown;
        try {
          exportActorToOnnx(s, sh);
        } catch (e) {
          caught = e;
        }
        expect(caught, key).toBeInstanceOf(ExportError);
        const err = caught as ExportError;
        expect(err.what.length).toBeGreaterThan(0);
        expect(err.message).toContain(err.what);
        expect(err.message).not.toContain("\n    at ");
      }),
      { numRuns: 60 },
    );
  });
});
