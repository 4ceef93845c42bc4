import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import {
  ENGINE_CONFIGURATION_CHANNEL_ID,
  ENVIRONMENT_PARAMETERS_CHANNEL_ID,
  FLOAT_PROPERTIES_CHANNEL_ID,
  STATS_CHANNEL_ID,
  TRAINING_ANALYTICS_CHANNEL_ID,
} from "../../../src/protocol/side-channel/channel-ids.js";
import {
  bytesLEToUuid,
  decodeSideChannelMessages,
  encodeSideChannelMessages,
  uuidToBytesLE,
} from "../../../src/protocol/side-channel/framing.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(/\s+/).filter(Boolean), (b) => parseInt(b, 16));

// docs/protocol.md §5.3, the "16 wire bytes" column.
const wireIds: [string, string][] = [
  [ENGINE_CONFIGURATION_CHANNEL_ID, "2c 34 51 e9 7e 4f ea 11 b2 38 78 4f 43 87 d1 f7"],
  [ENVIRONMENT_PARAMETERS_CHANNEL_ID, "1e 89 4c 53 0f 81 ea 11 a9 d0 82 24 85 86 04 00"],
  [STATS_CHANNEL_ID, "b7 f7 d8 a1 c8 ce f9 50 b7 8b d3 e1 65 a7 85 20"],
  [TRAINING_ANALYTICS_CHANNEL_ID, "a9 a4 64 b6 6f d8 5f 5a 95 cb e8 35 3a 7e 83 56"],
  [FLOAT_PROPERTIES_CHANNEL_ID, "d0 f7 cc 60 7e 4f ea 11 b2 38 78 4f 43 87 d1 f7"],
];

const arbUuid = fc.uuid().map((u) => u.toLowerCase());
const arbMessage = fc.record({ channelId: arbUuid, payload: fc.uint8Array({ maxLength: 64 }) });

describe("channel id byte layout", () => {
  it.each(wireIds)("%s has the bytes_le layout of docs/protocol.md §5.3", (uuid, bytes) => {
    expect(uuidToBytesLE(uuid)).toEqual(hex(bytes));
    expect(bytesLEToUuid(hex(bytes))).toBe(uuid);
  });

  it("accepts upper case and returns canonical lower case", () => {
    expect(bytesLEToUuid(uuidToBytesLE(ENGINE_CONFIGURATION_CHANNEL_ID.toUpperCase()))).toBe(ENGINE_CONFIGURATION_CHANNEL_ID);
  });

  it("round-trips any uuid", () => {
    fc.assert(fc.property(arbUuid, (u) => bytesLEToUuid(uuidToBytesLE(u)) === u));
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      expect(uuidToBytesLE(bytesLEToUuid(b))).toEqual(b);
    }));
  });

  it("rejects ids that are not uuids", () => {
    expect(() => uuidToBytesLE("not-a-uuid")).toThrow(SideChannelError);
    expect(() => uuidToBytesLE("e951342c4f7e11eab238784f4387d1f7")).toThrow(/not a canonical UUID/);
    expect(() => bytesLEToUuid(new Uint8Array(15))).toThrow(SideChannelError);
  });
});

describe("side-channel framing", () => {
  it("encodes the TIME_SCALE = 20 example of docs/protocol.md §5.9 byte for byte", () => {
    const blob = encodeSideChannelMessages([{ channelId: ENGINE_CONFIGURATION_CHANNEL_ID, payload: hex("02 00 00 00 00 00 a0 41") }]);
    expect(blob).toEqual(hex("2c 34 51 e9 7e 4f ea 11 b2 38 78 4f 43 87 d1 f7  08 00 00 00  02 00 00 00  00 00 a0 41"));
  });

  it("encodes nothing as an empty blob and decodes an empty blob as nothing", () => {
    expect(encodeSideChannelMessages([])).toEqual(new Uint8Array(0));
    expect(decodeSideChannelMessages(new Uint8Array(0))).toEqual([]);
  });

  it("round-trips any list of messages, in order, including repeated channels", () => {
    fc.assert(fc.property(fc.array(arbMessage, { maxLength: 8 }), (msgs) => {
      expect(decodeSideChannelMessages(encodeSideChannelMessages(msgs))).toEqual(msgs);
    }));
  });

  it("decodes from a view into a larger buffer (as gRPC Buffers are)", () => {
    const blob = encodeSideChannelMessages([{ channelId: STATS_CHANNEL_ID, payload: Uint8Array.of(1, 2, 3) }]);
    const big = new Uint8Array(blob.length + 10);
    big.set(blob, 7);
    expect(decodeSideChannelMessages(big.subarray(7, 7 + blob.length))).toEqual([{ channelId: STATS_CHANNEL_ID, payload: Uint8Array.of(1, 2, 3) }]);
  });

  it("rejects a truncated header, naming its offset", () => {
    const one = encodeSideChannelMessages([{ channelId: STATS_CHANNEL_ID, payload: Uint8Array.of(9) }]);
    const blob = new Uint8Array(one.length + 5);
    blob.set(one);
    expect(() => decodeSideChannelMessages(blob)).toThrow(/offset 21: truncated message header/);
  });

  it("rejects negative and oversized lengths", () => {
    const blob = encodeSideChannelMessages([{ channelId: STATS_CHANNEL_ID, payload: new Uint8Array(4) }]);
    new DataView(blob.buffer).setInt32(16, -1, true);
    expect(() => decodeSideChannelMessages(blob)).toThrow(/offset 0: negative payload length -1/);
    new DataView(blob.buffer).setInt32(16, 0x7fffffff, true);
    expect(() => decodeSideChannelMessages(blob)).toThrow(/payload length 2147483647 runs past the end \(4 bytes left\)/);
  });

  it("never fails on random bytes with anything but SideChannelError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        const msgs = decodeSideChannelMessages(bytes);
        expect(encodeSideChannelMessages(msgs)).toEqual(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(SideChannelError);
      }
    }), { numRuns: 500 });
  });

  it("finds corruption in a valid blob with a mangled length field", () => {
    fc.assert(fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 4 }), fc.integer(), (msgs, bad) => {
      const blob = encodeSideChannelMessages(msgs);
      const view = new DataView(blob.buffer);
      view.setInt32(16, bad | 0, true);
      try {
        decodeSideChannelMessages(blob);
      } catch (e) {
        expect(e).toBeInstanceOf(SideChannelError);
      }
    }));
  });
});
