import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import { FLOAT_PROPERTIES_CHANNEL_ID } from "../../../src/protocol/side-channel/channel-ids.js";
import { floatPropertyMessage, parseFloatPropertyMessage } from "../../../src/protocol/side-channel/float-properties.js";
import { rawBytesMessage } from "../../../src/protocol/side-channel/raw-bytes.js";

describe("float properties and raw bytes", () => {
  it("encodes key + float32 and parses it back", () => {
    const m = floatPropertyMessage("g", -2);
    expect(m.channelId).toBe(FLOAT_PROPERTIES_CHANNEL_ID);
    expect(Array.from(m.payload)).toEqual([1, 0, 0, 0, 0x67, 0, 0, 0, 0xc0]);
    expect(parseFloatPropertyMessage(m.payload)).toEqual({ key: "g", value: -2 });
    expect(() => parseFloatPropertyMessage(m.payload.subarray(0, 6))).toThrow(/"g" has no value/);
  });

  it("raw bytes keep the payload and validate the channel id", () => {
    const id = "AAAAAAAA-0000-1111-2222-333344445555";
    const src = Uint8Array.of(1, 2, 3);
    const m = rawBytesMessage(id, src);
    src[0] = 9;
    expect(m).toEqual({ channelId: id.toLowerCase(), payload: Uint8Array.of(1, 2, 3) });
    expect(() => rawBytesMessage("nope", src)).toThrow(SideChannelError);
  });
});
