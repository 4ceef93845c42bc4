import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ActionSpec, DimensionProperty, ObservationType } from "../../../src/env/behavior-spec.js";
import { behaviorSpecFromJson, behaviorSpecToJson } from "../../../src/run/behavior-spec-json.js";
import { JobDataError } from "../../../src/run/distributed/errors.js";
import {
  parseSegmentJobData,
  parseSegmentResult,
  type SegmentJobData,
  type SegmentResult,
  segmentJobId,
} from "../../../src/run/distributed/jobs.js";

const HASH = "ab".repeat(32);
// What a worker sends: the real writer's output for a hybrid behavior with a vector and a visual sensor.
const SPEC_JSON = behaviorSpecToJson({
  observationSpecs: [
    { name: "VectorSensor", shape: [8], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT },
    {
      name: "Camera",
      shape: [3, 84, 84],
      dimensionProperties: [DimensionProperty.NONE, DimensionProperty.TRANSLATIONAL_EQUIVARIANCE, DimensionProperty.TRANSLATIONAL_EQUIVARIANCE],
      observationType: ObservationType.GOAL_SIGNAL,
    },
  ],
  actionSpec: new ActionSpec(2, [3, 2]),
});

function jobDataError(f: () => unknown): JobDataError {
  try {
    f();
  } catch (e) {
    if (e instanceof JobDataError) {
      expect(e.message).not.toMatch(/[\n\r]/);
      return e;
    }
    throw e;
  }
  throw new Error("expected a JobDataError");
}

const validJob = (): SegmentJobData => ({
  runId: "pbt-3dball",
  behavior: "3DBall",
  member: 2,
  segment: 7,
  inputSnapshot: HASH,
  hyperparameters: { learning_rate: 3e-4, batch_size: 64 },
  environmentParameters: { mass: 1.5 },
  steps: 5000,
  seed: 42,
});

const validResult = (): SegmentResult => ({
  outputSnapshot: HASH,
  steps: 5000,
  episodeReturns: [1.5, -0.25],
  episodeLengths: [100, 37],
  worker: "host-a/1234",
  fromSteps: 35000,
  behaviorSpec: SPEC_JSON,
});

describe("parseSegmentJobData", () => {
  it("accepts a job the coordinator sends, also after a trip through JSON", () => {
    const job = validJob();
    expect(parseSegmentJobData(JSON.parse(JSON.stringify(job)))).toEqual(job);
    expect(parseSegmentJobData({ ...job, inputSnapshot: null, hyperparameters: {}, environmentParameters: {} }).inputSnapshot).toBeNull();
  });

  it.each<[string, (j: Record<string, unknown>) => void, string, RegExp]>([
    ["not an object", () => undefined, "data", /expected an object, got an array/],
    ["a missing field", (j) => delete j.seed, "data.seed", /missing/],
    ["an unknown field", (j) => (j.command = "rm -rf /"), "data.command", /unknown field/],
    ["__proto__ as a field", (j) => Object.defineProperty(j, "__proto__", { value: {}, enumerable: true }), "data.__proto__", /unknown field/],
    ["an empty run id", (j) => (j.runId = ""), "data.runId", /expected a name/],
    ["a run id with a slash", (j) => (j.runId = "../x"), "data.runId", /one folder name/],
    ["a behavior with a newline", (j) => (j.behavior = "a\nb"), "data.behavior", /printable/],
    ["a fractional member", (j) => (j.member = 1.5), "data.member", /an integer in \[0, 100000\], got 1.5/],
    ["a negative segment", (j) => (j.segment = -1), "data.segment", /got -1/],
    ["a path as snapshot", (j) => (j.inputSnapshot = "../../etc/passwd"), "data.inputSnapshot", /content hash/],
    ["a string hyperparameter", (j) => (j.hyperparameters = { learning_rate: "0.1" }), "data.hyperparameters.learning_rate", /finite number, got "0.1"/],
    ["a NaN environment parameter", (j) => (j.environmentParameters = { mass: NaN }), "data.environmentParameters.mass", /finite number, got NaN/],
    ["a parameter name with a newline", (j) => (j.hyperparameters = { "a\nb": 1 }), "data.hyperparameters", /bad parameter name "a\\nb"/],
    ["__proto__ as a parameter", (j) => (j.environmentParameters = JSON.parse('{"__proto__": 1}')), "data.environmentParameters", /bad parameter name "__proto__"/],
    ["zero steps", (j) => (j.steps = 0), "data.steps", /got 0/],
    ["a string seed", (j) => (j.seed = "1"), "data.seed", /got "1"/],
  ])("refuses %s, naming the field", (_what, mutate, fieldPath, message) => {
    const job = validJob() as unknown as Record<string, unknown>;
    mutate(job);
    const e = jobDataError(() => parseSegmentJobData(_what === "not an object" ? [job] : job));
    expect(e.fieldPath).toBe(fieldPath);
    expect(e.message).toMatch(message);
  });

  it("refuses a parameter map too large to be one of ours", () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, i]));
    expect(jobDataError(() => parseSegmentJobData({ ...validJob(), hyperparameters: many })).message).toMatch(/more than 256 entries/);
  });
});

describe("parseSegmentResult", () => {
  it("accepts a worker's result", () => {
    const r = validResult();
    expect(parseSegmentResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(parseSegmentResult({ ...r, episodeReturns: [], episodeLengths: [] }).episodeReturns).toEqual([]);
    // The spec text is passed on unchanged and reads back as the same spec.
    expect(behaviorSpecFromJson(parseSegmentResult(r).behaviorSpec).actionSpec.discreteBranches).toEqual([3, 2]);
  });

  it.each<[string, Partial<Record<keyof SegmentResult, unknown>>, string, RegExp]>([
    ["no output hash", { outputSnapshot: null }, "result.outputSnapshot", /content hash/],
    ["an infinite return", { episodeReturns: [1, Infinity] }, "result.episodeReturns[1]", /finite number, got Infinity/],
    ["a zero length", { episodeLengths: [100, 0] }, "result.episodeLengths[1]", /got 0/],
    ["unequal lists", { episodeLengths: [100] }, "result.episodeLengths", /has 1 entries but result.episodeReturns has 2/],
    ["returns as an object", { episodeReturns: { 0: 1 } }, "result.episodeReturns", /expected an array, got a object/],
    ["no worker", { worker: "" }, "result.worker", /expected a name/],
    ["an extra field", { command: "x" } as Partial<Record<keyof SegmentResult, unknown>>, "result.command", /unknown field/],
    ["a negative fromSteps", { fromSteps: -5 }, "result.fromSteps", /got -5/],
    ["a spec that is not JSON", { behaviorSpec: "{observations" }, "result.behaviorSpec", /not JSON/],
    ["a spec object instead of its text", { behaviorSpec: JSON.parse(SPEC_JSON) }, "result.behaviorSpec", /behavior spec in JSON/],
    ["a spec with a fractional shape", { behaviorSpec: SPEC_JSON.replace('"shape": [\n        8\n      ]', '"shape": [8.5]') }, "result.behaviorSpec.observations[0].shape[0]", /got 8.5/],
    ["a spec without action sizes", { behaviorSpec: JSON.stringify({ ...JSON.parse(SPEC_JSON), continuousSize: undefined }) }, "result.behaviorSpec.continuousSize", /missing/],
    ["a huge spec", { behaviorSpec: " ".repeat(70_000) }, "result.behaviorSpec", /at most 65536 characters/],
  ])("refuses %s", (_what, change, fieldPath, message) => {
    const e = jobDataError(() => parseSegmentResult({ ...validResult(), ...change }));
    expect(e.fieldPath).toBe(fieldPath);
    expect(e.message).toMatch(message);
  });
});

// Arbitraries of well-formed jobs and results.
const nameArb = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const runIdArb = nameArb.filter((s) => !/[\\/]/.test(s) && s !== "." && s !== "..");
const paramName = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,30}$/), nameArb).filter((k) => !["__proto__", "constructor", "prototype"].includes(k));
const paramMap = fc.dictionary(paramName, fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 8 });
const hashArb = fc.hexaString({ minLength: 64, maxLength: 64 }).map((s) => s.toLowerCase());
const jobArb: fc.Arbitrary<SegmentJobData> = fc.record({
  runId: runIdArb,
  behavior: nameArb,
  member: fc.integer({ min: 0, max: 100_000 }),
  segment: fc.nat(),
  inputSnapshot: fc.option(hashArb, { nil: null }),
  hyperparameters: paramMap,
  environmentParameters: paramMap,
  steps: fc.integer({ min: 1, max: 1_000_000_000 }),
  seed: fc.integer(),
});
const resultArb: fc.Arbitrary<SegmentResult> = fc
  .array(fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 10_000 })), { maxLength: 20 })
  .chain((episodes) =>
    fc.record({
      outputSnapshot: hashArb,
      steps: fc.nat({ max: 1_000_000_000 }),
      episodeReturns: fc.constant(episodes.map((e) => e[0])),
      episodeLengths: fc.constant(episodes.map((e) => e[1])),
      worker: nameArb,
      fromSteps: fc.nat(),
      behaviorSpec: fc.constant(SPEC_JSON),
    }),
  );

describe("job validation (properties)", () => {
  it("round-trips every well-formed job and result through JSON", () => {
    fc.assert(
      fc.property(jobArb, resultArb, (job, result) => {
        // JSON turns -0 into 0; compare against what actually travels through Redis.
        const travelled = <T>(x: T): unknown => JSON.parse(JSON.stringify(x));
        expect(parseSegmentJobData(travelled(job))).toEqual(travelled(job));
        expect(parseSegmentResult(travelled(result))).toEqual(travelled(result));
      }),
      { numRuns: 300 },
    );
  });

  it("answers random values with a JobDataError that names a field path, never another throw", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        for (const [parse, root] of [[parseSegmentJobData, "data"], [parseSegmentResult, "result"]] as const) {
          const e = jobDataError(() => parse(x));
          expect(e.fieldPath.startsWith(root)).toBe(true);
          expect(e.message.startsWith(`invalid job ${e.fieldPath}: `)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a valid job with one field replaced by a random value of another kind, naming that field", () => {
    const keys = Object.keys(validJob()) as (keyof SegmentJobData)[];
    const wrong = fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(undefined), fc.array(fc.nat(), { maxLength: 2 }), fc.double());
    fc.assert(
      fc.property(jobArb, fc.constantFrom(...keys), wrong, (job, key, value) => {
        const bad: Record<string, unknown> = { ...job, [key]: value };
        let accepted: SegmentJobData | undefined;
        try {
          accepted = parseSegmentJobData(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(JobDataError);
          expect((e as JobDataError).fieldPath.startsWith(`data.${key}`)).toBe(true);
          return;
        }
        // Some random values are valid for the field (a string behavior name, an integer seed...).
        expect(accepted[key]).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe("segmentJobId", () => {
  it("is readable for ordinary names and never contains ':'", () => {
    expect(segmentJobId("run1", "3DBall", 0, 12)).toBe("seg-run1-3DBall-m0-s12");
    expect(segmentJobId("a:b", "Walker?team=0", 3, 0)).toBe("seg-a%3Ab-Walker%3Fteam%3D0-m3-s0");
  });

  it("is deterministic and different for every different segment", () => {
    const tuple = fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), fc.nat({ max: 5 }), fc.nat({ max: 5 }));
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        const idA = segmentJobId(...a);
        expect(idA).not.toContain(":");
        expect(segmentJobId(...a)).toBe(idA);
        const same = a.every((v, i) => v === b[i]);
        expect(segmentJobId(...b) === idA).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a member or segment that is not a non-negative integer", () => {
    expect(() => segmentJobId("r", "b", -1, 0)).toThrow(JobDataError);
    expect(() => segmentJobId("r", "b", 0, 0.5)).toThrow(/segment: expected an integer/);
  });
});
