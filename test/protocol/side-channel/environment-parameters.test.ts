import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import { ENVIRONMENT_PARAMETERS_CHANNEL_ID } from "../../../src/protocol/side-channel/channel-ids.js";
import {
  environmentParameterMessage,
  parseEnvironmentParameterMessage,
  type EnvironmentParameterValue,
} from "../../../src/protocol/side-channel/environment-parameters.js";

const f32 = fc.float({ noNaN: true }).map(Math.fround);
const seed = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const key = fc.string({ unit: fc.constantFrom(..."abcXYZ_/ 0189"), maxLength: 20 });
const arbValue: fc.Arbitrary<EnvironmentParameterValue> = fc.oneof(
  fc.record({ kind: fc.constant("float" as const), value: f32 }),
  fc.record({ kind: fc.constant("uniform" as const), seed, min: f32, max: f32 }),
  fc.record({ kind: fc.constant("gaussian" as const), seed, mean: f32, stDev: f32 }),
  fc.record({ kind: fc.constant("multirangeuniform" as const), seed, intervals: fc.array(fc.tuple(f32, f32), { maxLength: 5 }) }),
);

describe("environment parameters channel", () => {
  it("encodes a FLOAT and a UNIFORM sampler byte for byte", () => {
    const flt = environmentParameterMessage("g", { kind: "float", value: 1 });
    expect(flt.channelId).toBe(ENVIRONMENT_PARAMETERS_CHANNEL_ID);
    expect(Array.from(flt.payload)).toEqual([1, 0, 0, 0, 0x67, 0, 0, 0, 0, 0, 0, 0x80, 0x3f]);
    const uni = environmentParameterMessage("k", { kind: "uniform", seed: 7, min: 0, max: 2 });
    expect(Array.from(uni.payload)).toEqual([1, 0, 0, 0, 0x6b, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]);
  });

  it("round-trips keys and every value kind", () => {
    fc.assert(fc.property(key, arbValue, (k, v) => {
      expect(parseEnvironmentParameterMessage(environmentParameterMessage(k, v).payload)).toEqual({ key: k, value: v });
    }));
  });

  it("rejects unknown data and sampler types, odd interval lists and truncation", () => {
    const bad = (ints: number[]): Uint8Array => {
      const out = new Uint8Array(ints.length * 4);
      ints.forEach((v, i) => new DataView(out.buffer).setInt32(i * 4, v, true));
      return out;
    };
    expect(() => parseEnvironmentParameterMessage(bad([0, 5]))).toThrow(/unknown data type 5/);
    expect(() => parseEnvironmentParameterMessage(bad([0, 1, 3, 9]))).toThrow(/unknown sampler type 9/);
    expect(() => parseEnvironmentParameterMessage(bad([0, 1, 3, 2, 1, 0]))).toThrow(/1 interval bounds/);
    expect(() => parseEnvironmentParameterMessage(bad([0, 0]))).toThrow(SideChannelError);
    expect(() => parseEnvironmentParameterMessage(bad([0, 1, 3, 0, 0]))).toThrow(SideChannelError);
  });

  it("throws only SideChannelError on random payloads", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      try {
        parseEnvironmentParameterMessage(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(SideChannelError);
      }
    }), { numRuns: 500 });
  });
});
