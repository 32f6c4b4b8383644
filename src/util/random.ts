/**
 * The one seeded random number generator of the project: initialisers,
 * shuffling, dropout and rrelu all draw from an `Rng`, so the same seed gives the same bits.
 * Algorithm: xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/), seeded through splitmix32 so
 * that nearby seeds give unrelated streams. `getState`/`setState` save and restore the stream exactly
 * (a training checkpoint resumes the same draws).
 */
import { describe } from './describe.js';

/** Everything an `Rng` draws from next: the four 32-bit words of xoshiro128** and the normal kept from the last pair. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  /** The four state words, unsigned 32-bit integers, not all zero. */
  readonly words: readonly [number, number, number, number];
  /** Box–Muller makes normals in pairs: the second of the last pair, returned by the next `normal()`, or null. */
  readonly spareNormal: number | null;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new TypeError(`Rng: seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const split = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split();
    this.s1 = split();
    this.s2 = split();
    this.s3 = split();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** The generator's state: a generator given it by `setState` draws exactly what this one draws next. */
  getState(): RngState {
    // The words are kept as int32 or uint32 (xor and shifts give either); the state names them unsigned.
    return { algorithm: 'xoshiro128**', words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spareNormal };
  }

  /** Continues the stream of a state from `getState` (checked: a damaged state is an error, not a silent stream). */
  setState(state: RngState): this {
    const where = 'Rng.setState';
    if (!state || typeof state !== 'object') throw new TypeError(`${where}: expected { algorithm: 'xoshiro128**', words: [4 unsigned 32-bit integers], spareNormal }, got ${describe(state)}`);
    if (state.algorithm !== 'xoshiro128**') throw new Error(`${where}: algorithm must be "xoshiro128**", got ${describe(state.algorithm)}`);
    const w = state.words;
    if (!Array.isArray(w) || w.length !== 4 || !w.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
      throw new TypeError(`${where}: words must be 4 unsigned 32-bit integers, got ${describe(w)}`);
    }
    // xoshiro's all-zero state is a fixed point: it would draw 0 forever.
    if (w.every((x) => x === 0)) throw new RangeError(`${where}: words are all zero, which no generator reaches (a damaged state)`);
    const spare = state.spareNormal;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) throw new TypeError(`${where}: spareNormal must be a finite number or null, got ${describe(spare)}`);
    [this.s0, this.s1, this.s2, this.s3] = w as [number, number, number, number];
    this.spareNormal = spare;
    return this;
  }

  /** A new generator whose stream is determined by this one's state (for independent sub-streams). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 4096 + (this.nextUint32() >>> 20));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
