// Minimal TensorBoard event-file writer (scalars only), no dependency: TFRecord framing with
// masked CRC-32C around hand-encoded tensorflow.Event protos:
//   Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { safeFileName } from "../../util/safe-name.js";
import { Tags, type TrainerSummary } from "./trainer-summary.js";

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15, add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

class ProtoWriter {
  private parts: number[] = [];
  varint(v: bigint | number): this {
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.parts.push(b);
    } while (x > 0n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }
  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.tag(field, 1);
    for (const x of b) this.parts.push(x);
    return this;
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5);
    for (const x of b) this.parts.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function encodeScalarEvent(wallTime: number, step: number, scalars: Record<string, number>): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(scalars)) {
    const v = new ProtoWriter().bytes(1, new TextEncoder().encode(tag)).float(2, value).finish();
    summary.bytes(1, v);
  }
  return new ProtoWriter().double(1, wallTime).tag(2, 0).varint(step).bytes(5, summary.finish()).finish();
}

export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).bytes(3, new TextEncoder().encode("brain.Event:2")).finish();
}

/** One TFRecord: u64 length, masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export class TensorBoardWriter {
  readonly file: string;
  private started = false;

  constructor(readonly dir: string, private readonly startTime: number) {
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(startTime)}.${safeFileName(os.hostname())}`);
  }

  async write(summary: TrainerSummary, wallTime: number): Promise<void> {
    const scalars: Record<string, number> = {};
    if (summary.episodes) {
      scalars[Tags.cumulativeReward] = summary.episodes.meanReward;
      scalars[Tags.episodeLength] = summary.episodes.meanLength;
    }
    for (const [k, v] of Object.entries(summary.values)) if (Number.isFinite(v)) scalars[k] = v;
    const records: Uint8Array[] = [];
    if (!this.started) records.push(tfRecord(encodeFileVersionEvent(this.startTime)));
    records.push(tfRecord(encodeScalarEvent(wallTime, summary.step, scalars)));
    await fs.mkdir(this.dir, { recursive: true });
    await fs.appendFile(this.file, Buffer.concat(records));
    this.started = true;
  }
}
