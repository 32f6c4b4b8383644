import { fail, nonNegativeInt, positiveInt, show } from './check.js';

/**
 * A labelled classification set held as plain typed arrays, so the training engine can read it
 * without any tensor dependency.
 */
export interface Dataset {
  readonly name: string;
  /** Samples, row-major; length = `length * flattenShape(sampleShape)`. */
  readonly x: Float32Array;
  /** Integer class labels in [0, numClasses). */
  readonly y: Int32Array;
  /** Shape of one sample, channels-last for images (e.g. [28, 28, 1]) or [features] for tables. */
  readonly sampleShape: readonly number[];
  readonly length: number;
  readonly numClasses: number;
  readonly classNames: readonly string[];
}

export interface Split {
  train: Dataset;
  test: Dataset;
}

export interface DatasetInit {
  name: string;
  x: Float32Array;
  y: Int32Array;
  sampleShape: readonly number[];
  numClasses: number;
  classNames?: readonly string[];
}

/** Number of values in one sample of the given shape (the product of its dimensions). */
export function flattenShape(shape: readonly number[]): number {
  if (!Array.isArray(shape) || shape.length === 0) {
    fail('flattenShape', 'shape', 'a non-empty array of positive integers', shape);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    positiveInt('flattenShape', `shape[${i}]`, shape[i]);
    size *= shape[i]!;
  }
  return size;
}

/**
 * Builds a Dataset after checking every invariant the rest of the project relies on: sizes agree,
 * the set is not empty, labels are in range and features are finite.
 */
export function createDataset(init: DatasetInit): Dataset {
  const fn = 'createDataset';
  if (init === null || typeof init !== 'object') fail(fn, 'init', 'an object', init);
  const { name, x, y, sampleShape, numClasses } = init;
  if (typeof name !== 'string' || name.length === 0) fail(fn, 'name', 'a non-empty string', name);
  if (!(x instanceof Float32Array)) fail(fn, 'x', 'a Float32Array', x);
  if (!(y instanceof Int32Array)) fail(fn, 'y', 'an Int32Array', y);
  const sampleSize = flattenShape(sampleShape);
  positiveInt(fn, 'numClasses', numClasses);
  if (y.length === 0) fail(fn, 'y', 'non-empty (a dataset needs at least one sample)', y);
  if (x.length !== y.length * sampleSize) {
    throw new Error(
      `${fn}: x must hold length * ${sampleSize} = ${y.length * sampleSize} values for ${y.length} ` +
        `samples of shape [${sampleShape.join(', ')}], got ${x.length}`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    const label = y[i]!;
    if (label < 0 || label >= numClasses) {
      throw new Error(`${fn}: y[${i}] must be a class id in [0, ${numClasses - 1}], got ${label}`);
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      const sample = Math.floor(i / sampleSize);
      throw new Error(`${fn}: x must be finite, got ${show(x[i])} in sample ${sample} (value ${i % sampleSize})`);
    }
  }
  const classNames = init.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  if (!Array.isArray(classNames) || classNames.length !== numClasses || !classNames.every((c) => typeof c === 'string')) {
    fail(fn, 'classNames', `an array of ${numClasses} strings (one per class)`, classNames);
  }
  return makeDataset(name, x, y, sampleShape, numClasses, classNames);
}

/** Internal constructor for data whose invariants the caller has already established. */
export function makeDataset(
  name: string,
  x: Float32Array,
  y: Int32Array,
  sampleShape: readonly number[],
  numClasses: number,
  classNames: readonly string[],
): Dataset {
  return Object.freeze({
    name,
    x,
    y,
    sampleShape: Object.freeze([...sampleShape]),
    length: y.length,
    numClasses,
    classNames: Object.freeze([...classNames]),
  });
}

export function assertDataset(fn: string, ds: unknown): asserts ds is Dataset {
  const d = ds as Partial<Dataset> | null;
  if (
    d === null ||
    typeof d !== 'object' ||
    !(d.x instanceof Float32Array) ||
    !(d.y instanceof Int32Array) ||
    !Array.isArray(d.sampleShape) ||
    typeof d.length !== 'number' ||
    typeof d.numClasses !== 'number'
  ) {
    fail(fn, 'dataset', 'a Dataset (x: Float32Array, y: Int32Array, sampleShape, length, numClasses)', ds);
  }
  if (d.length <= 0 || d.y.length !== d.length) {
    throw new Error(`${fn}: dataset must be non-empty with y.length === length, got length ${d.length}, y.length ${d.y.length}`);
  }
}

/**
 * Samples [start, end) as a Dataset whose arrays are views on the original (no copy), so taking a
 * slice of Fashion-MNIST for a quick run costs nothing.
 */
export function subset(ds: Dataset, start: number, end: number = ds?.length): Dataset {
  const fn = 'subset';
  assertDataset(fn, ds);
  nonNegativeInt(fn, 'start', start);
  nonNegativeInt(fn, 'end', end);
  if (end > ds.length) fail(fn, 'end', `<= dataset length ${ds.length}`, end);
  if (start >= end) {
    throw new Error(`${fn}: range [${start}, ${end}) of ${ds.name} is empty; start must be < end`);
  }
  const size = flattenShape(ds.sampleShape);
  return makeDataset(
    ds.name,
    ds.x.subarray(start * size, end * size),
    ds.y.subarray(start, end),
    ds.sampleShape,
    ds.numClasses,
    ds.classNames,
  );
}

/** The first n samples (a view, like subset). */
export function take(ds: Dataset, n: number): Dataset {
  assertDataset('take', ds);
  positiveInt('take', 'n', n);
  if (n > ds.length) fail('take', 'n', `<= dataset length ${ds.length}`, n);
  return subset(ds, 0, n);
}

/** Copies the samples at `indices`, in that order, into a new Dataset. */
export function gather(ds: Dataset, indices: ArrayLike<number>, name: string = ds?.name): Dataset {
  const fn = 'gather';
  assertDataset(fn, ds);
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
    fail(fn, 'indices', 'an array of sample indices', indices);
  }
  if (indices.length === 0) fail(fn, 'indices', 'non-empty', indices);
  const size = flattenShape(ds.sampleShape);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= ds.length) {
      throw new Error(`${fn}: indices[${i}] must be an integer in [0, ${ds.length - 1}], got ${show(j)}`);
    }
    x.set(ds.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = ds.y[j]!;
  }
  return makeDataset(name, x, y, ds.sampleShape, ds.numClasses, ds.classNames);
}

/** The same samples seen as flat vectors (sampleShape [n]); shares x. */
export function flatten(ds: Dataset): Dataset {
  assertDataset('flatten', ds);
  return makeDataset(ds.name, ds.x, ds.y, [flattenShape(ds.sampleShape)], ds.numClasses, ds.classNames);
}

/** How many samples carry each label. */
export function classCounts(ds: Dataset): Int32Array {
  assertDataset('classCounts', ds);
  const counts = new Int32Array(ds.numClasses);
  for (let i = 0; i < ds.length; i++) counts[ds.y[i]!]!++;
  return counts;
}

/** One-hot rows (length labels.length * numClasses) for losses that want probability targets. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const fn = 'oneHot';
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    fail(fn, 'labels', 'an array of integer class ids', labels);
  }
  positiveInt(fn, 'numClasses', numClasses);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`${fn}: labels[${i}] must be an integer in [0, ${numClasses - 1}], got ${show(c)}`);
    }
    out[i * numClasses + c] = 1;
  }
  return out;
}
