import fc from "fast-check";
import { PNG } from "pngjs";
import { describe, expect, it, vi } from "vitest";
import { PngDecodeError } from "../../src/env/errors.js";
import { MAX_DECODED_PIXELS, decodePngObservation, splitPngs } from "../../src/env/png-decoding.js";
import { encodePng } from "./helpers/protos.js";

const W = 4;
const H = 3;
// Distinct values per pixel and channel, so any transposition or flip shows.
const rgb = (x: number, y: number): [number, number, number] => [x * 10 + y, 100 + x + y * 7, 200 + x * 2 + y];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A structurally valid PNG header claiming width x height, with nothing behind the IHDR. */
function ihdrOnly(width: number, height: number): Uint8Array {
  const b = new Uint8Array(8 + 25 + 12);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(b.buffer);
  v.setUint32(8, 13);
  b.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24);
  v.setUint32(33, 0);
  b.set([0x49, 0x45, 0x4e, 0x44], 37); // IEND
  return b;
}

describe("decodePngObservation", () => {
  it("decodes RGB to CHW floats value/255 with row 0 at the top", () => {
    const out = decodePngObservation(encodePng(W, H, rgb), [3, H, W], []);
    expect(out.length).toBe(3 * H * W);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) expect(out[c * H * W + y * W + x]).toBeCloseTo(rgb(x, y)[c]! / 255, 6);
      }
    }
  });

  it("averages the RGB channels when the observation has one channel", () => {
    const out = decodePngObservation(encodePng(W, H, rgb), [1, H, W], []);
    const [r, g, b] = rgb(2, 1);
    expect(out[1 * W + 2]).toBeCloseTo((r + g + b) / 3 / 255, 6);
  });

  it("decodes grayscale and RGBA files as RGB (alpha dropped)", () => {
    const gray = encodePng(W, H, (x, y) => [x * 50 + y, x * 50 + y, x * 50 + y], 0);
    const g = decodePngObservation(gray, [1, H, W], []);
    expect(g[2 * W + 3]).toBeCloseTo((3 * 50 + 2) / 255, 6);
    const g3 = decodePngObservation(gray, [3, H, W], []);
    expect(g3[2 * H * W + 2 * W + 3]).toBeCloseTo((3 * 50 + 2) / 255, 6);
    const rgba = encodePng(W, H, (x, y) => [...rgb(x, y), 77], 6);
    const a = decodePngObservation(rgba, [3, H, W], []);
    expect(a[2 * H * W]).toBeCloseTo(rgb(0, 0)[2] / 255, 6);
  });

  it("applies a channel mapping over concatenated PNGs: [0,0,0,1,1,1] gives 2 grayscale channels", () => {
    const first = encodePng(W, H, rgb);
    const second = encodePng(W, H, (x, y) => [255 - x, 255 - y, 0]);
    const out = decodePngObservation(concat(first, second), [2, H, W], [0, 0, 0, 1, 1, 1]);
    expect(out.length).toBe(2 * H * W);
    const [r, g, b] = rgb(1, 2);
    expect(out[2 * W + 1]).toBeCloseTo((r + g + b) / 3 / 255, 6);
    expect(out[H * W + 2 * W + 1]).toBeCloseTo((255 - 1 + 255 - 2 + 0) / 3 / 255, 6);
  });

  it("discards channels mapped to -1 (padding)", () => {
    const first = encodePng(W, H, rgb);
    const second = encodePng(W, H, (x) => [x, 9, 9]);
    // 4 channels: RGB of the first PNG, then R of the second; the rest is padding.
    const out = decodePngObservation(concat(first, second), [4, H, W], [0, 1, 2, 3, -1, -1]);
    expect(out[3 * H * W + 3]).toBeCloseTo(3 / 255, 6);
    expect(out[1 * H * W]).toBeCloseTo(rgb(0, 0)[1] / 255, 6);
  });

  it("takes the first C channels of concatenated PNGs without a mapping", () => {
    const out = decodePngObservation(concat(encodePng(W, H, rgb), encodePng(W, H, () => [1, 2, 3])), [5, H, W], []);
    expect(out[4 * H * W]).toBeCloseTo(2 / 255, 6);
  });

  const rejects: [string, () => unknown, RegExp][] = [
    ["invalid bytes", () => decodePngObservation(Uint8Array.of(1, 2, 3, 4), [3, H, W], []), /do not start with a PNG signature/],
    ["empty data", () => decodePngObservation(new Uint8Array(0), [3, H, W], []), /no PNG data/],
    ["truncated", () => decodePngObservation(encodePng(W, H, rgb).subarray(0, 40), [3, H, W], []), /truncated/],
    ["corrupt pixel data", () => {
      const b = encodePng(W, H, rgb).slice();
      b[45] = b[45]! ^ 0xff; // inside IDAT: CRC or inflate fails
      return decodePngObservation(b, [3, H, W], []);
    }, /cannot be decoded/],
    ["size differs from shape", () => decodePngObservation(encodePng(W, H, rgb), [3, H + 1, W], []), /is 4x3 \(WxH\), expected 4x4/],
    ["too few channels", () => decodePngObservation(encodePng(W, H, rgb), [4, H, W], []), /hold 3 channels, expected 4/],
    ["mapping length", () => decodePngObservation(encodePng(W, H, rgb), [1, H, W], [0, 0]), /2 entries but the PNGs decode to 3/],
    ["mapping gap", () => decodePngObservation(encodePng(W, H, rgb), [2, H, W], [0, 2, 2]), /does not map onto channels/],
    ["mapping channel count", () => decodePngObservation(encodePng(W, H, rgb), [2, H, W], [0, 0, 0]), /yields 1 channels, expected 2/],
    ["rank", () => decodePngObservation(encodePng(W, H, rgb), [H, W], []), /rank 3/],
  ];
  for (const [label, call, message] of rejects) {
    it(`rejects ${label} with a PngDecodeError`, () => {
      expect(call).toThrow(PngDecodeError);
      expect(call).toThrow(message);
    });
  }

  it("rejects a huge IHDR claim from the header alone, before inflating anything", () => {
    const claim = ihdrOnly(100000, 100000);
    expect(() => splitPngs(claim)).toThrow(/claims 100000x100000 pixels; over the cap/);
    const read = vi.spyOn(PNG.sync, "read");
    try {
      expect(() => decodePngObservation(claim, [3, 100000, 100000], [])).toThrow(/claims 100000x100000 pixels; over the cap/);
      expect(() => decodePngObservation(ihdrOnly(100, 100), [3, 64, 84], [])).toThrow(/is 100x100 \(WxH\), expected 84x64/);
      expect(read).not.toHaveBeenCalled();
      decodePngObservation(encodePng(W, H, rgb), [3, H, W], []);
      expect(read).toHaveBeenCalledTimes(1); // the spy does see real decodes
    } finally {
      read.mockRestore();
    }
    const many = concat(...Array.from({ length: 5 }, () => ihdrOnly(2048, 2048)));
    expect(() => splitPngs(many)).toThrow(new RegExp(`PNG 4 claims 2048x2048 pixels; over the cap of ${MAX_DECODED_PIXELS}`));
  });

  it("property: arbitrary or corrupted bytes only ever throw PngDecodeError", () => {
    const valid = encodePng(W, H, rgb);
    const corrupt = fc
      .tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: valid.length }))
      .map(([at, xor, cut]) => {
        const b = valid.slice(0, Math.max(cut, at + 1));
        b[at] = b[at]! ^ xor;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), corrupt), fc.constantFrom<number[]>([], [0, 0, 0], [0, 1, 2], [0, -1, -1]), (bytes, mapping) => {
        try {
          const out = decodePngObservation(bytes, [mapping.length ? Math.max(...mapping) + 1 : 3, H, W], mapping);
          expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(PngDecodeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("splits concatenated files by their chunks", () => {
    const a = encodePng(W, H, rgb);
    const b = encodePng(2, 5, () => [0, 0, 0]);
    const files = splitPngs(concat(a, b));
    expect(files.map((f) => [f.width, f.height, f.bytes.length])).toEqual([
      [W, H, a.length],
      [2, 5, b.length],
    ]);
  });
});
