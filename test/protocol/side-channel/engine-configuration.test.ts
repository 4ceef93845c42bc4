import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SideChannelError } from "../../../src/protocol/errors.js";
import { ENGINE_CONFIGURATION_CHANNEL_ID } from "../../../src/protocol/side-channel/channel-ids.js";
import {
  applyEngineConfigMessage,
  DEFAULT_ENGINE_CONFIG,
  engineConfigMessages,
  type EngineConfig,
} from "../../../src/protocol/side-channel/engine-configuration.js";
import { encodeSideChannelMessages } from "../../../src/protocol/side-channel/framing.js";

const hex = (s: string): number[] => s.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16));

describe("engine configuration channel", () => {
  it("matches the docs/protocol.md §5.9 TIME_SCALE = 20 blob", () => {
    const blob = encodeSideChannelMessages(engineConfigMessages({ timeScale: 20 }));
    expect(Array.from(blob)).toEqual(hex("2c 34 51 e9 7e 4f ea 11 b2 38 78 4f 43 87 d1 f7 08 00 00 00 02 00 00 00 00 00 a0 41"));
  });

  it("sends mlagents-learn's five settings in the order of docs/protocol.md §5.4", () => {
    const msgs = engineConfigMessages(DEFAULT_ENGINE_CONFIG);
    expect(msgs.every((m) => m.channelId === ENGINE_CONFIGURATION_CHANNEL_ID)).toBe(true);
    expect(msgs.map((m) => Array.from(m.payload))).toEqual([
      [0, 0, 0, 0, 84, 0, 0, 0, 84, 0, 0, 0],
      [1, 0, 0, 0, 5, 0, 0, 0],
      [2, 0, 0, 0, 0, 0, 0xa0, 0x41],
      [3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
      [4, 0, 0, 0, 60, 0, 0, 0],
    ]);
  });

  it("requires width and height together", () => {
    expect(() => engineConfigMessages({ width: 10 })).toThrow(/width and height together/);
    expect(engineConfigMessages({})).toEqual([]);
  });

  it("applies every message back into an equal config on the Unity side", () => {
    const int = fc.integer({ min: -1000, max: 100000 });
    const arbCfg = fc.record({
      size: fc.option(fc.tuple(int, int), { nil: undefined }),
      qualityLevel: fc.option(int, { nil: undefined }),
      timeScale: fc.option(fc.float({ noNaN: true }).map(Math.fround), { nil: undefined }),
      targetFrameRate: fc.option(int, { nil: undefined }),
      captureFrameRate: fc.option(int, { nil: undefined }),
    });
    fc.assert(fc.property(arbCfg, ({ size, ...rest }) => {
      const cfg: EngineConfig = {};
      if (size) [cfg.width, cfg.height] = size;
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) (cfg as Record<string, number>)[k] = v;
      const got: EngineConfig = {};
      for (const m of engineConfigMessages(cfg)) applyEngineConfigMessage(m.payload, got);
      expect(got).toEqual(cfg);
    }));
  });

  it("rejects unknown types and short messages", () => {
    expect(() => applyEngineConfigMessage(Uint8Array.of(9, 0, 0, 0), {})).toThrow(/unknown engine configuration type 9/);
    expect(() => applyEngineConfigMessage(Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0), {})).toThrow(SideChannelError);
    expect(() => applyEngineConfigMessage(Uint8Array.of(), {})).toThrow(SideChannelError);
  });
});
