/**
 * PyTorch state_dicts (safetensors) onto equivalent Sequentials and back: the committed fixtures were
 * written from torch.nn.Sequential modules (printed in their JSON) with the outputs PyTorch computed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, layers, loadWeights, readSafetensors, sequential } from 'rectifier';
import type { NamedArray } from 'rectifier';
import { PYTORCH_FIXTURES, nchwToNhwc, worstError } from './helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'rectifier-pytorch-weights-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface StateDictFixture { inputShape: number[]; input: number[]; output: number[]; stateDict: Record<string, number[]> }
const meta = (name: string): StateDictFixture => JSON.parse(readFileSync(join(PYTORCH_FIXTURES, `${name}.json`), 'utf8'));
const file = (name: string) => join(PYTORCH_FIXTURES, `${name}.safetensors`);

/** Linear, ReLU, Linear, PReLU(8), BatchNorm1d, Linear. */
const mlp = (units = 8) => sequential({
  inputShape: [6], layers: [layers.dense({ units, activation: 'relu' }), layers.dense({ units: 8 }), layers.prelu(), layers.batchNorm(), layers.dense({ units: 3 })],
});
/** Conv2d(pad 1), BatchNorm2d, ReLU, MaxPool2d(2), Conv2d, Tanh, Flatten, Linear. */
const cnn = () => sequential({
  inputShape: [8, 8, 2], layers: [
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), layers.batchNorm(), layers.activation({ activation: 'relu' }), layers.maxPool2d({ poolSize: 2 }),
    layers.conv2d({ filters: 5, kernelSize: 3, activation: 'tanh' }), layers.flatten(), layers.dense({ units: 3 }),
  ],
});

test('an MLP state_dict loads onto the equivalent Sequential and predicts as PyTorch did', () => {
  const m = mlp();
  const report = loadWeights(m, file('mlp'), { layout: 'pytorch' });
  assert.deepEqual(report.missing, []);
  assert.deepEqual(report.unexpected, []);
  assert.deepEqual(report.mismatched, []);
  assert.deepEqual(report.loaded, [
    'dense_1.kernel ← 0.weight', 'dense_1.bias ← 0.bias', 'dense_2.kernel ← 2.weight', 'dense_2.bias ← 2.bias', 'prelu_1.alpha ← 3.weight',
    'batch_norm_1.gamma ← 4.weight', 'batch_norm_1.beta ← 4.bias', 'batch_norm_1.running_mean ← 4.running_mean', 'batch_norm_1.running_var ← 4.running_var',
    'dense_3.kernel ← 5.weight', 'dense_3.bias ← 5.bias',
  ]);
  const f = meta('mlp');
  const err = worstError(m.predict(Float32Array.from(f.input)).data as Float32Array, f.output);
  assert.ok(err < 1e-5, `${err}`);
  m.dispose();
});

test('a CNN state_dict loads (kernels to HWIO, the Linear after Flatten permuted) and predicts the same for the same images', () => {
  const m = cnn();
  loadWeights(m, file('cnn'), { layout: 'pytorch' });
  const f = meta('cnn');
  const err = worstError(m.predict(nchwToNhwc(f.input, f.inputShape)).data as Float32Array, f.output);
  assert.ok(err < 1e-5, `${err}`);
  m.dispose();
});

test("save(path, { layout: 'pytorch' }) writes PyTorch's keys, shapes and values back", () => {
  for (const [name, make] of [['mlp', () => mlp()], ['cnn', cnn]] as const) {
    const m = make();
    loadWeights(m, file(name), { layout: 'pytorch' });
    const out = join(dir, `${name}.safetensors`);
    m.save(out, { layout: 'pytorch' });
    const written = readSafetensors(out, { anyDtype: true });
    const original = readSafetensors(file(name), { anyDtype: true });
    assert.equal(written.metadata.format, 'pt');
    const shapes = Object.fromEntries([...written.tensors].map(([k, t]) => [k, [...t.shape]]));
    assert.deepEqual(shapes, meta(name).stateDict);
    for (const [key, t] of written.tensors) {
      const o = original.tensors.get(key)!;
      if (key.endsWith('num_batches_tracked')) {
        assert.equal(t.dtype, 'I64');
        continue;
      }
      assert.equal(t.dtype, 'F32');
      assert.deepEqual(Array.from(t.data), Array.from(o.data), key);
    }
    m.dispose();
  }
});

test('what does not match is reported by key, and nothing is loaded unless strict is off', () => {
  const m = mlp(9);
  const before = Array.from(m.layers[1]!.weights()[0]!.value.data as Float32Array);
  assert.throws(() => loadWeights(m, file('mlp'), { layout: 'pytorch' }),
    /loadWeights: .*mlp\.safetensors does not match the model \(nothing was loaded\): 0\.weight has shape \[8, 6\] where the model needs \[9, 6\]; 0\.bias has shape \[8\] where the model needs \[9\]; 2\.weight has shape \[8, 8\] where the model needs \[8, 9\]/);
  assert.deepEqual(Array.from(m.layers[1]!.weights()[0]!.value.data as Float32Array), before);
  const report = loadWeights(m, file('mlp'), { layout: 'pytorch', strict: false });
  assert.deepEqual(report.mismatched.map((x) => x.key), ['0.weight', '0.bias', '2.weight']);
  assert.equal(report.loaded.length, 8);
  m.dispose();
  // A model with layers fewer: the file's extra tensors are unexpected, the shapes that differ named.
  const short = sequential({ inputShape: [6], layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 3 }), layers.dense({ units: 2 })] });
  assert.throws(() => loadWeights(short, file('mlp'), { layout: 'pytorch' }),
    /missing 3\.bias; unexpected 4\.bias, 4\.num_batches_tracked, 4\.running_mean, 4\.running_var, 4\.weight, 5\.bias, 5\.weight; 2\.weight has shape \[8, 8\] where the model needs \[3, 8\]; 2\.bias has shape \[8\] where the model needs \[3\]; 3\.weight has shape \[8\] where the model needs \[2, 3\]$/);
  short.dispose();
  assert.throws(() => loadWeights(mlp(), file('mlp'), { layout: 'keras' as never }), /options must be \{ layout: 'pytorch', map\?, strict\? \}/);
  assert.throws(() => loadWeights(mlp(), file('mlp'), { layout: 'pytorch', map: { fc1: 'dense_9' } }), /map sends "fc1" to "dense_9", which is no layer of the model; its layers: dense_1, dense_2, prelu_1, batch_norm_1, dense_3/);
});

test('map: a PyTorch model with named modules (self.fc1 …) loads onto our layer names', () => {
  const original = readSafetensors(file('mlp'), { anyDtype: true }).tensors;
  const names: Record<string, string> = { 0: 'fc1', 2: 'fc2', 3: 'act', 4: 'norm', 5: 'head' };
  const renamed = new Map<string, NamedArray>();
  for (const [k, t] of original) {
    const [index, param] = k.split('.') as [string, string];
    renamed.set(`${names[index]}.${param}`, t);
  }
  const p = join(dir, 'named.safetensors');
  writeFileSync(p, encodeSafetensors(renamed, { format: 'pt' }));
  const m = mlp();
  const report = loadWeights(m, p, { layout: 'pytorch', map: { fc1: 'dense_1', fc2: 'dense_2', act: 'prelu_1', norm: 'batch_norm_1', head: 'dense_3' } });
  assert.deepEqual(report.unexpected, []);
  const f = meta('mlp');
  assert.ok(worstError(m.predict(Float32Array.from(f.input)).data as Float32Array, f.output) < 1e-5);
  m.dispose();
});
