import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentInfoProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/agent_info.js";
import { BrainParametersProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/brain_parameters.js";
import { ObservationProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/observation.js";
import { SpaceTypeProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/space_type.js";
import { ActionTuple } from "../../src/env/action-tuple.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../../src/env/behavior-spec.js";
import { ActionShapeError, BehaviorSpecError, EnvError, ObservationError } from "../../src/env/errors.js";
import { observationKind } from "../../src/env/observation-decoding.js";
import { actionsToProto, behaviorSpecDifference, behaviorSpecFromProto, stepsFromProto, validateActions } from "../../src/env/rpc-utils.js";
import { agentInfo, brain, encodePng, pngObs, vectorObs } from "./helpers/protos.js";

const NAME = "3DBall?team=0";

function obsWithShape(shape: number[], dimensionProperties: number[] = []): ObservationProto {
  return ObservationProto.fromPartial({ shape, dimensionProperties, floatData: { data: [] } });
}

describe("behaviorSpecFromProto", () => {
  it("builds observation and action specs from the brain and the first agent", () => {
    const first = agentInfo(0, {
      observations: [
        ObservationProto.fromPartial({ shape: [3, 64, 84], dimensionProperties: [1, 2, 2], name: "CameraSensor" }),
        ObservationProto.fromPartial({ shape: [2], dimensionProperties: [1], observationType: 1, name: "VectorSensor" }),
      ],
    });
    const spec = behaviorSpecFromProto(brain("GridWorld?team=0", 0, [5]), first);
    expect(spec.actionSpec.equals(ActionSpec.discrete(5))).toBe(true);
    expect(spec.observationSpecs.map((o) => o.shape)).toEqual([[3, 64, 84], [2]]);
    expect(spec.observationSpecs[0]!.dimensionProperties).toEqual([
      DimensionProperty.NONE,
      DimensionProperty.TRANSLATIONAL_EQUIVARIANCE,
      DimensionProperty.TRANSLATIONAL_EQUIVARIANCE,
    ]);
    expect(spec.observationSpecs[1]!.observationType).toBe(ObservationType.GOAL_SIGNAL);
    expect(spec.observationSpecs.map((o) => o.name)).toEqual(["CameraSensor", "VectorSensor"]);
  });

  it("treats empty dimension properties as UNSPECIFIED for every dimension", () => {
    const spec = behaviorSpecFromProto(brain(NAME, 2), agentInfo(0, { observations: [obsWithShape([8])] }));
    expect(spec.observationSpecs[0]!.dimensionProperties).toEqual([DimensionProperty.UNSPECIFIED]);
  });

  it("builds hybrid action specs", () => {
    const spec = behaviorSpecFromProto(brain(NAME, 2, [3, 2]), agentInfo(0));
    expect(spec.actionSpec.continuousSize).toBe(2);
    expect(spec.actionSpec.discreteBranches).toEqual([3, 2]);
  });

  it("falls back to the deprecated fields when action_spec is 0/0", () => {
    const cont = BrainParametersProto.fromPartial({
      brainName: NAME,
      vectorActionSizeDeprecated: [4],
      vectorActionSpaceTypeDeprecated: SpaceTypeProto.continuous,
    });
    expect(behaviorSpecFromProto(cont, agentInfo(0)).actionSpec.equals(ActionSpec.continuous(4))).toBe(true);
    const disc = BrainParametersProto.fromPartial({
      brainName: NAME,
      vectorActionSizeDeprecated: [3, 2],
      vectorActionSpaceTypeDeprecated: SpaceTypeProto.discrete,
    });
    expect(behaviorSpecFromProto(disc, agentInfo(0)).actionSpec.equals(ActionSpec.discrete(3, 2))).toBe(true);
  });

  const badActions: [string, Partial<BrainParametersProto["actionSpec"]> & object, RegExp][] = [
    ["negative continuous", { numContinuousActions: -1 }, /negative number of continuous actions -1/],
    ["negative branch count", { numDiscreteActions: -2 }, /negative number of discrete branches -2/],
    ["zero-size branch", { numDiscreteActions: 2, discreteBranchSizes: [3, 0] }, /discrete branch 1 has size 0/],
    ["negative branch", { numDiscreteActions: 1, discreteBranchSizes: [-4] }, /discrete branch 0 has size -4/],
    ["count mismatch", { numDiscreteActions: 3, discreteBranchSizes: [2, 2] }, /num_discrete_actions is 3 but discrete_branch_sizes has 2 entries/],
    ["huge branch", { numDiscreteActions: 1, discreteBranchSizes: [2 ** 30] }, /over the cap/],
    ["huge continuous", { numContinuousActions: 2 ** 30 }, /over the cap/],
  ];
  for (const [label, actionSpec, message] of badActions) {
    it(`rejects an impossible action spec: ${label}`, () => {
      const b = BrainParametersProto.fromPartial({ brainName: NAME, actionSpec });
      const call = (): unknown => behaviorSpecFromProto(b, agentInfo(0));
      expect(call).toThrow(BehaviorSpecError);
      expect(call).toThrow(message);
      expect(call).toThrow(NAME);
    });
  }

  const badShapes: [string, number[], number[], RegExp][] = [
    ["negative dimension", [3, -1, 4], [], /observation 0 has a negative dimension in shape \[3, -1, 4\]/],
    ["rank 0", [], [], /has rank 0/],
    ["rank 4", [1, 2, 3, 4], [], /has rank 4/],
    ["product over 2^31", [65536, 65536, 3], [], /over the cap/],
    ["too large to allocate", [1024, 1024, 65], [], /over the cap of 67108864/],
    ["rank-2 without variable size", [4, 5], [], /unsupported sensor/],
    ["property count differs from rank", [3, 4, 4], [1, 2], /2 dimension properties/],
    ["visual with vector properties", [3, 4, 4], [1, 1, 1], /unsupported sensor/],
  ];
  for (const [label, shape, props, message] of badShapes) {
    it(`rejects an unusable observation shape: ${label}`, () => {
      const call = (): unknown => behaviorSpecFromProto(brain(NAME, 2), agentInfo(0, { observations: [obsWithShape(shape, props)] }));
      expect(call).toThrow(BehaviorSpecError);
      expect(call).toThrow(message);
    });
  }

  it("refuses variable-length (BufferSensor) observations, which nothing downstream can train or export", () => {
    const first = agentInfo(0, { observations: [vectorObs([1, 2]), obsWithShape([20, 6], [4, 1])] });
    const call = (): unknown => behaviorSpecFromProto(brain(NAME, 2), first);
    expect(call).toThrow(BehaviorSpecError);
    expect(call).toThrow(`Invalid behavior spec for ${NAME}: observation 1 is a variable-length observation (BufferSensor, shape [20, 6]), which mlagents-ts does not support yet`);
  });

  it("classifies observation kinds per docs/protocol.md §3.1", () => {
    expect(observationKind({ shape: [20, 6], dimensionProperties: [4, 1] })).toBe("variable-length");
    expect(observationKind({ shape: [8], dimensionProperties: [1] })).toBe("vector");
    expect(observationKind({ shape: [3, 8, 8], dimensionProperties: [0, 0, 0] })).toBe("visual");
    expect(observationKind({ shape: [3, 8, 8], dimensionProperties: [1, 2, 1] })).toBe("unsupported");
  });

  it("reports the first spec difference", () => {
    const a = behaviorSpecFromProto(brain(NAME, 2), agentInfo(0));
    const b = behaviorSpecFromProto(brain(NAME, 3), agentInfo(0));
    const c = behaviorSpecFromProto(brain(NAME, 2), agentInfo(0, { observations: [vectorObs([1, 2])] }));
    expect(behaviorSpecDifference(a, a)).toBeNull();
    expect(behaviorSpecDifference(a, b)).toMatch(/actions changed from 2 continuous to 3 continuous/);
    expect(behaviorSpecDifference(a, c)).toMatch(/observation 0 shape changed from \[3\] to \[2\]/);
  });
});

const vecSpec = (branches: number[] = []): BehaviorSpec => behaviorSpecFromProto(brain(NAME, branches.length ? 0 : 2, branches), agentInfo(0));

describe("stepsFromProto", () => {
  it("splits by done in message order and batches observations", () => {
    const infos = [
      agentInfo(5, { observations: [vectorObs([1, 2, 3])], reward: 0.5 }),
      agentInfo(2, { observations: [vectorObs([4, 5, 6])], done: true, maxStepReached: true, reward: -1 }),
      agentInfo(9, { observations: [vectorObs([7, 8, 9])], groupId: 3, groupReward: 0.25 }),
      agentInfo(4, { observations: [vectorObs([0, 0, 1])], done: true }),
    ];
    const r = stepsFromProto(infos, vecSpec(), NAME);
    expect(Array.from(r.decision.agentId)).toEqual([5, 9]);
    expect(Array.from(r.decision.obs[0]!)).toEqual([1, 2, 3, 7, 8, 9]);
    expect(Array.from(r.decision.reward)).toEqual([0.5, 0]);
    expect(Array.from(r.decision.groupId)).toEqual([0, 3]);
    expect(Array.from(r.decision.groupReward)).toEqual([0, 0.25]);
    expect(r.decision.actionMask).toBeNull();
    expect(Array.from(r.terminal.agentId)).toEqual([2, 4]);
    expect(Array.from(r.terminal.obs[0]!)).toEqual([4, 5, 6, 0, 0, 1]);
    expect(Array.from(r.terminal.interrupted)).toEqual([1, 0]);
    expect(Array.from(r.terminal.reward)).toEqual([-1, 0]);
    expect(Array.from(r.decisionWireIds)).toEqual([5, 9]);
    expect(Array.from(r.decisionWireRows)).toEqual([0, 1]);
    expect(r.dropped).toEqual([]);
  });

  it("keeps the same agent in both terminal and decision steps", () => {
    const r = stepsFromProto([agentInfo(3, { done: true }), agentInfo(3)], vecSpec(), NAME);
    expect(Array.from(r.terminal.agentId)).toEqual([3]);
    expect(Array.from(r.decision.agentId)).toEqual([3]);
    expect(r.dropped).toEqual([]);
  });

  it("unpacks masks per branch; empty or wrong-length masks mask nothing", () => {
    const spec = vecSpec([3, 2]);
    const infos = [
      agentInfo(0, { actionMask: [true, false, true, false, true] }),
      agentInfo(1, { actionMask: [] }),
      agentInfo(2, { actionMask: [true, true] }),
      agentInfo(3, { actionMask: [false, true, false, true, false] }),
    ];
    const r = stepsFromProto(infos, spec, NAME);
    expect(Array.from(r.decision.actionMask![0]!)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(r.decision.actionMask![1]!)).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
  });

  it("ignores masks of terminal steps", () => {
    const r = stepsFromProto([agentInfo(0, { done: true, actionMask: [true, true, true] })], vecSpec([3]), NAME);
    expect(r.terminal.length).toBe(1);
    expect("actionMask" in r.terminal).toBe(false);
    expect(r.decision.actionMask![0]!.length).toBe(0);
  });

  const faults: [string, AgentInfoProto, string][] = [
    ["NaN observation", agentInfo(7, { observations: [vectorObs([0, NaN, 1])] }), "observation 0 has NaN"],
    ["Inf observation", agentInfo(7, { observations: [vectorObs([0, Infinity, 1])] }), "observation 0 has Inf"],
    ["NaN reward", agentInfo(7, { reward: NaN }), "reward is NaN"],
    ["Inf group reward", agentInfo(7, { groupReward: -Infinity }), "group reward is -Infinity"],
    ["negative id", agentInfo(-3), "negative agent id -3"],
    ["missing observation", agentInfo(7, { observations: [] }), "has 0 observations, expected 1"],
    ["extra observation", agentInfo(7, { observations: [vectorObs([1, 2, 3]), vectorObs([1])] }), "has 2 observations, expected 1"],
    [
      "mis-sized float data",
      agentInfo(7, { observations: [ObservationProto.fromPartial({ shape: [3], floatData: { data: [1, 2] } })] }),
      "observation 0 has 2 floats, expected 3",
    ],
    ["shape differs", agentInfo(7, { observations: [vectorObs([1, 2, 3, 4])] }), "observation 0 has shape [4], expected [3]"],
    [
      "no float data",
      agentInfo(7, { observations: [ObservationProto.fromPartial({ shape: [3] })] }),
      "observation 0 has no float data",
    ],
  ];
  for (const [label, bad, fault] of faults) {
    it(`drops an agent step with ${label}, names agent, behavior and fault, keeps its wire slot`, () => {
      const r = stepsFromProto([agentInfo(1), bad, agentInfo(2)], vecSpec(), NAME);
      expect(Array.from(r.decision.agentId)).toEqual([1, 2]);
      expect(r.dropped).toHaveLength(1);
      const d = r.dropped[0]!;
      expect(d.fault).toBe(fault);
      expect(d.reason).toBe(`Dropped step of agent ${bad.id} of behavior ${NAME}: ${fault}`);
      expect(d.error).toBeInstanceOf(ObservationError);
      expect(Array.from(r.decisionWireIds)).toEqual([1, bad.id, 2]);
      expect(Array.from(r.decisionWireRows)).toEqual([0, -1, 1]);
    });
  }

  it("drops duplicate ids within the decision list and within the terminal list", () => {
    const r = stepsFromProto(
      [agentInfo(4), agentInfo(4, { done: true }), agentInfo(4), agentInfo(4, { done: true }), agentInfo(5)],
      vecSpec(),
      NAME,
    );
    expect(Array.from(r.decision.agentId)).toEqual([4, 5]);
    expect(Array.from(r.terminal.agentId)).toEqual([4]);
    expect(r.dropped.map((d) => [d.terminal, d.fault])).toEqual([
      [false, "duplicate agent id 4 in decision steps"],
      [true, "duplicate agent id 4 in terminal steps"],
    ]);
    expect(Array.from(r.decisionWireIds)).toEqual([4, 4, 5]);
    expect(Array.from(r.decisionWireRows)).toEqual([0, -1, 1]);
  });

  it("drops agents with invalid PNG bytes", () => {
    const spec = behaviorSpecFromProto(brain(NAME, 2), agentInfo(0, { observations: [pngObs(new Uint8Array(4), [3, 2, 2])] }));
    const good = encodePng(2, 2, () => [10, 20, 30]);
    const r = stepsFromProto(
      [agentInfo(0, { observations: [pngObs(good, [3, 2, 2])] }), agentInfo(1, { observations: [pngObs(Uint8Array.of(1, 2, 3), [3, 2, 2])] })],
      spec,
      NAME,
    );
    expect(Array.from(r.decision.agentId)).toEqual([0]);
    expect(r.decision.obs[0]![0]).toBeCloseTo(10 / 255, 6);
    expect(r.dropped[0]!.fault).toMatch(/^observation 0 is an invalid PNG observation: bytes at offset 0 do not start with a PNG signature/);
  });

  it("property: random infos never throw, and kept agents carry only finite data", () => {
    const spec = vecSpec([2]);
    const float = fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity));
    const anyObs = fc.record({
      shape: fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 }),
      compressionType: fc.integer({ min: 0, max: 2 }),
      data: fc.option(fc.array(float, { maxLength: 6 })),
      bytes: fc.option(fc.uint8Array({ maxLength: 30 })),
    });
    // Mostly well-formed observations, so that kept agents are common and the finiteness check bites.
    const nearlyValid = fc.record({
      shape: fc.constant([3]),
      compressionType: fc.constant(0),
      data: fc.array(fc.oneof({ weight: 20, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) }, { weight: 1, arbitrary: float }), {
        minLength: 3,
        maxLength: 3,
      }),
      bytes: fc.constant(null),
    });
    const obs = fc.oneof({ weight: 1, arbitrary: anyObs }, { weight: 4, arbitrary: nearlyValid });
    const info = fc.record({
      id: fc.integer({ min: -3, max: 6 }),
      done: fc.boolean(),
      maxStepReached: fc.boolean(),
      reward: float,
      groupReward: float,
      groupId: fc.integer({ min: 0, max: 3 }),
      actionMask: fc.array(fc.boolean(), { maxLength: 4 }),
      observations: fc.oneof(fc.tuple(obs), fc.array(obs, { maxLength: 2 })),
    });
    let kept = 0;
    fc.assert(
      fc.property(fc.array(info, { maxLength: 8 }), (raw) => {
        const infos = raw.map((r) =>
          AgentInfoProto.fromPartial({
            ...r,
            observations: r.observations.map((o) =>
              ObservationProto.fromPartial({
                shape: o.shape,
                compressionType: o.compressionType,
                ...(o.data ? { floatData: { data: o.data } } : {}),
                ...(o.bytes ? { compressedData: Buffer.from(o.bytes) } : {}),
              }),
            ),
          }),
        );
        let r: ReturnType<typeof stepsFromProto>;
        try {
          r = stepsFromProto(infos, spec, NAME);
        } catch (e) {
          expect(e).toBeInstanceOf(EnvError);
          return;
        }
        const all = [r.decision, r.terminal];
        for (const s of all) {
          for (const o of s.obs) expect(o.every(Number.isFinite)).toBe(true);
          expect(s.reward.every(Number.isFinite)).toBe(true);
          expect(s.groupReward.every(Number.isFinite)).toBe(true);
          expect(s.agentId.every((id) => id >= 0)).toBe(true);
          expect(new Set(s.agentId).size).toBe(s.length);
          expect(s.obs[0]!.length).toBe(3 * s.length);
        }
        kept += r.decision.length + r.terminal.length;
        expect(r.decision.length + r.terminal.length + r.dropped.length).toBe(infos.length);
        expect(r.decisionWireIds.length).toBe(infos.filter((i) => !i.done).length);
        expect(Array.from(r.decisionWireRows).filter((x) => x >= 0)).toEqual(Array.from({ length: r.decision.length }, (_, i) => i));
      }),
      { numRuns: 300 },
    );
    expect(kept).toBeGreaterThan(50);
  });

  it("property: random brains and observation shapes only ever throw BehaviorSpecError", () => {
    const int = fc.integer({ min: -5, max: 2 ** 31 - 1 });
    const small = fc.integer({ min: -3, max: 8 });
    fc.assert(
      fc.property(
        fc.record({
          c: fc.oneof(small, int),
          n: small,
          sizes: fc.array(fc.oneof(small, int), { maxLength: 4 }),
          deprecated: fc.array(small, { maxLength: 3 }),
          spaceType: fc.integer({ min: 0, max: 3 }),
          shapes: fc.array(fc.array(fc.oneof(small, int), { maxLength: 4 }), { maxLength: 3 }),
          props: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
          type: fc.integer({ min: 0, max: 3 }),
        }),
        (r) => {
          const b = BrainParametersProto.fromPartial({
            brainName: NAME,
            actionSpec: { numContinuousActions: r.c, numDiscreteActions: r.n, discreteBranchSizes: r.sizes },
            vectorActionSizeDeprecated: r.deprecated,
            vectorActionSpaceTypeDeprecated: r.spaceType,
          });
          const first = agentInfo(0, {
            observations: r.shapes.map((shape) => ObservationProto.fromPartial({ shape, dimensionProperties: r.props, observationType: r.type })),
          });
          try {
            const spec = behaviorSpecFromProto(b, first);
            expect(spec.actionSpec.continuousSize).toBeGreaterThanOrEqual(0);
            expect(spec.actionSpec.discreteBranches.every((x) => x > 0)).toBe(true);
            for (const o of spec.observationSpecs) expect(observationKind(o)).not.toBe("unsupported");
          } catch (e) {
            expect(e).toBeInstanceOf(BehaviorSpecError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("actions", () => {
  const hybrid = new ActionSpec(2, [3, 2]);

  it("actionsToProto fills continuous, discrete and the deprecated concatenation per agent", () => {
    const a = new ActionTuple(2, Float32Array.of(0.5, -0.25, 1, 0), Int32Array.of(2, 1, 0, 0));
    const protos = actionsToProto(a, hybrid);
    expect(protos).toEqual([
      { vectorActionsDeprecated: [0.5, -0.25, 2, 1], value: 0, continuousActions: [0.5, -0.25], discreteActions: [2, 1] },
      { vectorActionsDeprecated: [1, 0, 0, 0], value: 0, continuousActions: [1, 0], discreteActions: [0, 0] },
    ]);
  });

  it("actionsToProto rejects arrays that do not match the spec", () => {
    const a = new ActionTuple(2, new Float32Array(3), new Int32Array(4));
    expect(() => actionsToProto(a, hybrid, NAME)).toThrow(ActionShapeError);
  });

  it("validateActions checks agent count, sizes, finiteness and branch ranges", () => {
    const ok = new ActionTuple(1, Float32Array.of(0, 0), Int32Array.of(2, 1));
    expect(() => validateActions(ok, hybrid, 1, NAME)).not.toThrow();
    expect(() => validateActions(ok, hybrid, 2, NAME)).toThrow(/got actions for 1 agents, expected 2/);
    expect(() => validateActions(new ActionTuple(1, Float32Array.of(0), Int32Array.of(0, 0)), hybrid, 1, NAME)).toThrow(
      /continuous has 1 values, expected 1 agents x 2/,
    );
    expect(() => validateActions(new ActionTuple(1, Float32Array.of(0, NaN), Int32Array.of(0, 0)), hybrid, 1, NAME)).toThrow(
      /continuous action 1 of row 0 is NaN/,
    );
    expect(() => validateActions(new ActionTuple(1, Float32Array.of(0, 0), Int32Array.of(0, 2)), hybrid, 1, NAME)).toThrow(
      /discrete action 2 of row 0 is outside branch 1 of size 2/,
    );
  });
});
