// Memory and matrix products for the fast SAC engine (fast-sac.ts). Why: every tfjs kernel costs
// ~20-60 us of engine bookkeeping (tensor objects, tidy scopes, the gradient tape), which is most
// of a small SAC update. On the WebAssembly backend the buffers here live in the backend's own
// heap and products call its XNNPACK-backed _FusedMatMul export directly (~2 us of overhead);
// the big elementwise passes call its XNNPACK elementwise exports the same way (elementwise.ts).
// These are internals of @tensorflow/tfjs-backend-wasm, which package.json pins to an exact
// version; test/trainers/sac/gemm.test.ts fails if they move. No other backend is served.

import * as tf from "@tensorflow/tfjs-core";

/** A float32 buffer; `view` is refreshed whenever the wasm heap grows (old views detach). */
export interface Buf {
  readonly ptr: number;
  readonly size: number;
  view: Float32Array;
}

export interface Gemm {
  readonly name: string;
  /** Matrix products issued so far (for benchmarks). */
  calls: number;
  alloc(size: number): Buf;
  /** Elements [offset, offset + size) of `root`, sharing its memory. */
  sub(root: Buf, offset: number, size: number): Buf;
  free(buf: Buf): void;
  /** Stops refreshing the view of a buffer from `sub` that is no longer used (frees nothing). */
  forget(buf: Buf): void;
  /**
   * out[M, N] = a[M, K] b[K, N] (+ bias[N]), row-major. All views are valid again on return.
   * With `pack`, the backend may keep a packed copy of b and bias for later products with the
   * same key and version: callers must change the version whenever b or bias change.
   */
  matmul(a: Buf, b: Buf, out: Buf, m: number, k: number, n: number, bias: Buf | null, pack?: PackKey): void;
  /** Re-derives views if the heap moved (call at every public entry point). */
  sync(): void;
  /** Optional vectorized elementwise kernels (JavaScript loops are ~10x slower on big layers). */
  sigmoid?(x: Buf, out: Buf, size: number): void;
  mul?(a: Buf, b: Buf, out: Buf, size: number): void;
  /**
   * Optional vectorized out = a (op) b over `size` elements; `b` has `size` elements or one
   * (a scalar, broadcast). In-place (out === a) is allowed.
   */
  binary?(op: BinaryOp, a: Buf, b: Buf, out: Buf, size: number, bSize: number): void;
  /** Optional vectorized out = sqrt(x). */
  sqrt?(x: Buf, out: Buf, size: number): void;
  /** Releases the Gemm's own memory (buffers from alloc are freed by their owners). */
  dispose(): void;
}

/** Identifies a product's right operand and bias; `version` changes whenever their values do. */
export interface PackKey {
  readonly key: object;
  readonly version: number;
}

interface PackedEntry {
  readonly version: number;
  readonly bPtr: number;
  readonly biasPtr: number;
  readonly k: number;
  readonly n: number;
  readonly bId: number;
  readonly biasId: number;
}

export type BinaryOp = "add" | "sub" | "mul" | "div";

const BINARY_EXPORT = { add: "_Add", sub: "_Sub", mul: "_Multiply", div: "_RealDiv" } as const;

interface WasmModule {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  __FusedMatMul(...args: number[]): void;
  _Sigmoid(x: number, out: number): void;
  _Multiply(...args: number[]): void;
  _Add(...args: number[]): void;
  _Sub(...args: number[]): void;
  _RealDiv(...args: number[]): void;
  _Sqrt(x: number, dtype: number, out: number): void;
  tfjs: { registerTensor(id: number, size: number, ptr: number): void; disposeData(id: number): void };
}

interface WasmBackendLike {
  wasm: WasmModule;
  dataIdNextNumber: number;
}

class WasmGemm implements Gemm {
  readonly name = "wasm-direct";
  calls = 0;
  private readonly wasm: WasmModule;
  private heap: ArrayBufferLike;
  private readonly bufs = new Set<Buf>();
  private readonly packed = new Map<object, PackedEntry>();
  private readonly shapes: number; // 8 int32: a shape [1, M, K], b shape [1, K, N], 2 x [size]

  constructor(private readonly backend: WasmBackendLike) {
    this.wasm = backend.wasm;
    this.shapes = this.wasm._malloc(32);
    this.heap = this.wasm.HEAPF32.buffer;
  }

  alloc(size: number): Buf {
    const ptr = this.wasm._malloc(Math.max(size, 1) * 4) >>> 0;
    this.sync();
    const b: Buf = { ptr, size, view: new Float32Array(this.wasm.HEAPF32.buffer, ptr, size) };
    b.view.fill(0);
    this.bufs.add(b);
    return b;
  }

  sub(root: Buf, offset: number, size: number): Buf {
    if (offset < 0 || offset + size > root.size) throw new RangeError(`sub-buffer [${offset}, ${offset + size}) outside a buffer of ${root.size}`);
    const ptr = root.ptr + offset * 4;
    const b: Buf = { ptr, size, view: new Float32Array(this.wasm.HEAPF32.buffer, ptr, size) };
    this.bufs.add(b);
    return b;
  }

  free(buf: Buf): void {
    const end = buf.ptr + buf.size * 4;
    for (const [key, e] of this.packed) {
      const inside = (p: number): boolean => p >= buf.ptr && p < end;
      if (inside(e.bPtr) || inside(e.biasPtr)) this.unpack(key, e);
    }
    this.bufs.delete(buf);
    this.wasm._free(buf.ptr);
  }

  forget(buf: Buf): void {
    this.bufs.delete(buf);
  }

  dispose(): void {
    for (const [key, e] of this.packed) this.unpack(key, e);
    this.bufs.clear();
    this.wasm._free(this.shapes);
  }

  sync(): void {
    const heap = this.wasm.HEAPF32.buffer;
    if (heap === this.heap) return;
    this.heap = heap;
    for (const b of this.bufs) b.view = new Float32Array(heap, b.ptr, b.size);
  }

  private register(ptr: number, size: number): number {
    const id = this.backend.dataIdNextNumber++; // tfjs' own id counter: never collides with its tensors
    this.wasm.tfjs.registerTensor(id, size, ptr);
    return id;
  }

  /** Releases a kept operator (disposing the ids deletes the backend's XNNPACK operator). */
  private unpack(key: object, e: PackedEntry): void {
    this.wasm.tfjs.disposeData(e.bId);
    if (e.biasId) this.wasm.tfjs.disposeData(e.biasId);
    this.packed.delete(key);
  }

  matmul(a: Buf, b: Buf, out: Buf, m: number, k: number, n: number, bias: Buf | null, pack?: PackKey): void {
    if (m === 0) return;
    const w = this.wasm;
    const s = this.shapes >> 2;
    const h = w.HEAP32;
    h[s] = 1;
    h[s + 1] = m;
    h[s + 2] = k;
    h[s + 3] = 1;
    h[s + 4] = k;
    h[s + 5] = n;
    // The backend caches XNNPACK operators (with b and bias packed) by the ids of b and bias:
    // fresh ids unless the caller vouches that b and bias are unchanged since the last product
    // with its key (a reused id would otherwise silently keep stale weights).
    const aId = this.register(a.ptr, m * k);
    const oId = this.register(out.ptr, m * n);
    let bId: number;
    let biasId: number;
    const biasPtr = bias ? bias.ptr : -1;
    const e = pack ? this.packed.get(pack.key) : undefined;
    if (pack && e && e.version === pack.version && e.bPtr === b.ptr && e.biasPtr === biasPtr && e.k === k && e.n === n) {
      bId = e.bId;
      biasId = e.biasId;
    } else {
      if (pack && e) this.unpack(pack.key, e);
      bId = this.register(b.ptr, k * n);
      biasId = bias ? this.register(bias.ptr, n) : 0;
      if (pack) this.packed.set(pack.key, { version: pack.version, bPtr: b.ptr, biasPtr, k, n, bId, biasId });
    }
    w.__FusedMatMul(aId, this.shapes, 3, bId, this.shapes + 12, 3, 0, 0, 0, biasId, 0, 0, oId);
    w.tfjs.disposeData(aId);
    w.tfjs.disposeData(oId);
    if (!pack) {
      w.tfjs.disposeData(bId);
      if (biasId) w.tfjs.disposeData(biasId);
    }
    this.calls++;
    this.sync(); // packing weights may have grown the heap
  }

  sigmoid(x: Buf, out: Buf, size: number): void {
    const xId = this.register(x.ptr, size);
    const oId = this.register(out.ptr, size);
    this.wasm._Sigmoid(xId, oId);
    this.wasm.tfjs.disposeData(xId);
    this.wasm.tfjs.disposeData(oId);
    this.sync();
  }

  mul(a: Buf, b: Buf, out: Buf, size: number): void {
    this.binary("mul", a, b, out, size, size);
  }

  binary(op: BinaryOp, a: Buf, b: Buf, out: Buf, size: number, bSize: number): void {
    if (size === 0) return;
    const s = (this.shapes >> 2) + 6;
    this.wasm.HEAP32[s] = size;
    this.wasm.HEAP32[s + 1] = bSize;
    const aId = this.register(a.ptr, size);
    const bId = this.register(b.ptr, bSize);
    const oId = this.register(out.ptr, size);
    this.wasm[BINARY_EXPORT[op]](aId, this.shapes + 24, 1, bId, this.shapes + 28, 1, 0, oId); // dtype 0: float32
    this.wasm.tfjs.disposeData(aId);
    this.wasm.tfjs.disposeData(bId);
    this.wasm.tfjs.disposeData(oId);
    this.sync(); // creating the XNNPACK operator may have grown the heap
  }

  sqrt(x: Buf, out: Buf, size: number): void {
    if (size === 0) return;
    const xId = this.register(x.ptr, size);
    const oId = this.register(out.ptr, size);
    this.wasm._Sqrt(xId, 0, oId);
    this.wasm.tfjs.disposeData(xId);
    this.wasm.tfjs.disposeData(oId);
    this.sync();
  }
}

/**
 * The exports of @tensorflow/tfjs-backend-wasm this file calls, checked on the active backend.
 * Empty when they are all there; otherwise the names that are missing (the backend is not wasm,
 * or a new version moved its internals: the package is pinned to an exact version for this).
 */
export function missingWasmInternals(): string[] {
  if (tf.getBackend() !== "wasm") return [`the wasm backend (active: ${tf.getBackend()})`];
  const b = tf.backend() as unknown as Partial<WasmBackendLike> | null;
  const w = (b?.wasm ?? {}) as Partial<Record<string, unknown>> & { tfjs?: Partial<Record<string, unknown>> };
  const missing = [...WASM_EXPORTS, "_malloc", "_free"].filter((name) => typeof w[name] !== "function");
  for (const name of ["registerTensor", "disposeData"]) if (typeof w.tfjs?.[name] !== "function") missing.push(`tfjs.${name}`);
  if (!(w.HEAPF32 instanceof Float32Array) || !(w.HEAP32 instanceof Int32Array)) missing.push("HEAPF32/HEAP32");
  if (typeof b?.dataIdNextNumber !== "number") missing.push("dataIdNextNumber");
  return missing;
}

const WASM_EXPORTS = ["__FusedMatMul", "_Sigmoid", "_Multiply", "_Add", "_Sub", "_RealDiv", "_Sqrt"] as const;

/** Direct products in the WebAssembly backend's heap; throws if the backend's internals are not there. */
export function createGemm(): Gemm {
  const missing = missingWasmInternals();
  if (missing.length > 0) throw new Error(`the fast SAC engine needs @tensorflow/tfjs-backend-wasm internals that are missing: ${missing.join(", ")}`);
  return new WasmGemm(tf.backend() as unknown as WasmBackendLike);
}
