import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint } from "../../../src/trainers/checkpoint/checkpoint-file.js";

describe("checkpoint container", () => {
  it("round-trips header and payload", () => {
    const payload = Uint8Array.from([9, 8, 7, 6]);
    const bytes = encodeCheckpoint({ behaviorName: "Basic", step: 42, creationTime: 3.5 }, payload);
    const { header, payload: out } = decodeCheckpoint(bytes);
    expect(header).toEqual({ behaviorName: "Basic", step: 42, creationTime: 3.5 });
    expect([...out]).toEqual([...payload]);
  });

  it("rejects every truncation and every single-byte corruption (property)", () => {
    const bytes = encodeCheckpoint({ behaviorName: "Basic", step: 1, creationTime: 0 }, Uint8Array.from({ length: 40 }, (_, i) => i));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        expect(() => decodeCheckpoint(bytes.subarray(0, i))).toThrow(CheckpointFormatError);
        const bad = bytes.slice();
        bad[i] ^= x;
        expect(() => decodeCheckpoint(bad)).toThrow(CheckpointFormatError);
      }),
    );
  });

  it("rejects arbitrary bytes without crashing (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(() => decodeCheckpoint(b, "x.ckpt")).toThrow(/x\.ckpt is not usable/);
      }),
    );
  });
});
