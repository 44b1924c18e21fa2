/**
 * Seeded pseudo-random numbers for everything in the trainer that must repeat for a seed: data
 * set splits, the generated shapes, shuffling. Math.random cannot be seeded, so it is never used.
 *
 * mulberry32 (Tommy Ettinger's 32-bit generator): one 32-bit state word, full 2^32 period, passes
 * the gjrand/PractRand tests that matter at the sizes we draw (a few million numbers per run),
 * and is a handful of integer operations per call.
 */

/** A generator of uniform floats in [0, 1), fully determined by `seed`. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience wrapper with the draws the data code needs. */
export class Random {
  private readonly uniform: () => number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.uniform();
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derives an independent seed for a named purpose from the user's seed, so that, e.g., the data
 * split and the shapes generator do not consume the same stream: the seed is mixed first, then
 * the label hashed in (FNV-1a), then mixed again.
 */
export function deriveSeed(seed: number, purpose: string): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}
