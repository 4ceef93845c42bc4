// Primitive payload encodings shared by all side channels (docs/protocol.md §5.2), little-endian throughout.
// Readers return the default when nothing is left, as Unity's and Python's readers do; a declared
// string/list length that runs past the end is corruption and throws before anything is allocated.
import { SideChannelError } from "../errors.js";

export class OutgoingMessage {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  writeBool(v: boolean): this {
    this.reserve(1);
    this.buf[this.len++] = v ? 1 : 0;
    return this;
  }

  writeInt32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new SideChannelError(`${v} is not an int32`);
    }
    this.reserve(4);
    this.view.setInt32(this.len, v, true);
    this.len += 4;
    return this;
  }

  writeFloat32(v: number): this {
    this.reserve(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** Length-prefixed ASCII, as Python's encode("ascii"): other characters are rejected. */
  writeString(v: string): this {
    const bytes = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7f) throw new SideChannelError(`string ${JSON.stringify(v)} is not ASCII (character ${i})`);
      bytes[i] = c;
    }
    this.writeInt32(bytes.length);
    return this.writeRaw(bytes);
  }

  writeFloat32List(v: readonly number[]): this {
    this.writeInt32(v.length);
    for (const x of v) this.writeFloat32(x);
    return this;
  }

  writeRaw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

export class IncomingMessage {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  readBool(def = false): boolean {
    if (this.remaining < 1) return def;
    return this.bytes[this.pos++] !== 0;
  }

  readInt32(def = 0): number {
    if (this.remaining < 4) return def;
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readFloat32(def = 0): number {
    if (this.remaining < 4) return def;
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readString(def = ""): string {
    if (this.remaining < 4) return def;
    const at = this.pos;
    const length = this.readInt32();
    this.checkLength(length, 1, at, "string");
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.bytes[this.pos + i]!);
    this.pos += length;
    return s;
  }

  readFloat32List(def: number[] = []): number[] {
    if (this.remaining < 4) return def;
    const at = this.pos;
    const count = this.readInt32();
    this.checkLength(count, 4, at, "float list");
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.readFloat32();
    return out;
  }

  /** The rest of the payload, as-is. */
  readRaw(): Uint8Array {
    const out = this.bytes.slice(this.pos);
    this.pos = this.bytes.length;
    return out;
  }

  private checkLength(count: number, itemBytes: number, at: number, what: string): void {
    if (count < 0) throw new SideChannelError(`negative ${what} length ${count}`, at);
    if (count * itemBytes > this.remaining) {
      throw new SideChannelError(`${what} length ${count} runs past the end (${this.remaining} bytes left)`, at);
    }
  }
}
