// PNG-compressed visual observations -> CHW floats (docs/protocol.md §3.4, mlagents_envs rpc_utils.process_pixels).
// Unity may concatenate several PNGs in one observation (stacked cameras, grid sensors) and send a
// channel mapping that averages or discards decoded channels. Every PNG is decoded to RGB first, so
// grayscale, palette and RGBA files contribute 3 channels each (alpha is dropped), like Unity writes.
import { PNG } from "pngjs";
import { PngDecodeError } from "./errors.js";

export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Hard cap on pixels over all PNGs of one observation, checked from IHDR before any inflate. */
export const MAX_DECODED_PIXELS = 16 * 1024 * 1024;

/** Channels each decoded PNG contributes (RGB). */
export const CHANNELS_PER_PNG = 3;

export interface PngFile {
  /** The complete file: signature through IEND. */
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

function hasSignatureAt(data: Uint8Array, pos: number): boolean {
  if (pos + PNG_SIGNATURE.length > data.length) return false;
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (data[pos + i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

function readU32(data: Uint8Array, pos: number): number {
  return ((data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!) >>> 0;
}

/**
 * Splits concatenated PNG files by walking their chunks (not by searching for the signature, which
 * could also occur inside compressed data) and reads each IHDR. Checks the pixel cap before decoding.
 */
export function splitPngs(data: Uint8Array, maxPixels: number = MAX_DECODED_PIXELS): PngFile[] {
  if (data.length === 0) throw new PngDecodeError("no PNG data");
  const files: PngFile[] = [];
  let totalPixels = 0;
  let pos = 0;
  while (pos < data.length) {
    const index = files.length;
    if (!hasSignatureAt(data, pos)) throw new PngDecodeError(`bytes at offset ${pos} do not start with a PNG signature`);
    let p = pos + PNG_SIGNATURE.length;
    let width = -1;
    let height = -1;
    for (;;) {
      if (p + 12 > data.length) throw new PngDecodeError(`PNG ${index} is truncated (no IEND chunk)`);
      const length = readU32(data, p);
      const type = String.fromCharCode(data[p + 4]!, data[p + 5]!, data[p + 6]!, data[p + 7]!);
      const end = p + 12 + length;
      if (end > data.length) throw new PngDecodeError(`PNG ${index} is truncated inside chunk ${JSON.stringify(type)}`);
      if (width < 0) {
        if (type !== "IHDR" || length !== 13) throw new PngDecodeError(`PNG ${index} does not start with an IHDR chunk`);
        width = readU32(data, p + 8);
        height = readU32(data, p + 12);
        if (width === 0 || height === 0) throw new PngDecodeError(`PNG ${index} has an empty size ${width}x${height}`);
        totalPixels += width * height;
        if (totalPixels > maxPixels) {
          throw new PngDecodeError(`PNG ${index} claims ${width}x${height} pixels; over the cap of ${maxPixels} pixels per observation`);
        }
      }
      p = end;
      if (type === "IEND") break;
    }
    files.push({ bytes: data.subarray(pos, p), width, height });
    pos = p;
  }
  return files;
}

/** Checks the channel mapping rule of docs/protocol.md §3.4; returns the number of output channels. */
function mappedChannelCount(mapping: readonly number[], decodedChannels: number): number {
  if (mapping.length !== decodedChannels) {
    throw new PngDecodeError(`channel mapping has ${mapping.length} entries but the PNGs decode to ${decodedChannels} channels`);
  }
  let max = -1;
  const distinct = new Set<number>();
  for (const m of mapping) {
    if (!Number.isInteger(m) || m < -1) throw new PngDecodeError(`channel mapping entry ${m} is not -1 or a channel index`);
    if (m >= 0) distinct.add(m);
    if (m > max) max = m;
  }
  if (max < 0) throw new PngDecodeError("channel mapping discards every channel");
  if (distinct.size !== max + 1 || max >= decodedChannels) {
    throw new PngDecodeError(`channel mapping [${mapping.join(", ")}] does not map onto channels 0..${max} contiguously`);
  }
  return max + 1;
}

/**
 * Decodes one compressed observation to CHW floats in [0, 1] (value / 255, row 0 = top of the image).
 * shape is the announced [C, H, W]; any mismatch is a PngDecodeError, never a partial result.
 */
export function decodePngObservation(data: Uint8Array, shape: readonly number[], mapping: readonly number[]): Float32Array {
  if (shape.length !== 3) throw new PngDecodeError(`PNG observations must have rank 3 [C, H, W], got [${shape.join(", ")}]`);
  const [channels, height, width] = shape as [number, number, number];
  const files = splitPngs(data);
  files.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new PngDecodeError(`PNG ${i} is ${f.width}x${f.height} (WxH), expected ${width}x${height}`);
    }
  });
  const decodedChannels = files.length * CHANNELS_PER_PNG;
  const outChannels = mapping.length > 0 ? mappedChannelCount(mapping, decodedChannels) : channels;
  if (outChannels !== channels) throw new PngDecodeError(`channel mapping yields ${outChannels} channels, expected ${channels}`);
  if (mapping.length === 0 && channels > 1 && channels > decodedChannels) {
    throw new PngDecodeError(`${files.length} PNG(s) hold ${decodedChannels} channels, expected ${channels}`);
  }

  const rgba = files.map((f, i) => {
    try {
      return PNG.sync.read(Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength)).data;
    } catch (e) {
      throw new PngDecodeError(`PNG ${i} cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

  // sources[k] = decoded channels (global index j = png * 3 + rgb) averaged into output channel k.
  const sources: number[][] = Array.from({ length: channels }, () => []);
  if (mapping.length > 0) mapping.forEach((k, j) => k >= 0 && sources[k]!.push(j));
  else if (channels === 1) sources[0]!.push(0, 1, 2);
  else for (let k = 0; k < channels; k++) sources[k]!.push(k);

  const plane = height * width;
  const out = new Float32Array(channels * plane);
  for (let k = 0; k < channels; k++) {
    const src = sources[k]!;
    const scale = 1 / (255 * src.length);
    for (let p = 0; p < plane; p++) {
      let sum = 0;
      for (const j of src) sum += rgba[(j / CHANNELS_PER_PNG) | 0]![p * 4 + (j % CHANNELS_PER_PNG)]!;
      out[k * plane + p] = sum * scale;
    }
  }
  return out;
}
