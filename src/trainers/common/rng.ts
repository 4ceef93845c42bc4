// Seeded random numbers with a one-word state, so a trainer's randomness can be saved, copied
// between PBT members and replayed exactly (no global Math.random).

/** Mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, good enough for sampling minibatches and noise. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Fills `out` with standard normal samples (Box-Muller, both values of each pair used). */
  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.next(); // (0, 1]: log stays finite
      const r = Math.sqrt(-2 * Math.log(u1));
      const th = 2 * Math.PI * this.next();
      out[i] = r * Math.cos(th);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(th);
    }
    return out;
  }

  /** A bound `() => number` for APIs that take a uniform source (ReplayBuffer.sample). */
  get uniform(): () => number {
    return () => this.next();
  }

  getState(): number {
    return this.s;
  }

  setState(state: number): void {
    this.s = state >>> 0;
  }
}
