import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Rng, advise, explodingGradients, jsonLines, layers, monitor, optimizers, sequential, vanishingGradients, type EpochHealth, type Finding,
  type Sequential,
} from 'rectifier';

function normals(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

const X = normals(256 * 8, 1);
const Y = Int32Array.from({ length: 256 }, (_, i) => (X[i * 8]! > 0 ? 1 : 0));

function deep(activation: string, kernelInitializer: Parameters<typeof layers.dense>[0]['kernelInitializer'], depth = 10, width = 32, learningRate = 0.01): Sequential {
  const hidden = Array.from({ length: depth }, () => layers.dense({ units: width, activation, kernelInitializer }));
  const model = sequential({ inputShape: [8], seed: 1, layers: [...hidden, layers.dense({ units: 2 })] });
  model.compile({ optimizer: optimizers.sgd({ learningRate }), loss: 'softmax_cross_entropy' });
  return model;
}

test('the fit monitor records per-epoch statistics, and JSON lines appended at each epoch end give one line per epoch per layer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-monitor-'));
  try {
    const model = sequential({ inputShape: [8], seed: 4, layers: [layers.dense({ units: 10, activation: 'relu' }), layers.dense({ units: 6, activation: 'tanh' }), layers.dense({ units: 2 })] });
    const kernel = model.layers[0]!.getWeights();
    const bias = kernel[1]!.data as Float32Array;
    bias[3] = -1000;
    bias[8] = -1000;
    model.layers[0]!.setWeights([kernel[0]!, bias]);
    model.compile({ optimizer: optimizers.sgd({ learningRate: 0.05 }), loss: 'softmax_cross_entropy' });
    const file = join(dir, 'monitor.jsonl');
    const seen: Array<{ epoch: number; lines: number; findings: Finding[] }> = [];
    const m = monitor({
      every: 3,
      onEpochEnd: (stats, findings) => {
        appendFileSync(file, jsonLines(stats));
        seen.push({ epoch: stats.epoch, lines: readFileSync(file, 'utf8').trim().split('\n').length, findings });
      },
    });
    await model.fit(X, Y, { epochs: 3, batchSize: 32, callbacks: [m] });
    assert.equal(m.epochs.length, 3);
    assert.deepEqual(seen.map((s) => [s.epoch, s.lines]), [[0, 3], [1, 6], [2, 9]]);
    for (const [e, stats] of m.epochs.entries()) {
      assert.equal(stats.epoch, e);
      assert.equal(stats.steps, 8);
      assert.equal(stats.monitoredSteps, 3); // steps 0, 3 and 6
      assert.deepEqual(stats.layers.map((l) => l.name), ['dense_1', 'dense_2', 'dense_3']);
      const [d1, d2, d3] = stats.layers;
      // Dead for the whole epoch (tracked on every batch): exactly the two units with a bias of −1000.
      assert.deepEqual(d1!.deadIndices, [3, 8]);
      assert.equal(d1!.samples, 3 * 32);
      for (const l of stats.layers) {
        assert.ok(l.weightGradNorm! > 0 && Number.isFinite(l.weightGradNorm!), `${l.name} weightGradNorm ${l.weightGradNorm}`);
        assert.ok(l.activationGradNorm! > 0, `${l.name} activationGradNorm ${l.activationGradNorm}`);
        assert.ok(l.updateRatio! > 0 && l.updateRatio! < 1, `${l.name} updateRatio ${l.updateRatio}`);
        assert.ok(l.weightNorm! > 0);
      }
      assert.ok(d2!.saturation !== null && d3!.saturation === null);
      assert.equal(stats.gradientRatio, d1!.weightGradNorm! / d3!.weightGradNorm!);
      assert.equal(stats.maxAbsActivation, Math.max(d1!.maxAbsActivation, d2!.maxAbsActivation, d3!.maxAbsActivation));
      assert.equal(stats.learningRate, 0.05);
    }
    assert.equal(seen[2]!.findings.find((f) => f.rule === 'dead-units')?.layer, 'dense_1');
    assert.equal(m.initial!.length, 3);
    assert.deepEqual(m.initial![0]!.deadIndices, [3, 8]);
    assert.equal(m.findings().find((f) => f.rule === 'dead-units')?.layer, 'dense_1');

    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3 * 3);
    assert.deepEqual(lines.map((l) => [l.epoch, l.layer]), [0, 1, 2].flatMap((e) => ['dense_1', 'dense_2', 'dense_3'].map((n) => [e, n])));
    assert.deepEqual(lines[0]!.deadIndices, [3, 8]);
    for (const key of ['deadFraction', 'sparsity', 'mean', 'std', 'weightGradNorm', 'activationGradNorm', 'updateRatio', 'maxAbsActivation', 'gradientRatio', 'loss']) {
      assert.equal(typeof lines[0]![key], 'number', key);
    }
    assert.equal(m.epochs.map(jsonLines).join(''), readFileSync(file, 'utf8'));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a deep sigmoid network shows vanishing gradients (first/last < 1e-3) and a He-initialised relu network does not', async () => {
  const sigmoid = deep('sigmoid', 'glorot_uniform');
  const ms = monitor({ every: 2 });
  await sigmoid.fit(X, Y, { epochs: 1, batchSize: 32, callbacks: [ms] });
  const ratioSigmoid = ms.epochs[0]!.gradientRatio!;
  assert.ok(ratioSigmoid < 1e-3, `sigmoid first/last gradient ratio ${ratioSigmoid}`);
  const found = vanishingGradients.check({ epochs: ms.epochs });
  assert.equal(found?.layer, 'dense_1');
  assert.match(found!.message, /Gradients vanish during epoch 1/);

  const relu = deep('relu', 'he_normal');
  const mr = monitor({ every: 2 });
  await relu.fit(X, Y, { epochs: 1, batchSize: 32, callbacks: [mr] });
  const ratioRelu = mr.epochs[0]!.gradientRatio!;
  assert.ok(ratioRelu > 1e-2, `relu first/last gradient ratio ${ratioRelu}`);
  assert.equal(vanishingGradients.check({ epochs: mr.epochs }), null);
  sigmoid.dispose();
  relu.dispose();
});

test('exploding gradients: a deep relu network initialised too large triggers the rule, the same network with He gain does not', async () => {
  // Each layer multiplies the signal by about gain/√2 ≈ 2.8, so gradient norms reach thousands;
  // a tiny learning rate keeps the loss finite while they are measured.
  const big = deep('relu', { id: 'he_normal', gain: 4 }, 8, 32, 1e-6);
  const mb = monitor({ every: 4 });
  await big.fit(X, Y, { epochs: 1, batchSize: 32, callbacks: [mb] });
  const found = explodingGradients.check({ epochs: mb.epochs });
  assert.ok(found, `largest gradient norm ${Math.max(...mb.epochs[0]!.layers.map((l) => l.weightGradNorm ?? 0))}`);
  assert.equal(found.severity, 'error');
  const fine = deep('relu', 'he_normal', 8, 32, 1e-6);
  const mf = monitor({ every: 4 });
  await fine.fit(X, Y, { epochs: 1, batchSize: 32, callbacks: [mf] });
  assert.equal(explodingGradients.check({ epochs: mf.epochs }), null);
  big.dispose();
  fine.dispose();
});

test('bad monitor options are errors naming the option; the old fit({ monitor }) option says where the monitor went', async () => {
  const model = deep('relu', 'he_normal', 2, 4);
  assert.throws(() => monitor({ every: 0 }), /monitor: every must be a positive integer.*got 0/);
  assert.throws(() => monitor({ evry: 2 } as never), /monitor: unknown option "evry"/);
  assert.throws(() => monitor('yes' as never), /monitor: options must be an object/);
  await assert.rejects(model.fit(X, Y, { monitor: true } as never), /callbacks: \[monitor\(/);
  const idle = monitor();
  assert.throws(() => idle.onStepBegin(0, 0), /not attached to a training run/);
  model.dispose();
});

test('advise on stored epochs orders findings by severity', () => {
  const layer = { name: 'dense_1', layerIndex: 0, className: 'Dense', activation: 'relu', note: null, units: 10, samples: 64, deadUnits: 5, deadFraction: 0.5, deadIndices: [0, 1, 2, 3, 4], canDie: true, constantUnits: 5, sparsity: 0.7, mean: 1, std: 1, min: 0, max: 3, percentiles: { p1: 0, p5: 0, p25: 0, p50: 0, p75: 1, p95: 2, p99: 3 }, percentileMethod: 'exact', saturation: null, histogram: { edges: [], counts: [], exact: true, below: 0, above: 0 }, nonFinite: 3, activationGradNorm: 1, weightGradNorm: 1, weightNorm: 1, updateRatio: 1e-3, maxAbsActivation: 3, paramLayers: ['dense_1'] };
  const epoch: EpochHealth = { epoch: 0, loss: 1, learningRate: 0.5, steps: 4, monitoredSteps: 1, layers: [layer], gradientRatio: null, activationGradientRatio: null, maxAbsActivation: 3, nonFinite: 3, monitorMs: 1 };
  const findings = advise({ epochs: [epoch] });
  assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [['non-finite-activations', 'error'], ['dead-units', 'error']]);
  assert.equal(findings[1]!.message, 'dense_1: 50% of units (5 of 10) never fired during epoch 1 (learning rate 0.5). Try leaky_relu or prelu, a lower learning rate, or He initialization.');
  assert.throws(() => advise(null as never), /advise: stats must be an object \{ epochs\?, report\?, learningRate\? \}, got null/);
});

test('the learning rate of an epoch is the mean of the rates its updates used, not the rate after its last update', async () => {
  const schedule = optimizers.schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 8 });
  const model = sequential({ inputShape: [4], seed: 3, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 2 })] });
  model.compile({ optimizer: optimizers.sgd({ learningRate: schedule }), loss: 'softmax_cross_entropy' });
  const rng = new Rng(2);
  const x = Float32Array.from({ length: 16 * 4 }, () => rng.normal());
  const y = Int32Array.from({ length: 16 }, (_, i) => i % 2);
  const m = monitor();
  await model.fit(x, y, { epochs: 2, batchSize: 4, callbacks: [m] });
  // 4 updates per epoch: steps 0–3, then 4–7, the last of which leaves the schedule at 0.
  const mean = (from: number) => [0, 1, 2, 3].reduce((s, i) => s + schedule.at(from + i), 0) / 4;
  assert.ok(Math.abs(m.epochs[0]!.learningRate! - mean(0)) < 1e-12, `epoch 0: ${m.epochs[0]!.learningRate} vs ${mean(0)}`);
  assert.ok(Math.abs(m.epochs[1]!.learningRate! - mean(4)) < 1e-12, `epoch 1: ${m.epochs[1]!.learningRate} vs ${mean(4)}`);
  assert.equal(model.optimizer!.currentLearningRate(), 0);
  assert.ok(m.epochs[1]!.learningRate! > 0.005);
  model.dispose();
});
