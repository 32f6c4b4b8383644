import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNorm, Dense, Layer, Rng, Tensor, assertGradients, layers, ops, sequential, tensor } from 'rectifier';

const rng = new Rng(7);
function rand(shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape);
}
function weighted(y: Tensor): Tensor {
  const r = new Rng(3);
  return ops.sum(ops.mul(y, tensor(Float32Array.from({ length: y.size }, () => r.uniform(-1.5, 1.5)), y.shape)));
}
/** Builds a one-layer model so the layer gets its weights, then checks d(weighted output) for input and weights. */
function checkLayer(layer: Layer, inputShape: number[], batch: number, training: boolean, seed = 1): void {
  const model = sequential({ inputShape, layers: [layer], seed });
  const x = rand([batch, ...inputShape]);
  const weights = layer.parameters().map((p) => p.value);
  // a fresh Rng per evaluation: dropout masks and rrelu slopes repeat exactly between evaluations
  assertGradients((x) => weighted(layer.forward(x, { training, rng: new Rng(5) })), [x, ...weights], { maxPerInput: 40 });
  model.dispose();
}

test('dense: gradients for input, kernel and bias with several activations', () => {
  for (const activation of ['relu', 'elu', 'gelu', 'tanh', 'selu', 'sigmoid', { id: 'leaky_relu', params: { alpha: 0.2 } }, { id: 'prelu', params: { alpha: 0.1 } }, 'rrelu']) {
    checkLayer(layers.dense({ units: 3, activation }), [4], 5, false);
  }
  checkLayer(layers.dense({ units: 3, activation: 'rrelu' }), [4], 5, true);
  checkLayer(layers.dense({ units: 2, useBias: false, activation: 'gelu' }), [3], 4, true);
});

test('prelu and rrelu layers: slope gradients, per channel and shared; rrelu random in training only', () => {
  checkLayer(layers.prelu(), [3], 6, true);
  checkLayer(layers.prelu({ shared: true }), [2, 2, 3], 2, true);
  const p = layers.prelu();
  sequential({ inputShape: [2, 2, 3], layers: [p] });
  assert.deepEqual(p.parameters()[0]!.shape, [3]);
  assert.deepEqual(p.parameters()[0]!.value.toArray(), [0.25, 0.25, 0.25]);
  assert.equal(p.parameters()[0]!.noDecay, true);
  checkLayer(layers.rrelu({ lower: 0.1, upper: 0.3 }), [5], 3, true);
  const r = layers.rrelu();
  sequential({ inputShape: [4], layers: [r] });
  const x = tensor([-1, -2, -3, -4, -1, -2, -3, -4], [2, 4]);
  const inference = r.forward(x, { training: false, rng: new Rng(1) }).toArray();
  assert.ok(inference.every((v, i) => Math.abs(v - x.toArray()[i]! * (1 / 8 + 1 / 3) / 2) < 1e-6));
  const train = r.forward(x, { training: true, rng: new Rng(1) }).toArray();
  assert.notDeepEqual(train, inference);
});

test('conv2d, pools, flatten, dropout and activation layers: gradients', () => {
  checkLayer(layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }), [4, 4, 2], 2, true);
  checkLayer(layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2, activation: 'elu' }), [5, 6, 1], 2, true);
  checkLayer(layers.avgPool2d({ poolSize: 2 }), [4, 4, 2], 2, true);
  checkLayer(layers.maxPool2d({ poolSize: 2 }), [4, 4, 2], 2, true);
  checkLayer(layers.flatten(), [2, 3], 2, true);
  checkLayer(layers.dropout({ rate: 0.4 }), [6], 3, true);
  checkLayer(layers.activation({ activation: { id: 'celu', params: { alpha: 0.5 } } }), [5], 2, true);
});

test('batchNorm in training: exact gradients; running statistics follow PyTorch (momentum 0.1, unbiased variance)', () => {
  checkLayer(layers.batchNorm(), [3], 6, true);
  checkLayer(layers.batchNorm(), [2, 2, 2], 3, true);
  const bn = layers.batchNorm() as BatchNorm;
  sequential({ inputShape: [2], layers: [bn] });
  const x = tensor([1, 10, 2, 20, 3, 30, 6, 40], [4, 2]);
  const y = bn.forward(x, { training: true, rng: new Rng(0) }).toArray();
  // per column: normalised to mean 0, biased variance 1
  for (const c of [0, 1]) {
    const col = [0, 1, 2, 3].map((r) => y[r * 2 + c]!);
    const m = col.reduce((a, b) => a + b) / 4;
    const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(v - 1) < 1e-3, `column ${c}: mean ${m}, var ${v}`);
  }
  const mean0 = 3, var0 = ((1 - 3) ** 2 + (2 - 3) ** 2 + 0 + (6 - 3) ** 2) / 3;
  assert.ok(Math.abs(bn.runningMean.value.toArray()[0]! - 0.1 * mean0) < 1e-6);
  assert.ok(Math.abs(bn.runningVar.value.toArray()[0]! - (0.9 + 0.1 * var0)) < 1e-5);
  // inference uses the running statistics
  const yi = bn.forward(tensor([1, 10], [1, 2]), { training: false, rng: new Rng(0) }).toArray();
  const want = (1 - 0.1 * mean0) / Math.sqrt(0.9 + 0.1 * var0 + 1e-5);
  assert.ok(Math.abs(yi[0]! - want) < 1e-5, `${yi[0]} vs ${want}`);
  assert.equal(bn.parameters().length, 2, 'running statistics are not trainable');
  assert.equal(bn.weights().length, 4);
});

test('shape mismatches are caught when the model is built, naming the layer and both shapes', () => {
  assert.throws(
    () => sequential({ inputShape: [8, 8, 1], layers: [layers.conv2d({ filters: 2, kernelSize: 3 }), layers.dense({ units: 2 })] }),
    /layer 1 \(dense_1, Dense\).*\[6, 6, 2\].*flatten/,
  );
  assert.throws(() => sequential({ inputShape: [2, 2, 1], layers: [layers.conv2d({ filters: 1, kernelSize: 3 })] }), /conv2d_1.*\[2, 2, 1\]/);
  assert.throws(() => sequential({ inputShape: [4], layers: [layers.maxPool2d()] }), /layer 0 \(max_pool2d_1, MaxPool2D\) cannot take the model input, shape \[4\]: MaxPool2D expects input of shape \[height, width, channels\]/);
  assert.throws(() => layers.dense({ units: 0 }), /units must be a positive integer, got 0/);
  assert.throws(() => layers.dense({ units: 3, activation: 'rleu' }), /unknown activation "rleu"; did you mean "relu"/);
  assert.throws(() => layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), /padding must be "valid" or "same"/);
  assert.throws(() => layers.dropout({ rate: 1 }), /rate must be a number in \[0, 1\)/);
});

test('getWeights returns copies; setWeights checks count and shapes and accepts Float32Arrays or Tensors', () => {
  const d = layers.dense({ units: 2 }) as Dense;
  sequential({ inputShape: [3], layers: [d] });
  const [k, b] = d.getWeights();
  assert.deepEqual(k!.shape, [3, 2]);
  assert.deepEqual(b!.shape, [2]);
  d.setWeights([new Float32Array([1, 2, 3, 4, 5, 6]), tensor([0.5, -0.5])]);
  assert.deepEqual(d.kernel.value.toArray(), [1, 2, 3, 4, 5, 6]);
  assert.notDeepEqual(k!.toArray(), [1, 2, 3, 4, 5, 6], 'getWeights gave a copy');
  const y = d.forward(tensor([1, 0, 1], [1, 3]), { training: false, rng: new Rng(0) }).toArray();
  assert.deepEqual(y, [1 + 5 + 0.5, 2 + 6 - 0.5]);
  assert.throws(() => d.setWeights([new Float32Array(6)]), /expected 2 arrays \(kernel \[3, 2\], bias \[2\]\), got 1/);
  assert.throws(() => d.setWeights([new Float32Array(5), new Float32Array(2)]), /kernel: expected 6 values/);
  assert.throws(() => d.setWeights([tensor(new Float32Array(6), [2, 3]), new Float32Array(2)]), /kernel must have shape \[3, 2\], got \[2, 3\]/);
});
