import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PlainCodecError, decodePlain, encodePlain } from "../../../src/trainers/checkpoint/plain-codec.js";

describe("plain codec", () => {
  it("round-trips nested plain data with typed arrays bit-exactly", () => {
    const value = {
      step: 12,
      name: "3DBall",
      flag: true,
      none: null,
      weird: [Number.NaN, Infinity, -Infinity],
      f32: Float32Array.from([1.5, -0, 3e-40]),
      nested: { i32: Int32Array.from([-1, 2]), u8: Uint8Array.from([255, 0, 7]), f64: Float64Array.from([Math.PI]) },
      list: [Float32Array.from([1, 2, 3]).subarray(1), { a: 1 }],
    };
    const back = decodePlain(encodePlain(value)) as typeof value;
    expect(back.step).toBe(12);
    expect(back.weird[0]).toBeNaN();
    expect(back.weird.slice(1)).toEqual([Infinity, -Infinity]);
    expect(back.f32).toBeInstanceOf(Float32Array);
    expect(Object.is(back.f32[1], -0)).toBe(true);
    expect([...back.f32]).toEqual([...value.f32]);
    expect(back.nested.i32).toEqual(value.nested.i32);
    expect(back.nested.u8).toEqual(value.nested.u8);
    expect(back.nested.f64).toEqual(value.nested.f64);
    expect([...(back.list[0] as Float32Array)]).toEqual([2, 3]);
  });

  it("refuses non-plain values with the path in the message", () => {
    expect(() => encodePlain({ a: { b: new Map() } })).toThrow(PlainCodecError);
    expect(() => encodePlain({ a: { b: new Map() } })).toThrow(/state\.a\.b/);
  });

  it("round-trips random float arrays (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true })), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), (f, i) => {
        const back = decodePlain(encodePlain({ f: Float32Array.from(f), i: Int32Array.from(i) })) as { f: Float32Array; i: Int32Array };
        expect([...back.f]).toEqual([...Float32Array.from(f)]);
        expect([...back.i]).toEqual(i);
      }),
    );
  });
});
