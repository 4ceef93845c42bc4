// Visual observations as Unity's CameraSensor sends them (docs/protocol.md §3.3-§3.4): CHW pixels, row 0 = top.
// Compressed: one 8-bit RGB PNG per 3 channels, concatenated; a grayscale (C = 1) image is one RGB
// PNG with the value in all three channels; more than 3 channels carry a channel mapping
// (identity, padded with -1 to a multiple of 3). Uncompressed: floats value / 255.
import { PNG } from "pngjs";

export interface EncodedVisual {
  data: Buffer;
  /** Empty when the decoder needs no mapping (C <= 3). */
  channelMapping: number[];
}

/** pixels: C*H*W bytes in CHW order. */
export function encodePngObservation(pixels: Uint8Array, channels: number, height: number, width: number): EncodedVisual {
  const plane = height * width;
  const parts: Buffer[] = [];
  const pngCount = channels === 1 ? 1 : Math.ceil(channels / 3);
  for (let p = 0; p < pngCount; p++) {
    const rgb = Buffer.alloc(plane * 3);
    for (let k = 0; k < 3; k++) {
      const c = channels === 1 ? 0 : p * 3 + k;
      if (c >= channels) continue; // padding channel stays black
      const base = c * plane;
      for (let i = 0; i < plane; i++) rgb[i * 3 + k] = pixels[base + i]!;
    }
    parts.push(writeRgbPng(rgb, width, height));
  }
  const channelMapping: number[] = [];
  if (channels > 3) {
    for (let j = 0; j < pngCount * 3; j++) channelMapping.push(j < channels ? j : -1);
  }
  return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts), channelMapping };
}

export function writeRgbPng(rgb: Buffer, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = rgb;
  // Sub filter + fast deflate: about 3x cheaper than pngjs defaults on small camera frames.
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 1, filterType: 1 });
}

/** CHW floats in [0, 1], as Unity writes an uncompressed camera observation. */
export function pixelsToFloats(pixels: Uint8Array): number[] {
  const out = new Array<number>(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
  return out;
}
