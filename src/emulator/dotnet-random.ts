// A port of .NET's seeded System.Random (Knuth's subtractive generator, the "Net5CompatSeedImpl"),
// so environment-parameter samplers draw the same sequences Unity does for the same seed.

const MBIG = 0x7fffffff;
const MSEED = 161803398;

export class DotNetRandom {
  private readonly seedArray = new Int32Array(56);
  private inext = 0;
  private inextp = 21;

  constructor(seed: number) {
    const subtraction = seed === -0x80000000 ? MBIG : Math.abs(seed | 0);
    let mj = MSEED - subtraction;
    const a = this.seedArray;
    a[55] = mj;
    let mk = 1;
    for (let i = 1; i < 55; i++) {
      const ii = (21 * i) % 55;
      a[ii] = mk;
      mk = (mj - mk) | 0;
      if (mk < 0) mk += MBIG;
      mj = a[ii]!;
    }
    for (let k = 1; k < 5; k++) {
      for (let i = 1; i < 56; i++) {
        // C# int arithmetic wraps; `| 0` reproduces it.
        let v = (a[i]! - a[1 + ((i + 30) % 55)]!) | 0;
        if (v < 0) v += MBIG;
        a[i] = v;
      }
    }
  }

  /** Integer in [0, int.MaxValue). */
  private internalSample(): number {
    let locINext = this.inext + 1;
    if (locINext >= 56) locINext = 1;
    let locINextp = this.inextp + 1;
    if (locINextp >= 56) locINextp = 1;
    let ret = this.seedArray[locINext]! - this.seedArray[locINextp]!;
    if (ret === MBIG) ret--;
    if (ret < 0) ret += MBIG;
    this.seedArray[locINext] = ret;
    this.inext = locINext;
    this.inextp = locINextp;
    return ret;
  }

  /** Double in [0, 1). */
  nextDouble(): number {
    return this.internalSample() * (1.0 / MBIG);
  }
}
