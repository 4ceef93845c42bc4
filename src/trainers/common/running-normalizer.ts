// Running mean/variance of vector observations (ML-Agents `Normalizer`), merged batch by batch
// with Chan et al.'s parallel update in float64. Starts like ML-Agents: count 1, mean 0, M2 1,
// so the first std is 1 and a constant feature never divides by zero.

export interface RunningNormalizerState {
  readonly size: number;
  readonly count: number;
  readonly mean: readonly number[];
  /** Sum of squared deviations (M2); variance = m2 / count. */
  readonly m2: readonly number[];
}

export class RunningNormalizer {
  readonly size: number;
  private count = 1;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly batchMean: Float64Array;
  private readonly batchM2: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size).fill(1);
    this.batchMean = new Float64Array(size);
    this.batchM2 = new Float64Array(size);
  }

  /** Merges n rows of `data` ([n * size], row-major). Chan, Golub & LeVeque 1979, parallel variance. */
  update(data: Float32Array, n: number): void {
    if (n <= 0) return;
    if (data.length < n * this.size) {
      throw new RangeError(`normalizer update: expected ${n * this.size} values for ${n} rows of ${this.size}, got ${data.length}`);
    }
    const d = this.size;
    const bm = this.batchMean.fill(0);
    const b2 = this.batchM2.fill(0);
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) bm[j] += data[r * d + j];
    for (let j = 0; j < d; j++) bm[j] /= n;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        const e = data[r * d + j] - bm[j];
        b2[j] += e * e;
      }
    }
    const na = this.count;
    const total = na + n;
    for (let j = 0; j < d; j++) {
      const delta = bm[j] - this.mean[j];
      this.mean[j] += (delta * n) / total;
      this.m2[j] += b2[j] + (delta * delta * na * n) / total;
    }
    this.count = total;
  }

  get steps(): number {
    return this.count;
  }

  meanVector(): Float32Array {
    return Float32Array.from(this.mean);
  }

  /** sqrt(M2 / count), what ML-Agents exports; floored so it is never 0. */
  stdVector(): Float32Array {
    const out = new Float32Array(this.size);
    for (let j = 0; j < this.size; j++) out[j] = Math.sqrt(Math.max(this.m2[j] / this.count, 1e-12));
    return out;
  }

  getState(): RunningNormalizerState {
    return { size: this.size, count: this.count, mean: Array.from(this.mean), m2: Array.from(this.m2) };
  }

  setState(state: RunningNormalizerState): void {
    if (state.size !== this.size || state.mean.length !== this.size || state.m2.length !== this.size) {
      throw new RangeError(`normalizer state has size ${state.size}, this normalizer has ${this.size}`);
    }
    this.count = state.count;
    this.mean.set(state.mean);
    this.m2.set(state.m2);
  }
}
