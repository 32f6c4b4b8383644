import { booleanValue, fail, openFraction, optionsObject, positiveInt, seedValue } from './check.js';
import { assertDataset, flattenShape, gather, type Dataset, type Split } from './dataset.js';
import { Rng } from '../util/random.js';

function toRng(fn: string, name: string, seed: number | Rng): Rng {
  if (seed instanceof Rng) return seed;
  return new Rng(seedValue(fn, name, seed));
}

/** A permutation of 0..n-1 (Fisher–Yates), the same for the same seed. */
export function shuffledIndices(n: number, seed: number | Rng): Int32Array {
  positiveInt('shuffledIndices', 'n', n);
  const rng = toRng('shuffledIndices', 'seed', seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  shuffleInPlace(out, rng);
  return out;
}

/** Fisher–Yates shuffle of `a` in place. */
export function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Merges per-class index lists into one sequence in which every prefix holds each class in
 * proportion to its size (within one sample): item r of class c is placed at key (r + u) / n_c
 * with u uniform in [0, 1). With equal class sizes this is a run of blocks, each holding one
 * sample of every class in random order, so the first 10·k samples of Fashion-MNIST hold exactly
 * k of each class and a short run on a prefix is not skewed toward whichever class comes first.
 */
export function interleaveClasses(groups: readonly Int32Array[], rng: Rng): Int32Array {
  let total = 0;
  for (const g of groups) total += g.length;
  const keys = new Float64Array(total);
  const items = new Int32Array(total);
  let k = 0;
  for (const g of groups) {
    for (let r = 0; r < g.length; r++) {
      keys[k] = (r + rng.next()) / g.length;
      items[k] = g[r]!;
      k++;
    }
  }
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  // Ties are practically impossible with 53-bit keys; the index tie-break keeps the order total.
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  const out = new Int32Array(total);
  for (let i = 0; i < total; i++) out[i] = items[order[i]!]!;
  return out;
}

/** Splits `total` into integer parts proportional to `weights` that sum exactly to `total`. */
export function largestRemainder(weights: ArrayLike<number>, total: number): Int32Array {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i]!;
  const out = new Int32Array(weights.length);
  const rema: number[] = [];
  let assigned = 0;
  for (let i = 0; i < weights.length; i++) {
    const q = sum === 0 ? 0 : (weights[i]! * total) / sum;
    out[i] = Math.floor(q);
    assigned += out[i]!;
    rema.push(q - Math.floor(q));
  }
  const order = rema.map((_, i) => i).sort((a, b) => rema[b]! - rema[a]! || a - b);
  for (let i = 0; assigned < total; i++, assigned++) out[order[i % order.length]!]!++;
  return out;
}

export interface TrainTestSplitOptions {
  /** Fraction of samples held out, strictly between 0 and 1. Default 0.2. */
  testFraction?: number;
  /** Seed of the split and of the interleaved order. Default 0. */
  seed?: number;
  /** Keep class proportions equal in both parts. Default true. */
  stratify?: boolean;
}

/**
 * Reproducible train/test split. Each part is ordered by `interleaveClasses`, so both stay
 * class-balanced on any prefix.
 */
export function trainTestSplit(ds: Dataset, options?: TrainTestSplitOptions): Split {
  const fn = 'trainTestSplit';
  assertDataset(fn, ds);
  const opts = optionsObject(fn, options, ['testFraction', 'seed', 'stratify']);
  const testFraction = openFraction(fn, 'testFraction', opts.testFraction ?? 0.2);
  const seed = seedValue(fn, 'seed', opts.seed ?? 0);
  const stratify = booleanValue(fn, 'stratify', opts.stratify ?? true);
  const testTotal = Math.round(ds.length * testFraction);
  if (testTotal < 1 || testTotal > ds.length - 1) {
    throw new Error(
      `${fn}: testFraction ${testFraction} of ${ds.length} samples leaves ${testTotal} for test and ` +
        `${ds.length - testTotal} for train; both parts must be non-empty`,
    );
  }
  const rng = new Rng(seed);
  const numGroups = stratify ? ds.numClasses : 1;
  const members: number[][] = Array.from({ length: numGroups }, () => []);
  for (let i = 0; i < ds.length; i++) members[stratify ? ds.y[i]! : 0]!.push(i);
  const sizes = members.map((m) => m.length);
  const testSizes = largestRemainder(sizes, testTotal);
  const trainByClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  const testByClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let g = 0; g < numGroups; g++) {
    const idx = Int32Array.from(members[g]!);
    shuffleInPlace(idx, rng);
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r]!;
      (r < testSizes[g]! ? testByClass : trainByClass)[ds.y[i]!]!.push(i);
    }
  }
  const trainGroups = trainByClass.map((g) => Int32Array.from(g));
  const testGroups = testByClass.map((g) => Int32Array.from(g));
  return {
    train: gather(ds, interleaveClasses(trainGroups, rng), `${ds.name}/train`),
    test: gather(ds, interleaveClasses(testGroups, rng), `${ds.name}/test`),
  };
}

/**
 * One mini-batch. `x`, `y` and `indices` are views on buffers that the generator reuses for every
 * batch, so a training loop allocates nothing per step; copy them to keep a batch beyond the step.
 */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** Positions in the dataset of the samples in this batch. */
  readonly indices: Int32Array;
  /** Number of samples (batchSize except possibly for the last batch). */
  readonly size: number;
}

export interface BatchOptions {
  /** Visit samples in a seeded random order. Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle; pass a new one per epoch (e.g. base + epoch) for a new order. */
  seed?: number;
  /** Alternatively, draw the shuffle from a shared generator. */
  rng?: Rng;
  /** Skip a final batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

/** One epoch of mini-batches over `ds`. Arguments are checked when called, not on first next(). */
export function batches(ds: Dataset, batchSize: number, options?: BatchOptions): Generator<Batch, void, undefined> {
  const fn = 'batches';
  assertDataset(fn, ds);
  positiveInt(fn, 'batchSize', batchSize);
  const opts = optionsObject(fn, options, ['shuffle', 'seed', 'rng', 'dropRemainder']);
  const shuffle = booleanValue(fn, 'shuffle', opts.shuffle ?? false);
  const dropRemainder = booleanValue(fn, 'dropRemainder', opts.dropRemainder ?? false);
  if (opts.seed !== undefined) seedValue(fn, 'seed', opts.seed);
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) fail(fn, 'rng', 'an Rng', opts.rng);
  if (opts.seed !== undefined && opts.rng !== undefined) {
    throw new Error(`${fn}: give either seed or rng, got both`);
  }
  if (shuffle && opts.seed === undefined && opts.rng === undefined) {
    // A silent default seed would repeat the same order every epoch.
    throw new Error(`${fn}: shuffle needs a seed (number) or an rng, got neither`);
  }
  if (!shuffle && (opts.seed !== undefined || opts.rng !== undefined)) {
    throw new Error(`${fn}: seed/rng given but shuffle is false; set shuffle: true or drop the seed`);
  }
  if (dropRemainder && batchSize > ds.length) {
    throw new Error(
      `${fn}: batchSize ${batchSize} exceeds the dataset length ${ds.length} with dropRemainder, which would yield no batch`,
    );
  }
  const order = shuffle ? shuffledIndices(ds.length, opts.rng ?? (opts.seed as number)) : null;
  return generateBatches(ds, batchSize, order, dropRemainder);
}

function* generateBatches(
  ds: Dataset,
  batchSize: number,
  order: Int32Array | null,
  dropRemainder: boolean,
): Generator<Batch, void, undefined> {
  const size = flattenShape(ds.sampleShape);
  const cap = Math.min(batchSize, ds.length);
  const xBuf = new Float32Array(cap * size);
  const yBuf = new Int32Array(cap);
  const iBuf = new Int32Array(cap);
  const { x, y } = ds;
  for (let start = 0; start < ds.length; start += batchSize) {
    const n = Math.min(batchSize, ds.length - start);
    if (n < batchSize && dropRemainder) return;
    if (order === null) {
      // Consecutive samples are one contiguous block: a single copy.
      xBuf.set(x.subarray(start * size, (start + n) * size));
      yBuf.set(y.subarray(start, start + n));
      for (let k = 0; k < n; k++) iBuf[k] = start + k;
    } else {
      for (let k = 0; k < n; k++) {
        const j = order[start + k]!;
        iBuf[k] = j;
        yBuf[k] = y[j]!;
        xBuf.set(x.subarray(j * size, (j + 1) * size), k * size);
      }
    }
    const full = n === cap;
    yield {
      x: full ? xBuf : xBuf.subarray(0, n * size),
      y: full ? yBuf : yBuf.subarray(0, n),
      indices: full ? iBuf : iBuf.subarray(0, n),
      size: n,
    };
  }
}
