// Uniform experience replay for SAC: one preallocated typed array per field (capacity x dim),
// used as a ring with pos/full (SB3 `ReplayBuffer`). Deviation from ML-Agents: ML-Agents keeps a
// FIFO list and truncates it to the newest 80 % of buffer_size when full; a ring always keeps the
// newest `capacity` experiences, which only differs in how many old ones survive.

import type { TransitionBatch } from "./transition.js";

export interface ReplayLayout {
  /** Flattened size of each observation. */
  readonly obsSizes: readonly number[];
  readonly continuousSize: number;
  /** Number of discrete branches. */
  readonly discreteSize: number;
  /** Sum of branch sizes (0 without discrete actions). */
  readonly maskSize: number;
  /** Store each transition's `tags` (Mix & Match: the component that acted). Default false. */
  readonly tagged?: boolean;
}

export interface ReplayBufferState {
  readonly layout: ReplayLayout;
  readonly capacity: number;
  readonly pos: number;
  readonly full: boolean;
  readonly obs: Float32Array[];
  readonly nextObs: Float32Array[];
  readonly continuousActions: Float32Array;
  readonly discreteActions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  readonly actionMasks: Uint8Array;
  readonly nextActionMasks: Uint8Array;
  /** [capacity] when the layout is tagged; absent (or empty) otherwise. */
  readonly tags?: Int32Array;
}

type Fields = Omit<ReplayBufferState, "layout" | "capacity" | "pos" | "full" | "tags"> & { tags: Int32Array };

const noTags = new Int32Array(0);

function allocate(layout: ReplayLayout, rows: number): Fields {
  return {
    obs: layout.obsSizes.map((s) => new Float32Array(rows * s)),
    nextObs: layout.obsSizes.map((s) => new Float32Array(rows * s)),
    continuousActions: new Float32Array(rows * layout.continuousSize),
    discreteActions: new Int32Array(rows * layout.discreteSize),
    rewards: new Float32Array(rows),
    dones: new Float32Array(rows),
    actionMasks: new Uint8Array(rows * layout.maskSize),
    nextActionMasks: new Uint8Array(rows * layout.maskSize),
    tags: new Int32Array(layout.tagged ? rows : 0),
  };
}

/** Per-field row width, in the order fields are visited by copyRow. */
function widths(layout: ReplayLayout): number[] {
  return [
    ...layout.obsSizes,
    ...layout.obsSizes,
    layout.continuousSize,
    layout.discreteSize,
    1,
    1,
    layout.maskSize,
    layout.maskSize,
    layout.tagged ? 1 : 0,
  ];
}

type Typed = Float32Array | Int32Array | Uint8Array;

/** Every field as a flat list, in the same order as widths(). */
function arrays(f: Fields | TransitionBatch | ReplayBufferState): Typed[] {
  return [
    ...f.obs,
    ...f.nextObs,
    f.continuousActions,
    f.discreteActions,
    f.rewards,
    f.dones,
    f.actionMasks,
    f.nextActionMasks,
    f.tags ?? noTags,
  ];
}

export class ReplayBuffer {
  readonly layout: ReplayLayout;
  readonly capacity: number;
  private pos = 0;
  private full = false;
  private data: Fields;
  private readonly out: Fields;
  private outRows: number;
  private readonly rowWidths: number[];

  constructor(layout: ReplayLayout, capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`replay buffer capacity must be a positive integer, got ${capacity}`);
    this.layout = { ...layout, obsSizes: [...layout.obsSizes] };
    this.capacity = capacity;
    this.data = allocate(layout, capacity);
    this.outRows = 0;
    this.out = allocate(layout, 0);
    this.rowWidths = widths(layout);
  }

  get size(): number {
    return this.full ? this.capacity : this.pos;
  }

  /** Appends every transition of `batch`, overwriting the oldest once full. */
  add(batch: TransitionBatch): void {
    const n = batch.length;
    const src = arrays(batch);
    // An untagged buffer ignores tags the agent processor attached.
    if (!this.layout.tagged) src[src.length - 1] = noTags;
    src.forEach((a, k) => {
      if (a.length !== n * this.rowWidths[k]) {
        throw new RangeError(`replay buffer add: field ${k} has ${a.length} values, expected ${n} x ${this.rowWidths[k]}`);
      }
    });
    const dst = arrays(this.data);
    let done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, this.capacity - this.pos);
      for (let k = 0; k < dst.length; k++) {
        const w = this.rowWidths[k];
        if (w === 0) continue;
        dst[k].set(src[k].subarray(done * w, (done + chunk) * w), this.pos * w);
      }
      done += chunk;
      this.pos += chunk;
      if (this.pos === this.capacity) {
        this.pos = 0;
        this.full = true;
      }
    }
  }

  /**
   * Uniform sample with replacement. The returned batch's arrays are reused by the next call
   * (no allocation per update): copy them if you keep them.
   */
  sample(batchSize: number, rng: () => number): TransitionBatch {
    const size = this.size;
    if (size === 0) throw new RangeError("replay buffer sample: the buffer is empty");
    if (this.outRows !== batchSize) {
      Object.assign(this.out, allocate(this.layout, batchSize));
      this.outRows = batchSize;
    }
    const src = arrays(this.data);
    const dst = arrays(this.out);
    for (let r = 0; r < batchSize; r++) {
      const i = Math.min(size - 1, Math.floor(rng() * size));
      for (let k = 0; k < dst.length; k++) {
        const w = this.rowWidths[k];
        if (w === 1) dst[k][r] = src[k][i];
        else if (w > 0) dst[k].set(src[k].subarray(i * w, i * w + w), r * w);
      }
    }
    const { tags, ...fields } = this.out;
    return this.layout.tagged ? { length: batchSize, ...fields, tags } : { length: batchSize, ...fields };
  }

  /** A deep copy: safe to hand to another buffer (PBT exploit) or to save. */
  getState(): ReplayBufferState {
    const copy = <T extends Typed>(a: T): T => a.slice() as T;
    const d = this.data;
    return {
      layout: { ...this.layout, obsSizes: [...this.layout.obsSizes] },
      capacity: this.capacity,
      pos: this.pos,
      full: this.full,
      obs: d.obs.map(copy),
      nextObs: d.nextObs.map(copy),
      continuousActions: copy(d.continuousActions),
      discreteActions: copy(d.discreteActions),
      rewards: copy(d.rewards),
      dones: copy(d.dones),
      actionMasks: copy(d.actionMasks),
      nextActionMasks: copy(d.nextActionMasks),
      ...(this.layout.tagged ? { tags: copy(d.tags) } : {}),
    };
  }

  setState(state: ReplayBufferState): void {
    const l = state.layout;
    const same =
      state.capacity === this.capacity &&
      l.continuousSize === this.layout.continuousSize &&
      l.discreteSize === this.layout.discreteSize &&
      l.maskSize === this.layout.maskSize &&
      Boolean(l.tagged) === Boolean(this.layout.tagged) &&
      l.obsSizes.length === this.layout.obsSizes.length &&
      l.obsSizes.every((s, i) => s === this.layout.obsSizes[i]);
    if (!same) throw new RangeError("replay buffer state: layout or capacity differs from this buffer");
    const src = arrays(state);
    const dst = arrays(this.data);
    src.forEach((a, k) => {
      if (a.length !== this.capacity * this.rowWidths[k]) throw new RangeError(`replay buffer state: field ${k} has the wrong length`);
    });
    src.forEach((a, k) => dst[k].set(a));
    this.pos = state.pos;
    this.full = state.full;
  }
}
