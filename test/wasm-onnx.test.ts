import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { activationIds } from '../src/activations/lookup.js';
import { layers, sequential } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { Rng } from '../src/util/random.js';

// ONNX Runtime is a dev dependency; without it the export is still checked for shape errors below.
let ort: typeof import('onnxruntime-node') | null = null;
try {
  ort = await import('onnxruntime-node');
} catch {
  ort = null;
}

function input(n: number, features: number): Float32Array {
  const rng = new Rng(5);
  return Float32Array.from({ length: n * features }, () => rng.next() * 2 - 1);
}

describe('ONNX export', () => {
  // Every row of the table: each writes itself through its ONNX form (an operator or an exact subgraph).
  for (const activation of activationIds()) {
    test(`ONNX Runtime's output matches model.predict to 1e-5: 784-64-32-10 with ${activation}`, { skip: ort === null && 'onnxruntime-node is not installed' }, async () => {
      const model = sequential({
        inputShape: [784], seed: 3, layers: [
          layers.dense({ units: 64, activation }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 32, activation }),
          layers.activation({ activation: 'relu' }), layers.dense({ units: 10 }),
        ],
      });
      const x = input(37, 784);
      const want = model.predict(x);
      const session = await ort!.InferenceSession.create(exportOnnx(model), { intraOpNumThreads: 1 });
      const result = await session.run({ [session.inputNames[0]!]: new ort!.Tensor('float32', x, [37, 784]) });
      const got = result[session.outputNames[0]!]!;
      assert.deepEqual(got.dims, [37, 10]);
      const wantValues = want.data as Float32Array;
      const gotValues = got.data as Float32Array;
      for (let i = 0; i < wantValues.length; i++) {
        assert.ok(Math.abs(gotValues[i]! - wantValues[i]!) <= 1e-5 * (1 + Math.abs(wantValues[i]!)), `output ${i}: ${gotValues[i]} vs ${wantValues[i]}`);
      }
      await session.release();
      want.dispose();
      model.dispose();
    });
  }

  test('a layer without an ONNX form is refused by name, and bad arguments are named', () => {
    const conv = sequential({ inputShape: [8, 8, 1], layers: [layers.conv2d({ filters: 2, kernelSize: 3 }), layers.flatten(), layers.dense({ units: 2 })] });
    assert.throws(() => exportOnnx(conv), /layer conv2d_1 \(Conv2D\) has no ONNX form/);
    assert.throws(() => exportOnnx(null as never), /exportOnnx: model must be a Sequential model, got null/);
    const dense = sequential({ inputShape: [4], layers: [layers.dense({ units: 2 })] });
    assert.throws(() => exportOnnx(dense, { opset: 9 }), /opset must be an integer from 13 to 21, got 9/);
    conv.dispose();
    dense.dispose();
  });
});
