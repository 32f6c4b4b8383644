/**
 * ONNX export of the recurrent layers (RNN, LSTM, GRU operators), embedding (Gather) and timeDistributed
 * (Reshape around the inner layer), checked in onnxruntime-node against `predict`. Skipped, saying why, when
 * onnxruntime-node does not load here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, exportOnnx, layers, sequential, tensor } from 'rectifier';
import type { Layer } from 'rectifier';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
let why = '';
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  why = `onnxruntime-node did not load: ${(e as Error).message.split('\n')[0]}`;
  console.log(`# ${why}; the ONNX Runtime checks of the recurrent layers are skipped`);
}

async function agree(inputShape: number[], make: () => Layer[], input?: (n: number) => Float32Array): Promise<void> {
  const model = sequential({ inputShape, layers: make(), seed: 3 });
  const n = 3;
  const size = inputShape.reduce((a, b) => a * b, 1);
  const r = new Rng(8);
  const x = input ? input(n) : Float32Array.from({ length: n * size }, () => r.normal());
  const want = model.predict(tensor(x, [n, ...inputShape])).toArray();
  const session = await ort!.InferenceSession.create(exportOnnx(model), { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort!.Tensor('float32', x, [n, ...inputShape]) });
    const y = out[session.outputNames[0]!]!;
    assert.deepEqual([...y.dims], [n, ...model.outputShape]);
    const got = y.data as Float32Array;
    want.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) <= 1e-5 * Math.abs(v) + 1e-5, `${model.layers.map((l) => l.className).join('→')}[${i}]: ORT ${got[i]} vs ${v}`));
  } finally {
    await session.release();
    model.dispose();
  }
}

test('SimpleRNN, LSTM and GRU export as ONNX RNN/LSTM/GRU and agree with predict in ONNX Runtime', { skip: ort ? false : why }, async () => {
  for (const activation of ['relu', 'tanh', 'sigmoid', { id: 'leaky_relu', params: { alpha: 0.2 } }]) {
    await agree([7, 3], () => [layers.simpleRnn({ units: 5, activation, recurrentInitializer: 'identity' }), layers.dense({ units: 2 })]);
    await agree([7, 3], () => [layers.simpleRnn({ units: 4, activation, returnSequences: true })]);
  }
  await agree([6, 3], () => [layers.lstm({ units: 4 }), layers.dense({ units: 2 })]);
  await agree([6, 3], () => [layers.lstm({ units: 5, activation: 'relu', returnSequences: true }), layers.gru({ units: 3 })]);
  await agree([6, 3], () => [layers.gru({ units: 4, returnSequences: true })]);
  await agree([6, 3], () => [layers.gru({ units: 4, activation: 'relu', useBias: false })]);
});

test('embedding and timeDistributed export as Gather and Reshape around the inner layer', { skip: ort ? false : why }, async () => {
  const ids = (n: number) => Float32Array.from({ length: n * 5 }, (_, i) => (i * 7) % 9);
  await agree([5], () => [layers.embedding({ inputDim: 9, outputDim: 4 }), layers.lstm({ units: 4 }), layers.dense({ units: 3 })], ids);
  await agree([5, 3], () => [layers.simpleRnn({ units: 4, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'relu' }) })]);
});

test('a recurrent layer that masks padding says it has no ONNX form yet', () => {
  const model = sequential({ inputShape: [4, 2], layers: [layers.simpleRnn({ units: 2, maskValue: 0 })] });
  assert.throws(() => exportOnnx(model), /masks padding \(maskValue\)/);
  model.dispose();
});
