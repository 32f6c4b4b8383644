import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batches,
  classCounts,
  createDataset,
  flatten,
  flattenShape,
  gather,
  oneHot,
  shuffledIndices,
  subset,
  take,
  trainTestSplit,
  type Dataset,
} from '../src/data/index.js';
import { Rng } from '../src/util/random.js';

/** n samples of shape [2, 2] whose values encode the sample index, labels i % numClasses. */
function indexed(n: number, numClasses = 3): Dataset {
  const x = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) x[i * 4 + k] = i * 10 + k;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % numClasses;
  return createDataset({ name: 'indexed', x, y, sampleShape: [2, 2], numClasses });
}

test('createDataset checks sizes, labels, values and names', () => {
  const ok = indexed(5);
  assert.equal(ok.length, 5);
  assert.deepEqual(ok.classNames, ['0', '1', '2']);
  assert.ok(Object.isFrozen(ok));
  const base = { name: 'd', x: new Float32Array(4), y: new Int32Array(2), sampleShape: [2], numClasses: 2 };
  assert.throws(() => createDataset({ ...base, x: new Float32Array(5) }), /createDataset: x must hold length \* 2 = 4 values for 2 samples of shape \[2\], got 5/);
  assert.throws(() => createDataset({ ...base, x: new Float32Array(0), y: new Int32Array(0) }), /createDataset: y must be non-empty/);
  assert.throws(() => createDataset({ ...base, y: Int32Array.of(0, 2) }), /createDataset: y\[1\] must be a class id in \[0, 1\], got 2/);
  assert.throws(() => createDataset({ ...base, y: Int32Array.of(-1, 0) }), /y\[0\] must be a class id in \[0, 1\], got -1/);
  assert.throws(() => createDataset({ ...base, x: Float32Array.of(0, 0, NaN, 0) }), /createDataset: x must be finite, got NaN in sample 1 \(value 0\)/);
  assert.throws(() => createDataset({ ...base, x: Float32Array.of(0, Infinity, 0, 0) }), /x must be finite, got Infinity/);
  assert.throws(() => createDataset({ ...base, classNames: ['a'] }), /createDataset: classNames must be an array of 2 strings/);
  assert.throws(() => createDataset({ ...base, numClasses: 0 }), /createDataset: numClasses must be a positive integer, got 0/);
  assert.throws(() => createDataset({ ...base, sampleShape: [2, 0] }), /flattenShape: shape\[1\] must be a positive integer, got 0/);
  assert.throws(() => createDataset({ ...base, x: [0, 0, 0, 0] as unknown as Float32Array }), /createDataset: x must be a Float32Array, got an array of length 4/);
});

test('flattenShape and flatten', () => {
  assert.equal(flattenShape([28, 28, 1]), 784);
  assert.equal(flattenShape([2]), 2);
  assert.throws(() => flattenShape([]), /flattenShape: shape must be a non-empty array of positive integers, got an array of length 0/);
  assert.throws(() => flattenShape([3, 1.5]), /shape\[1\] must be a positive integer, got 1.5/);
  const ds = indexed(4);
  const flat = flatten(ds);
  assert.deepEqual(flat.sampleShape, [4]);
  assert.equal(flat.x, ds.x, 'flatten shares the data');
});

test('subset and take are views; gather copies in the given order', () => {
  const ds = indexed(10);
  const s = subset(ds, 3, 6);
  assert.equal(s.length, 3);
  assert.deepEqual([...s.x.subarray(0, 4)], [30, 31, 32, 33]);
  assert.deepEqual([...s.y], [0, 1, 2]);
  assert.equal(s.x.buffer, ds.x.buffer, 'subset must not copy');
  assert.equal(subset(ds, 7).length, 3, 'end defaults to the length');
  const t = take(ds, 2);
  assert.deepEqual([...t.x], [0, 1, 2, 3, 10, 11, 12, 13]);
  const g = gather(ds, [9, 0, 9]);
  assert.deepEqual([...g.y], [0, 0, 0]);
  assert.deepEqual([...g.x.subarray(0, 4)], [90, 91, 92, 93]);
  assert.notEqual(g.x.buffer, ds.x.buffer);

  assert.throws(() => subset(ds, 5, 5), /subset: range \[5, 5\) of indexed is empty; start must be < end/);
  assert.throws(() => subset(ds, 0, 11), /subset: end must be <= dataset length 10, got 11/);
  assert.throws(() => subset(ds, -1, 2), /subset: start must be a non-negative integer, got -1/);
  assert.throws(() => take(ds, 0), /take: n must be a positive integer, got 0/);
  assert.throws(() => take(ds, 11), /take: n must be <= dataset length 10, got 11/);
  assert.throws(() => gather(ds, [0, 10]), /gather: indices\[1\] must be an integer in \[0, 9\], got 10/);
  assert.throws(() => gather(ds, []), /gather: indices must be non-empty/);
  assert.throws(() => take({} as Dataset, 1), /take: dataset must be a Dataset/);
});

test('oneHot', () => {
  assert.deepEqual([...oneHot([2, 0], 3)], [0, 0, 1, 1, 0, 0]);
  assert.deepEqual([...oneHot(Int32Array.of(1), 2)], [0, 1]);
  assert.throws(() => oneHot([0, 3], 3), /oneHot: labels\[1\] must be an integer in \[0, 2\], got 3/);
  assert.throws(() => oneHot([0.5], 3), /labels\[0\] must be an integer in \[0, 2\], got 0.5/);
  assert.throws(() => oneHot([0], 0), /oneHot: numClasses must be a positive integer, got 0/);
});

test('shuffledIndices is a seeded permutation', () => {
  const a = shuffledIndices(1000, 7);
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(shuffledIndices(1000, 7), a, 'same seed, same order');
  assert.notDeepEqual(shuffledIndices(1000, 8), a, 'different seed, different order');
  assert.notDeepEqual([...a], Array.from({ length: 1000 }, (_, i) => i));
  const rng = new Rng(7);
  assert.deepEqual(shuffledIndices(1000, rng), a, 'an Rng seeded alike gives the same order');
  assert.throws(() => shuffledIndices(0, 1), /shuffledIndices: n must be a positive integer, got 0/);
  assert.throws(() => shuffledIndices(5, 1.5), /shuffledIndices: seed must be a safe integer, got 1.5/);
});

test('batches: with shuffle every index appears exactly once per epoch, in a seeded order', () => {
  const ds = indexed(103);
  const seen = new Int32Array(103);
  const order: number[] = [];
  let count = 0;
  let xBuffer: ArrayBufferLike | null = null;
  for (const b of batches(ds, 10, { shuffle: true, seed: 3 })) {
    count++;
    if (xBuffer === null) xBuffer = b.x.buffer;
    assert.equal(b.x.buffer, xBuffer, 'the x buffer is reused between batches');
    assert.equal(b.x.length, b.size * 4);
    assert.equal(b.y.length, b.size);
    for (let k = 0; k < b.size; k++) {
      const i = b.indices[k]!;
      seen[i]!++;
      order.push(i);
      assert.equal(b.y[k], ds.y[i]);
      assert.equal(b.x[k * 4 + 2], i * 10 + 2, 'x rows follow the indices');
    }
  }
  assert.equal(count, 11);
  assert.deepEqual([...seen], new Array(103).fill(1));
  assert.notDeepEqual(order, Array.from({ length: 103 }, (_, i) => i), 'shuffled');
  const again = [...batches(ds, 10, { shuffle: true, seed: 3 })].length;
  assert.equal(again, 11);
  const first = (seed: number) => [...batches(ds, 103, { shuffle: true, seed })][0]!.indices.slice();
  assert.deepEqual(first(3), Int32Array.from(order));
  assert.notDeepEqual(first(4), Int32Array.from(order));
});

test('batches: sequential order, dropRemainder, shared rng', () => {
  const ds = indexed(25);
  const sizes = [...batches(ds, 10)].map((b) => b.size);
  assert.deepEqual(sizes, [10, 10, 5]);
  const firstIdx: number[] = [];
  for (const b of batches(ds, 10)) firstIdx.push(b.indices[0]!);
  assert.deepEqual(firstIdx, [0, 10, 20]);
  // Collecting batches keeps views on one buffer, so they all show the last batch's contents.
  const kept = [...batches(ds, 10)];
  assert.equal(kept[0]!.indices[0], 20);
  assert.deepEqual([...batches(ds, 10, { dropRemainder: true })].map((b) => b.size), [10, 10]);
  assert.deepEqual([...batches(ds, 100)].map((b) => b.size), [25]);
  const rng = new Rng(1);
  const e1 = [...batches(ds, 25, { shuffle: true, rng })][0]!.indices.slice();
  const e2 = [...batches(ds, 25, { shuffle: true, rng })][0]!.indices.slice();
  assert.notDeepEqual(e1, e2, 'a shared rng gives a new order each epoch');
});

test('batches: argument errors are thrown at the call, not on first next()', () => {
  const ds = indexed(5);
  assert.throws(() => batches(ds, 0), /^Error: batches: batchSize must be a positive integer, got 0$/);
  assert.throws(() => batches(ds, 2.5), /batches: batchSize must be a positive integer, got 2.5/);
  assert.throws(() => batches(ds, 2, { shuffle: true }), /batches: shuffle needs a seed \(number\) or an rng, got neither/);
  assert.throws(() => batches(ds, 2, { seed: 1 }), /batches: seed\/rng given but shuffle is false/);
  assert.throws(() => batches(ds, 2, { shuffle: true, seed: 1, rng: new Rng(1) }), /batches: give either seed or rng, got both/);
  assert.throws(() => batches(ds, 6, { dropRemainder: true }), /batches: batchSize 6 exceeds the dataset length 5 with dropRemainder/);
  assert.throws(() => batches(ds, 2, { shufle: true } as object), /batches: unknown option "shufle"/);
  assert.throws(() => batches(null as unknown as Dataset, 2), /batches: dataset must be a Dataset .*got null/);
});

test('trainTestSplit: stratified, reproducible, class-interleaved', () => {
  const ds = indexed(300, 3);
  const a = trainTestSplit(ds, { testFraction: 0.2, seed: 5 });
  assert.equal(a.train.length, 240);
  assert.equal(a.test.length, 60);
  assert.deepEqual([...classCounts(a.test)], [20, 20, 20]);
  assert.deepEqual([...classCounts(subset(a.train, 0, 30))], [10, 10, 10], 'a prefix is balanced');
  const ids = (d: Dataset) => Array.from({ length: d.length }, (_, i) => d.x[i * 4]! / 10);
  const all = [...ids(a.train), ...ids(a.test)].sort((p, q) => p - q);
  assert.deepEqual(all, Array.from({ length: 300 }, (_, i) => i), 'every sample lands in exactly one part');
  const b = trainTestSplit(ds, { testFraction: 0.2, seed: 5 });
  assert.deepEqual(ids(b.test), ids(a.test));
  const c = trainTestSplit(ds, { testFraction: 0.2, seed: 6 });
  assert.notDeepEqual(ids(c.test), ids(a.test));
  assert.throws(() => trainTestSplit(ds, { testFraction: 1 }), /trainTestSplit: testFraction must be a number strictly between 0 and 1, got 1/);
  assert.throws(() => trainTestSplit(indexed(2), { testFraction: 0.1 }), /leaves 0 for test and 2 for train; both parts must be non-empty/);
});
