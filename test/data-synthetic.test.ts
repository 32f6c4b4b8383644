import { test } from 'node:test';
import assert from 'node:assert/strict';
import { circles, classCounts, gaussians, spiral, xor, type Dataset, type Split } from '../src/data/index.js';

const sets = { spiral, circles, xor, gaussians } as const;

function bits(s: Split): Buffer {
  return Buffer.concat([
    Buffer.from(s.train.x.buffer, s.train.x.byteOffset, s.train.x.byteLength),
    Buffer.from(s.train.y.buffer, s.train.y.byteOffset, s.train.y.byteLength),
    Buffer.from(s.test.x.buffer, s.test.x.byteOffset, s.test.x.byteLength),
  ]);
}

function totalCounts(s: Split): number[] {
  const a = classCounts(s.train);
  const b = classCounts(s.test);
  return [...a].map((v, i) => v + b[i]!);
}

for (const [name, make] of Object.entries(sets)) {
  test(`${name}: deterministic per seed, different across seeds, 2-D, finite, 80/20 split`, () => {
    const a = make({ n: 600, seed: 11 });
    const b = make({ n: 600, seed: 11 });
    const c = make({ n: 600, seed: 12 });
    assert.ok(bits(a).equals(bits(b)), 'same seed must give the same bits');
    assert.ok(!bits(a).equals(bits(c)), 'another seed must give other data');
    assert.equal(a.train.length + a.test.length, 600);
    assert.equal(a.test.length, 120);
    for (const ds of [a.train, a.test]) {
      assert.deepEqual(ds.sampleShape, [2]);
      assert.equal(ds.classNames.length, ds.numClasses);
      assert.ok(ds.x.every(Number.isFinite));
    }
    assert.equal(a.train.name, `${name}/train`);
    const bad = make as (o: unknown) => Split;
    assert.throws(() => bad({ noise: NaN }), new RegExp(`^Error: ${name}: noise must be a finite number >= 0, got NaN$`));
    assert.throws(() => bad({ noise: -0.1 }), new RegExp(`${name}: noise must be a finite number >= 0, got -0.1`));
    assert.throws(() => bad({ n: 0 }), new RegExp(`${name}: n must be a positive integer, got 0`));
    assert.throws(() => bad({ n: 10.5 }), new RegExp(`${name}: n must be a positive integer, got 10.5`));
    assert.throws(() => bad({ n: 3 }), new RegExp(`${name}: n must be at least \\d+ \\(two points per class\\), got 3`));
    assert.throws(() => bad({ seed: 'x' }), new RegExp(`${name}: seed must be a safe integer, got "x"`));
    assert.throws(() => bad({ testFraction: 0 }), new RegExp(`${name}: testFraction must be a number strictly between 0 and 1, got 0`));
    assert.throws(() => bad({ nosie: 1 }), new RegExp(`${name}: unknown option "nosie"`));
  });
}

test('spiral: classes of equal size, CS231n geometry (radius grows along each arm)', () => {
  const s = spiral({ n: 300, arms: 3, noise: 0, seed: 1 });
  assert.deepEqual(totalCounts(s), [100, 100, 100]);
  assert.deepEqual([...classCounts(s.test)], [20, 20, 20], 'stratified test set');
  assert.deepEqual(s.train.classNames, ['arm 0', 'arm 1', 'arm 2']);
  const two = spiral({ n: 200, arms: 2, seed: 1 });
  assert.equal(two.train.numClasses, 2);
  assert.deepEqual(totalCounts(two), [100, 100]);
  // With no noise, a point at radius r on arm j has angle 4j + 4r exactly.
  for (const ds of [s.train, s.test]) {
    for (let i = 0; i < ds.length; i++) {
      const px = ds.x[2 * i]!;
      const py = ds.x[2 * i + 1]!;
      const r = Math.hypot(px, py);
      if (r < 0.05) continue;
      const t = 4 * ds.y[i]! + 4 * r;
      assert.ok(Math.abs(px - r * Math.sin(t)) < 1e-5 && Math.abs(py - r * Math.cos(t)) < 1e-5, `point ${i}`);
    }
  }
  assert.throws(() => spiral({ arms: 1 }), /spiral: arms must be an integer in \[2, 12\], got 1/);
});

test('circles: outer ring radius 1, inner ring radius factor', () => {
  const s = circles({ n: 400, noise: 0, factor: 0.3, seed: 2 });
  assert.deepEqual(totalCounts(s), [200, 200]);
  for (const ds of [s.train, s.test]) {
    for (let i = 0; i < ds.length; i++) {
      const r = Math.hypot(ds.x[2 * i]!, ds.x[2 * i + 1]!);
      assert.ok(Math.abs(r - (ds.y[i] === 0 ? 1 : 0.3)) < 1e-6, `point ${i} radius ${r}`);
    }
  }
  assert.throws(() => circles({ factor: 1 }), /circles: factor must be a number in \(0, 1\), got 1/);
  assert.throws(() => circles({ factor: 0 }), /circles: factor must be a finite number > 0, got 0/);
});

test('xor: label is sign(x)·sign(y), class 1 for +1', () => {
  const s = xor({ n: 500, seed: 3 });
  assert.deepEqual(totalCounts(s), [250, 250]);
  const check = (ds: Dataset) => {
    for (let i = 0; i < ds.length; i++) {
      const sign = Math.sign(ds.x[2 * i]!) * Math.sign(ds.x[2 * i + 1]!);
      assert.equal(ds.y[i], sign > 0 ? 1 : 0);
      assert.ok(Math.abs(ds.x[2 * i]!) <= 1 && Math.abs(ds.x[2 * i + 1]!) <= 1);
    }
  };
  check(s.train);
  check(s.test);
  // Noise moves points but not labels: some points now sit on the wrong side.
  const noisy = xor({ n: 2000, noise: 0.3, seed: 3 });
  let flipped = 0;
  for (let i = 0; i < noisy.train.length; i++) {
    const sign = Math.sign(noisy.train.x[2 * i]!) * Math.sign(noisy.train.x[2 * i + 1]!);
    if ((sign > 0 ? 1 : 0) !== noisy.train.y[i]) flipped++;
  }
  assert.ok(flipped > 0 && flipped < noisy.train.length / 4, `flipped ${flipped}`);
});

test('gaussians: k blobs around evenly spaced unit-circle centres', () => {
  const s = gaussians({ n: 1000, k: 4, noise: 0.1, seed: 4 });
  assert.deepEqual(totalCounts(s), [250, 250, 250, 250]);
  const sum = [0, 0, 0, 0].map(() => [0, 0, 0]);
  for (let i = 0; i < s.train.length; i++) {
    const c = s.train.y[i]!;
    sum[c]![0]! += s.train.x[2 * i]!;
    sum[c]![1]! += s.train.x[2 * i + 1]!;
    sum[c]![2]!++;
  }
  for (let c = 0; c < 4; c++) {
    const [sx, sy, m] = sum[c]!;
    assert.ok(Math.abs(sx! / m! - Math.cos((Math.PI / 2) * c)) < 0.05, `blob ${c} x mean`);
    assert.ok(Math.abs(sy! / m! - Math.sin((Math.PI / 2) * c)) < 0.05, `blob ${c} y mean`);
  }
  assert.throws(() => gaussians({ k: 1 }), /gaussians: k must be an integer in \[2, 64\], got 1/);
  assert.equal(gaussians({ n: 7, k: 3, seed: 0 }).train.numClasses, 3);
});
