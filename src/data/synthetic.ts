// Small 2-D classification sets for seeing what a ReLU network's piecewise-linear decision
// boundary can and cannot do. Each returns a stratified train/test Split (see trainTestSplit)
// drawn from one seeded stream, so the same options give the same bits.

import { finiteAtLeast, intInRange, optionsObject, positiveFinite, positiveInt, seedValue, openFraction } from './check.js';
import { makeDataset, type Split } from './dataset.js';
import { trainTestSplit } from './sampling.js';
import { Rng } from '../util/random.js';

export interface SyntheticOptions {
  /** Total number of points, train and test together, spread evenly over the classes. Default 1000. */
  n?: number;
  /** Standard deviation of the Gaussian noise (meaning per set, see each function). */
  noise?: number;
  /** Default 0. */
  seed?: number;
  /** Fraction held out as the test set. Default 0.2. */
  testFraction?: number;
}

export interface SpiralOptions extends SyntheticOptions {
  /** Number of arms, one class each. Default 3. */
  arms?: number;
}

export interface CirclesOptions extends SyntheticOptions {
  /** Radius of the inner circle relative to the outer one (which has radius 1). Default 0.5. */
  factor?: number;
}

export interface GaussiansOptions extends SyntheticOptions {
  /** Number of blobs, one class each, centred evenly on the unit circle. Default 3. */
  k?: number;
}

const COMMON = ['n', 'noise', 'seed', 'testFraction'] as const;

interface Common {
  n: number;
  noise: number;
  rng: Rng;
  testFraction: number;
}

function common(fn: string, opts: SyntheticOptions, defaultNoise: number, numClasses: number): Common {
  const n = positiveInt(fn, 'n', opts.n ?? 1000);
  if (n < 2 * numClasses) {
    throw new Error(`${fn}: n must be at least ${2 * numClasses} (two points per class), got ${n}`);
  }
  const noise = finiteAtLeast(fn, 'noise', opts.noise ?? defaultNoise, 0);
  const seed = seedValue(fn, 'seed', opts.seed ?? 0);
  const testFraction = openFraction(fn, 'testFraction', opts.testFraction ?? 0.2);
  return { n, noise, rng: new Rng(seed), testFraction };
}

function perClass(n: number, numClasses: number, c: number): number {
  return Math.floor(n / numClasses) + (c < n % numClasses ? 1 : 0);
}

function finish(
  name: string,
  x: Float32Array,
  y: Int32Array,
  classNames: readonly string[],
  c: Common,
): Split {
  const ds = makeDataset(name, x, y, [2], classNames.length, classNames);
  // The split seed comes from the same stream, so one user seed fixes both points and split.
  return trainTestSplit(ds, { testFraction: c.testFraction, seed: c.rng.int(2 ** 31) });
}

/**
 * Interleaved spiral arms (the CS231n classic): arm j has radii evenly spaced in [0, 1] and angles
 * evenly spaced over [4j, 4(j + 1)] radians plus N(0, noise²) jitter. Default noise 0.2.
 * Not linearly separable; a small ReLU MLP separates it.
 */
export function spiral(options?: SpiralOptions): Split {
  const fn = 'spiral';
  const opts = optionsObject(fn, options, [...COMMON, 'arms']);
  const arms = intInRange(fn, 'arms', opts.arms ?? 3, 2, 12);
  const c = common(fn, opts, 0.2, arms);
  const x = new Float32Array(c.n * 2);
  const y = new Int32Array(c.n);
  let k = 0;
  for (let j = 0; j < arms; j++) {
    const m = perClass(c.n, arms, j);
    for (let i = 0; i < m; i++) {
      const s = m === 1 ? 0 : i / (m - 1);
      const t = 4 * j + 4 * s + c.noise * c.rng.normal();
      x[2 * k] = s * Math.sin(t);
      x[2 * k + 1] = s * Math.cos(t);
      y[k++] = j;
    }
  }
  return finish(fn, x, y, Array.from({ length: arms }, (_, j) => `arm ${j}`), c);
}

/**
 * Two concentric circles: class 0 on the unit circle, class 1 on a circle of radius `factor`, at
 * uniformly random angles, each coordinate jittered by N(0, noise²). Default noise 0.05.
 */
export function circles(options?: CirclesOptions): Split {
  const fn = 'circles';
  const opts = optionsObject(fn, options, [...COMMON, 'factor']);
  const factor = positiveFinite(fn, 'factor', opts.factor ?? 0.5);
  if (factor >= 1) throw new Error(`${fn}: factor must be a number in (0, 1), got ${factor}`);
  const c = common(fn, opts, 0.05, 2);
  const x = new Float32Array(c.n * 2);
  const y = new Int32Array(c.n);
  let k = 0;
  for (let cls = 0; cls < 2; cls++) {
    const r = cls === 0 ? 1 : factor;
    const m = perClass(c.n, 2, cls);
    for (let i = 0; i < m; i++) {
      const t = 2 * Math.PI * c.rng.next();
      x[2 * k] = r * Math.cos(t) + c.noise * c.rng.normal();
      x[2 * k + 1] = r * Math.sin(t) + c.noise * c.rng.normal();
      y[k++] = cls;
    }
  }
  return finish(fn, x, y, ['outer', 'inner'], c);
}

/**
 * XOR in four quadrants of [-1, 1]²: the label is sign(x)·sign(y) mapped to class 1 for +1
 * (quadrants I and III) and class 0 for -1. Labels come from the clean point; the returned point
 * is jittered by N(0, noise²) per coordinate, so noise > 0 blurs the axes. Default noise 0.
 * Classes have exactly equal counts (±1).
 */
export function xor(options?: SyntheticOptions): Split {
  const fn = 'xor';
  const opts = optionsObject(fn, options, COMMON);
  const c = common(fn, opts, 0, 2);
  const x = new Float32Array(c.n * 2);
  const y = new Int32Array(c.n);
  let k = 0;
  for (let cls = 0; cls < 2; cls++) {
    const m = perClass(c.n, 2, cls);
    for (let i = 0; i < m; i++) {
      // 1 - next() lies in (0, 1], keeping points off the axes where the sign is undefined.
      const sx = c.rng.next() < 0.5 ? -1 : 1;
      const sy = cls === 1 ? sx : -sx;
      x[2 * k] = sx * (1 - c.rng.next()) + c.noise * c.rng.normal();
      x[2 * k + 1] = sy * (1 - c.rng.next()) + c.noise * c.rng.normal();
      y[k++] = cls;
    }
  }
  return finish(fn, x, y, ['x·y < 0', 'x·y > 0'], c);
}

/**
 * k isotropic Gaussian blobs with centres evenly spaced on the unit circle and standard deviation
 * `noise` (default 0.2). Linearly separable for small noise: the baseline a ReLU net must not lose.
 */
export function gaussians(options?: GaussiansOptions): Split {
  const fn = 'gaussians';
  const opts = optionsObject(fn, options, [...COMMON, 'k']);
  const k = intInRange(fn, 'k', opts.k ?? 3, 2, 64);
  const c = common(fn, opts, 0.2, k);
  const x = new Float32Array(c.n * 2);
  const y = new Int32Array(c.n);
  let p = 0;
  for (let j = 0; j < k; j++) {
    const cx = Math.cos((2 * Math.PI * j) / k);
    const cy = Math.sin((2 * Math.PI * j) / k);
    const m = perClass(c.n, k, j);
    for (let i = 0; i < m; i++) {
      x[2 * p] = cx + c.noise * c.rng.normal();
      x[2 * p + 1] = cy + c.noise * c.rng.normal();
      y[p++] = j;
    }
  }
  return finish(fn, x, y, Array.from({ length: k }, (_, j) => `blob ${j}`), c);
}
