import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodePngObservation } from "../../src/emulator/visual-encoding.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Splits concatenated PNGs at each signature, as the trainer's decoder does. */
function splitPngs(data: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = data.indexOf(SIGNATURE); i >= 0; i = data.indexOf(SIGNATURE, i + 1)) starts.push(i);
  return starts.map((s, k) => data.subarray(s, starts[k + 1] ?? data.length));
}

/** Decoded channels, CHW, in PNG order (3 per PNG). */
function decodeChannels(data: Buffer, h: number, w: number): number[][] {
  const channels: number[][] = [];
  for (const png of splitPngs(data)) {
    const img = PNG.sync.read(png);
    expect([img.width, img.height]).toEqual([w, h]);
    for (let k = 0; k < 3; k++) channels.push(Array.from({ length: h * w }, (_, i) => img.data[4 * i + k]!));
  }
  return channels;
}

describe("PNG observations", () => {
  it("round-trip any CHW image; >3 channels get concatenated PNGs and a padded identity mapping", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (c, h, w, seed) => {
        const pixels = new Uint8Array(c * h * w);
        let s = seed >>> 0;
        for (let i = 0; i < pixels.length; i++) pixels[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
        const { data, channelMapping } = encodePngObservation(pixels, c, h, w);
        const decoded = decodeChannels(data, h, w);
        expect(decoded).toHaveLength(c === 1 ? 3 : Math.ceil(c / 3) * 3);
        if (c === 1) {
          // Grayscale goes out as RGB with the value in every channel.
          for (const ch of decoded) expect(ch).toEqual(Array.from(pixels));
          expect(channelMapping).toEqual([]);
          return;
        }
        for (let k = 0; k < c; k++) expect(decoded[k]).toEqual(Array.from(pixels.subarray(k * h * w, (k + 1) * h * w)));
        for (let k = c; k < decoded.length; k++) expect(decoded[k]!.every((v) => v === 0)).toBe(true);
        if (c <= 3) expect(channelMapping).toEqual([]);
        else expect(channelMapping).toEqual(Array.from({ length: decoded.length }, (_, j) => (j < c ? j : -1)));
      }),
      { numRuns: 60 },
    );
  });
});
