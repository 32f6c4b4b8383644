/** zeroPadding2d: zeros around each image, the gradient cropped back; with a 'valid' conv it is a padded conv. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, assertGradients, layerFromConfig, layers, ops, sequential, tensor } from 'rectifier';

test('pads each image of the batch with zero rows and columns, per side', () => {
  const pad = layers.zeroPadding2d({ padding: [[1, 0], [2, 1]] });
  const model = sequential({ inputShape: [2, 2, 2], layers: [pad] });
  assert.deepEqual(model.outputShape, [3, 5, 2]);
  const x = Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => i + 1);
  const y = model.predict(x);
  assert.deepEqual(y.shape, [2, 3, 5, 2]);
  const v = y.data as Float32Array;
  const at = (b: number, r: number, c: number, k: number) => v[((b * 3 + r) * 5 + c) * 2 + k];
  assert.equal(at(0, 0, 2, 0), 0); // the top row is padding
  assert.equal(at(0, 1, 2, 0), 1); // the first pixel lands one row down, two columns right
  assert.equal(at(0, 1, 3, 1), 4);
  assert.equal(at(1, 2, 3, 1), 16);
  assert.equal(at(1, 2, 4, 1), 0); // the right column is padding
  assert.equal(v.reduce((s, t) => s + t, 0), (16 * 17) / 2);
  y.dispose();
  model.dispose();
});

test('its gradient is the upstream gradient cropped to the input', () => {
  const pad = layers.zeroPadding2d({ padding: [2, 1] });
  const model = sequential({ inputShape: [3, 2, 2], layers: [pad] });
  const rng = new Rng(3);
  const x = tensor(Float32Array.from({ length: 2 * 12 }, () => rng.normal()), [2, 3, 2, 2]);
  const w = tensor(Float32Array.from({ length: 2 * 7 * 4 * 2 }, () => rng.uniform(-1, 1)), [2, 7, 4, 2]);
  assertGradients((x) => ops.sum(ops.mul(pad.forward(x), w)), [x]);
  model.dispose();
});

test('zero padding then a valid convolution is a padded convolution: with TensorFlow\'s pads it equals "same"', () => {
  const rng = new Rng(8);
  const x = Float32Array.from({ length: 2 * 5 * 5 * 2 }, () => rng.normal());
  // 5×5, 3×3 window, stride 2: 'same' pads one row and column on each side.
  const padded = sequential({ inputShape: [5, 5, 2], seed: 1, layers: [layers.zeroPadding2d({ padding: 1 }), layers.conv2d({ filters: 3, kernelSize: 3, strides: 2 })] });
  const same = sequential({ inputShape: [5, 5, 2], seed: 1, layers: [layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' })] });
  same.layers[0]!.setWeights(padded.layers[1]!.getWeights());
  const a = padded.predict(x).data as Float32Array;
  const b = same.predict(x).data as Float32Array;
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${i}: ${v} vs ${b[i]}`));
  padded.dispose();
  same.dispose();
});

test('config round trip and bad options', () => {
  const pad = layers.zeroPadding2d({ padding: [1, 2] });
  assert.deepEqual(pad.padding, [[1, 1], [2, 2]]);
  sequential({ inputShape: [2, 2, 1], layers: [pad] }).dispose(); // names the layer
  const again = layerFromConfig(pad.toJSON());
  assert.deepEqual((again as typeof pad).padding, [[1, 1], [2, 2]]);
  assert.throws(() => layers.zeroPadding2d({ padding: -1 }), /zeroPadding2d: padding amounts must be integers >= 0, got -1/);
  assert.throws(() => layers.zeroPadding2d({ padding: 'same' as never }), /padding must be a number, \[rows, columns\] or \[\[top, bottom\], \[left, right\]\], got "same"/);
  assert.throws(() => sequential({ inputShape: [4], layers: [layers.zeroPadding2d()] }), /ZeroPadding2D expects input of shape \[height, width, channels\] per sample, got \[4\]/);
});
