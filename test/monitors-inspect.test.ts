import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, advise, inspect, layers, sequential, tensor, type LayerReport, type Sequential } from 'rectifier';

function normals(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Sets a layer's bias entries at `indices` to −1000 (kernel untouched): those units can never fire. */
function killUnits(model: Sequential, layerIndex: number, indices: readonly number[]): void {
  const layer = model.layers[layerIndex]!;
  const [kernel, bias] = layer.getWeights();
  const b = bias!.data as Float32Array;
  for (const i of indices) b[i] = -1000;
  layer.setWeights([kernel!, b]);
  kernel!.dispose();
  bias!.dispose();
}

function byName(report: readonly LayerReport[], name: string): LayerReport {
  const r = report.find((l) => l.name === name);
  assert.ok(r, `no report for ${name}; reported: ${report.map((l) => l.name).join(', ')}`);
  return r;
}

test('dense units made dead with a bias of -1000 are found exactly, no more, no fewer', () => {
  const model = sequential({ inputShape: [8], seed: 3, layers: [layers.dense({ units: 12, activation: 'relu' }), layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 3 })] });
  killUnits(model, 0, [1, 4, 7]);
  killUnits(model, 1, [0, 15]);
  const report = inspect(model, normals(300 * 8, 1));
  const d1 = byName(report, 'dense_1');
  assert.deepEqual(d1.deadIndices, [1, 4, 7]);
  assert.equal(d1.deadUnits, 3);
  assert.equal(d1.deadFraction, 3 / 12);
  assert.equal(d1.samples, 300);
  const d2 = byName(report, 'dense_2');
  assert.deepEqual(d2.deadIndices, [0, 15]);
  assert.equal(d2.units, 16);
  model.dispose();
});

test('conv channels made dead are found exactly (channels-last: a channel is the last axis)', () => {
  const model = sequential({
    inputShape: [6, 6, 2], seed: 2,
    layers: [layers.conv2d({ filters: 5, kernelSize: 3, activation: 'relu' }), layers.flatten(), layers.dense({ units: 2 })],
  });
  killUnits(model, 0, [2]);
  const report = inspect(model, normals(40 * 72, 5));
  const conv = byName(report, 'conv2d_1');
  assert.equal(conv.units, 5);
  assert.deepEqual(conv.deadIndices, [2]);
  assert.equal(conv.samples, 40);
  model.dispose();
});

test('sparsity, dead units, moments and exact percentiles of a relu layer on inputs counted by hand', () => {
  const model = sequential({ inputShape: [4], layers: [layers.activation({ activation: 'relu' })] });
  // relu gives [0, 0, 2, 3] and [0, 1, 0, 4]: four zeros of eight; unit 0 is 0 on both samples.
  const [r] = inspect(model, Float32Array.from([-1, 0, 2, 3, -5, 1, 0, 4]));
  assert.equal(r!.activation, 'relu');
  assert.equal(r!.sparsity, 0.5);
  assert.deepEqual(r!.deadIndices, [0]);
  assert.equal(r!.constantUnits, 1);
  assert.equal(r!.mean, 10 / 8);
  assert.equal(r!.min, 0);
  assert.equal(r!.max, 4);
  // Squared deviations from 1.25: four zeros 4·1.5625, then 0.5625 (2), 3.0625 (3), 0.0625 (1), 7.5625 (4).
  assert.ok(Math.abs(r!.std - Math.sqrt(17.5 / 8)) < 1e-12, `std ${r!.std}`);
  // Sorted outputs [0, 0, 0, 0, 1, 2, 3, 4]: p50 sits halfway between the 4th and 5th.
  assert.equal(r!.percentiles.p50, 0.5);
  assert.equal(r!.percentiles.p25, 0);
  assert.match(r!.percentileMethod, /^exact/);
  assert.equal(r!.saturation, null);
  assert.deepEqual(r!.histogram.counts.reduce((a, b) => a + b, 0), 8);
  assert.equal(r!.histogram.exact, true);
  assert.equal(r!.histogram.edges[0], 0);
  assert.equal(r!.histogram.edges.at(-1), 4);
  model.dispose();
});

test('saturation is exact on chosen pre-activations: sigmoid, tanh and hard_sigmoid layers', () => {
  // sigmoid: |f'| < 1% of 1/4 beyond |x| ≈ 5.99; tanh: beyond |x| ≈ 2.99; hard_sigmoid: at |x| >= 3.
  const cases: Array<[string, number[], number]> = [
    ['sigmoid', [-10, -3, 0, 3, 10, 7, 5, -6.5], 4 / 8],
    ['tanh', [-4, -2, 0, 1, 3.5, 2.9, 0.5, -0.5], 2 / 8],
    ['hard_sigmoid', [-3, -2.9, 0, 2.99, 3, 100, 1, -1], 3 / 8],
  ];
  for (const [activation, xs, expected] of cases) {
    const model = sequential({ inputShape: [2], layers: [layers.activation({ activation })] });
    const [r] = inspect(model, Float32Array.from(xs));
    assert.equal(r!.saturation, expected, activation);
    model.dispose();
  }
});

test('a dense layer with a fused sigmoid reads saturation from its pre-activation', () => {
  const model = sequential({ inputShape: [2], layers: [layers.dense({ units: 2, activation: 'sigmoid' })] });
  model.layers[0]!.setWeights([Float32Array.from([1, 0, 0, 1]), Float32Array.from([0, 0])]);
  const [r] = inspect(model, Float32Array.from([-10, -3, 0, 3, 10, 7, 5, -6.5]));
  assert.equal(r!.saturation, 0.5);
  assert.equal(r!.canDie, false);
  assert.equal(r!.deadUnits, 0);
  model.dispose();
});

test('a layer without an activation is reported with activation null and a note; dense → activation layer reports once', () => {
  const model = sequential({
    inputShape: [3], seed: 1,
    layers: [layers.dense({ units: 4 }), layers.activation({ activation: 'relu' }), layers.dense({ units: 4, activation: 'tanh' }), layers.dense({ units: 2 })],
  });
  const report = inspect(model, normals(30, 2));
  assert.deepEqual(report.map((r) => [r.name, r.activation]), [['activation_1', 'relu'], ['dense_2', 'tanh'], ['dense_3', null]]);
  const logits = byName(report, 'dense_3');
  assert.match(logits.note!, /no activation/);
  assert.equal(logits.canDie, false);
  assert.equal(logits.saturation, null);
  assert.ok(Number.isFinite(logits.std));
  model.dispose();
});

test('NaN and ±Inf outputs are counted per layer and become a finding, not a crash', () => {
  const model = sequential({ inputShape: [4], layers: [layers.activation({ activation: 'relu' })] });
  const [r] = inspect(model, Float32Array.from([NaN, 1, Infinity, -Infinity, 2, 3, 0, 1]));
  assert.equal(r!.nonFinite, 2);
  assert.equal(r!.mean, (1 + 0 + 2 + 3 + 0 + 1) / 6);
  assert.equal(r!.max, 3);
  const findings = advise({ report: [r!] });
  assert.equal(findings[0]!.rule, 'non-finite-activations');
  assert.equal(findings[0]!.numbers.nonFinite, 2);
  model.dispose();
});

test('histograms: a fixed range gives exact counts with below/above; percentiles from a small reservoir are estimates', () => {
  const model = sequential({ inputShape: [1], layers: [layers.activation({ activation: 'linear' })] });
  const xs = Float32Array.from({ length: 10_000 }, (_, i) => i / 10_000);
  const [fixed] = inspect(model, xs, { range: [0.25, 0.75], bins: 5 });
  assert.equal(fixed!.histogram.counts.length, 5);
  assert.equal(fixed!.histogram.below, 2500);
  assert.equal(fixed!.histogram.above, 2499);
  assert.equal(fixed!.histogram.counts.reduce((a, b) => a + b, 0), 10_000 - 2500 - 2499);
  const [sampled] = inspect(model, xs, { reservoirSize: 2000, bins: 4 });
  assert.match(sampled!.percentileMethod, /reservoir sample of 2000 of 10000/);
  assert.ok(Math.abs(sampled!.percentiles.p50 - 0.5) < 0.05, `p50 ${sampled!.percentiles.p50}`);
  assert.equal(sampled!.histogram.exact, false);
  assert.equal(sampled!.histogram.counts.reduce((a, b) => a + b, 0), 10_000);
  model.dispose();
});

test('bad input: empty probe set, wrong shape, wrong type, bad options — each error names expected and given', () => {
  const model = sequential({ inputShape: [28, 28, 1], layers: [layers.flatten(), layers.dense({ units: 4, activation: 'relu' })] });
  assert.throws(() => inspect(model, new Float32Array(0)), /probe set is empty.*\[28, 28, 1\]/);
  assert.throws(() => inspect(model, new Float32Array(100)), /whole samples of shape \[28, 28, 1\] \(784 values each\), got 100 values/);
  const wrong = tensor(new Float32Array(2 * 784), [2, 784]);
  assert.throws(() => inspect(model, wrong), /x must have shape \[samples, 28, 28, 1\], got \[2, 784\]/);
  wrong.dispose();
  assert.throws(() => inspect(model, [1, 2, 3] as unknown as Float32Array), /x must be a Tensor of shape \[samples, 28, 28, 1\] or a Float32Array.*got \[1, 2, 3\]/);
  assert.throws(() => inspect({} as Sequential, new Float32Array(784)), /model must be a Sequential model/);
  assert.throws(() => inspect(model, new Float32Array(784), { bins: 0 }), /bins must be a positive integer, got 0/);
  assert.throws(() => inspect(model, new Float32Array(784), { range: [1, 0] }), /range must be \[low, high\] with finite low < high, got \[1, 0\]/);
  model.dispose();
});

test('a tensor probe set works and batches do not change the result', () => {
  const model = sequential({ inputShape: [5], seed: 9, layers: [layers.dense({ units: 7, activation: 'relu' }), layers.dense({ units: 2 })] });
  const xs = normals(50 * 5, 4);
  const t = tensor(xs, [50, 5]);
  const a = inspect(model, t, { batchSize: 7 });
  const b = inspect(model, xs, { batchSize: 256 });
  t.dispose();
  assert.deepEqual(a.map((r) => [r.deadIndices, r.sparsity, r.min, r.max, r.percentiles]), b.map((r) => [r.deadIndices, r.sparsity, r.min, r.max, r.percentiles]));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]!.mean - b[i]!.mean) < 1e-6);
  model.dispose();
});
