import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import { IncomingMessage, OutgoingMessage } from "../../../src/protocol/side-channel/message-io.js";

const f32 = fc.float({ noNaN: true });
const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 40 });

describe("OutgoingMessage / IncomingMessage", () => {
  it("writes the little-endian layouts of docs/protocol.md §5.2", () => {
    const bytes = new OutgoingMessage().writeBool(true).writeInt32(-2).writeFloat32(20).writeString("ab").writeFloat32List([1]).toBytes();
    expect(Array.from(bytes)).toEqual([1, 0xfe, 0xff, 0xff, 0xff, 0, 0, 0xa0, 0x41, 2, 0, 0, 0, 0x61, 0x62, 1, 0, 0, 0, 0, 0, 0x80, 0x3f]);
  });

  it("round-trips mixed sequences of values", () => {
    fc.assert(fc.property(fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), f32, ascii, fc.array(f32, { maxLength: 10 }),
      (b, i, f, s, list) => {
        const bytes = new OutgoingMessage().writeBool(b).writeInt32(i).writeFloat32(f).writeString(s).writeFloat32List(list).writeRaw(Uint8Array.of(7, 8)).toBytes();
        const m = new IncomingMessage(bytes);
        expect(m.readBool()).toBe(b);
        expect(m.readInt32()).toBe(i);
        expect(m.readFloat32()).toBe(Math.fround(f));
        expect(m.readString()).toBe(s);
        expect(m.readFloat32List()).toEqual(list.map(Math.fround));
        expect(m.readRaw()).toEqual(Uint8Array.of(7, 8));
        expect(m.remaining).toBe(0);
      }));
  });

  it("returns defaults when reading past the end", () => {
    const m = new IncomingMessage(Uint8Array.of(1, 2));
    expect(m.readInt32(42)).toBe(42); // only 2 bytes left: default, nothing consumed
    expect(m.readBool()).toBe(true);
    expect(m.readBool()).toBe(true);
    expect(m.readBool()).toBe(false);
    expect(m.readFloat32(1.5)).toBe(1.5);
    expect(m.readString("d")).toBe("d");
    expect(m.readFloat32List([3])).toEqual([3]);
    expect(m.readRaw()).toEqual(new Uint8Array(0));
  });

  it("rejects declared lengths that are negative or run past the end, without allocating them", () => {
    const huge = new OutgoingMessage().writeInt32(0x7fffffff).toBytes();
    expect(() => new IncomingMessage(huge).readString()).toThrow(SideChannelError);
    expect(() => new IncomingMessage(huge).readFloat32List()).toThrow(/float list length 2147483647 runs past the end/);
    const neg = new OutgoingMessage().writeInt32(-5).toBytes();
    expect(() => new IncomingMessage(neg).readString()).toThrow(/negative string length -5/);
    const short = new OutgoingMessage().writeInt32(2).writeFloat32(1).toBytes();
    expect(() => new IncomingMessage(short).readFloat32List()).toThrow(SideChannelError);
  });

  it("refuses non-ASCII strings and non-int32 integers on write", () => {
    expect(() => new OutgoingMessage().writeString("héllo")).toThrow(/not ASCII/);
    expect(() => new OutgoingMessage().writeInt32(2 ** 31)).toThrow(SideChannelError);
    expect(() => new OutgoingMessage().writeInt32(1.5)).toThrow(SideChannelError);
  });

  it("grows its buffer for large payloads", () => {
    const list = Array.from({ length: 1000 }, (_, i) => i);
    expect(new IncomingMessage(new OutgoingMessage().writeFloat32List(list).toBytes()).readFloat32List()).toEqual(list);
  });

  it("reading random bytes as any type throws only SideChannelError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 10 }), (bytes, ops) => {
      const m = new IncomingMessage(bytes);
      try {
        for (const op of ops) {
          [() => m.readBool(), () => m.readInt32(), () => m.readFloat32(), () => m.readString(), () => m.readFloat32List(), () => m.readRaw()][op]!();
        }
      } catch (e) {
        expect(e).toBeInstanceOf(SideChannelError);
      }
    }));
  });
});
