/** `rectifier export`: ONNX in and out, PyTorch state_dicts out, from the command line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOnnx, layers, loadModel, loadWeights, sequential } from 'rectifier';
import { FIXTURES, fixture, ourInput, worstError } from './helpers/onnx.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rectifier-onnx-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('export an imported PyTorch model to ONNX, to a state_dict and to our format; the results load and predict the same', () => {
  const onnx = join(dir, 'cnn.onnx');
  const pt = join(dir, 'cnn.pt.safetensors');
  const ours = join(dir, 'cnn.safetensors');
  const r = cli('export', join(FIXTURES, 'cnn_conv_pool_opset13.onnx'), '--onnx', onnx, '--opset', '13', '--nchw', '--pytorch', pt, '--safetensors', ours, '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(out.layers, ['Conv2D(relu)', 'MaxPool2D', 'ZeroPadding2D', 'Conv2D(relu)', 'Flatten', 'Dense']);
  assert.deepEqual(out.written.map((w: { format: string }) => w.format), ['onnx', 'pytorch', 'safetensors']);
  const written = decodeOnnx(new Uint8Array(readFileSync(onnx)));
  assert.equal(written.opset, 13);
  assert.deepEqual(written.inputs[0]!.shape, ['batch', 3, 8, 8]);
  const f = fixture('cnn_conv_pool_opset13');
  for (const file of [onnx, ours]) {
    const m = loadModel(file);
    assert.ok(worstError(m.predict(ourInput(f)).data as Float32Array, f.output) < 1e-4, file);
    m.dispose();
  }
  // The state_dict is the PyTorch twin's: Conv2d, ReLU, MaxPool2d, ZeroPad2d, Conv2d, ReLU, Flatten, Linear.
  const twin = sequential({ inputShape: [8, 8, 3], layers: [
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPool2d(), layers.zeroPadding2d({ padding: 1 }),
    layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu' }), layers.flatten(), layers.dense({ units: 5 }),
  ] });
  const report = loadWeights(twin, pt, { layout: 'pytorch' });
  assert.deepEqual(report.loaded.map((l) => l.split(' ← ')[1]), ['0.weight', '0.bias', '4.weight', '4.bias', '7.weight', '7.bias']);
  assert.ok(worstError(twin.predict(ourInput(f)).data as Float32Array, f.output) < 1e-4);
  twin.dispose();
});

test('export errors are one line each: nothing to write, a Softmax classifier, an opset out of range', () => {
  const none = cli('export', join(FIXTURES, 'mlp_relu_opset13.onnx'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^rectifier: export: say what to write: --onnx <file>, --pytorch <file> and\/or --safetensors <file>\n$/);
  const keras = cli('export', join(FIXTURES, 'keras_cnn_opset13.onnx'), '--onnx', join(dir, 'k.onnx'));
  assert.equal(keras.code, 1);
  assert.match(keras.stderr, /\(Softmax\) ends the graph: .*\(--drop-final-softmax here\)/);
  assert.equal(cli('export', join(FIXTURES, 'keras_cnn_opset13.onnx'), '--onnx', join(dir, 'k.onnx'), '--drop-final-softmax').code, 0);
  assert.ok(existsSync(join(dir, 'k.onnx')));
  const opset = cli('export', join(FIXTURES, 'mlp_relu_opset13.onnx'), '--onnx', join(dir, 'x.onnx'), '--opset', '9');
  assert.match(opset.stderr, /--opset must be an integer from 13 to 21, got 9/);
});
