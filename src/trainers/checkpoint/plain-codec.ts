// Encodes plain data (objects, arrays, numbers, strings, booleans, null, typed arrays) to bytes
// and back. Typed arrays travel as raw little-endian blocks, not JSON numbers, so a replay buffer
// of millions of floats stays compact and bit-exact. Layout:
//   u32 jsonLength | JSON (typed arrays replaced by {"$ta": kind, "i": block}) | padding to 8 |
//   per block: u32 byteLength, u32 pad, bytes, padding to 8.
// Assumes a little-endian host (every platform Node supports in practice).

export class PlainCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlainCodecError";
  }
}

type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

const kinds: Record<string, new (b: ArrayBuffer, o: number, n: number) => TypedArray> = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
};

function kindOf(v: unknown): string | null {
  if (v instanceof Float32Array) return "f32";
  if (v instanceof Float64Array) return "f64";
  if (v instanceof Int32Array) return "i32";
  if (v instanceof Uint32Array) return "u32";
  if (v instanceof Int16Array) return "i16";
  if (v instanceof Uint16Array) return "u16";
  if (v instanceof Int8Array) return "i8";
  if (v instanceof Uint8Array) return "u8";
  return null;
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

export function encodePlain(value: unknown): Uint8Array {
  const blocks: TypedArray[] = [];
  const replace = (v: unknown, where: string): unknown => {
    const kind = kindOf(v);
    if (kind) {
      blocks.push(v as TypedArray);
      return { $ta: kind, i: blocks.length - 1 };
    }
    if (typeof v === "number") return Number.isFinite(v) ? v : { $num: String(v) };
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (Array.isArray(v)) return v.map((x, i) => replace(x, `${where}[${i}]`));
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x !== undefined) out[k] = replace(x, `${where}.${k}`);
      }
      return out;
    }
    throw new PlainCodecError(`Cannot encode ${where}: ${typeof v} is not plain data.`);
  };
  const json = new TextEncoder().encode(JSON.stringify(replace(value, "state")));
  let size = 4 + json.length + pad8(4 + json.length);
  for (const b of blocks) size += 8 + b.byteLength + pad8(b.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 4);
  let offset = 4 + json.length + pad8(4 + json.length);
  for (const b of blocks) {
    view.setUint32(offset, b.byteLength, true);
    offset += 8;
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset);
    offset += b.byteLength + pad8(b.byteLength);
  }
  return out;
}

export function decodePlain(bytes: Uint8Array): unknown {
  if (bytes.length < 4) throw new PlainCodecError("State bytes are truncated (no header).");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > bytes.length) throw new PlainCodecError("State bytes are truncated (header).");
  const tree: unknown = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength)));
  const blocks: TypedArray[] = [];
  let offset = 4 + jsonLength + pad8(4 + jsonLength);
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) throw new PlainCodecError("State bytes are truncated (block header).");
    const len = view.getUint32(offset, true);
    offset += 8;
    if (offset + len > bytes.length) throw new PlainCodecError("State bytes are truncated (block).");
    // Copy into a fresh aligned buffer: callers may keep and mutate the arrays.
    const copy = new ArrayBuffer(len);
    new Uint8Array(copy).set(bytes.subarray(offset, offset + len));
    blocks.push(new Uint8Array(copy));
    offset += len + pad8(len);
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.$ta === "string" && typeof o.i === "number") {
        const ctor = kinds[o.$ta];
        const block = blocks[o.i];
        if (!ctor || !block) throw new PlainCodecError(`State refers to a missing ${o.$ta} block ${o.i}.`);
        const width = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        return new ctor(block.buffer as ArrayBuffer, 0, block.byteLength / width);
      }
      if (typeof o.$num === "string" && Object.keys(o).length === 1) return Number(o.$num);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = revive(x);
      return out;
    }
    return v;
  };
  return revive(tree);
}
