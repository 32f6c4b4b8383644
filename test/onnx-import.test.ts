/**
 * Importing ONNX models: every committed PyTorch export (and the tf2onnx-style graphs) becomes a
 * Sequential that predicts what PyTorch computed, channels-last, within 1e-4 relative plus absolute;
 * the layers it builds are the ones the graph describes; what cannot be imported is refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedOnnxError, decodeOnnx, describeOnnx, importOnnx, inspect, loadModel, optimizers } from 'rectifier';
import { FIXTURES, fixture, fixtureNames, onnxBytes, ourInput, softmaxRows, values, worstError } from './helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'rectifier-onnx-import-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const REFUSED = new Set(['mlp_hardtanh_opset13']);
const worst: Record<string, number> = {};

for (const name of fixtureNames().filter((n) => !REFUSED.has(n))) {
  test(`${name} predicts as PyTorch did (1e-4 relative + absolute)`, () => {
    const f = fixture(name);
    const softmax = f.ops[f.ops.length - 1] === 'Softmax';
    const model = importOnnx(f.bytes, { dropFinalSoftmax: softmax });
    try {
      const expectedInput = f.layout === 'NCHW' ? [f.inputShape[2], f.inputShape[3], f.inputShape[1]] : f.inputShape.slice(1);
      assert.deepEqual(model.inputShape, expectedInput);
      const y = model.predict(ourInput(f));
      assert.deepEqual(y.shape, f.outputShape);
      const got = softmax ? softmaxRows(y.data as Float32Array, f.outputShape[1]!) : (y.data as Float32Array);
      const err = worstError(got, f.output);
      worst[name] = err;
      assert.ok(err <= 1e-4, `worst |difference| / (1 + |PyTorch|) = ${err}`);
      y.dispose();
    } finally {
      model.dispose();
    }
  });
}

test.after(() => {
  const entries = Object.entries(worst).sort((a, b) => b[1] - a[1]);
  if (entries.length) console.log(`# worst disagreement with PyTorch: ${entries[0]![1].toExponential(2)} (${entries[0]![0]}) over ${entries.length} fixtures`);
});

test('the layers built are the ones the graphs describe, with activations fused and layouts converted', () => {
  const classes = (name: string) => describeOnnx(fixture(name).bytes, { dropFinalSoftmax: true }).layers.map((l) => {
    const act = l.config.activation;
    return act && act !== 'linear' ? `${l.className}(${typeof act === 'string' ? act : JSON.stringify(act)})` : l.className;
  });
  assert.deepEqual(classes('mlp_gelu_opset13'), ['Dense(gelu)', 'Dense']);
  assert.deepEqual(classes('mlp_gelu_tanh_opset17'), ['Dense(gelu_tanh)', 'Dense']);
  assert.deepEqual(classes('mlp_hardswish_opset13'), ['Dense(hard_swish)', 'Dense']);
  assert.deepEqual(classes('mlp_softplus_beta_opset13'), ['Dense({"id":"softplus","params":{"beta":2}})', 'Dense']);
  assert.deepEqual(classes('mlp_rrelu_opset15'), ['Dense({"id":"leaky_relu","params":{"alpha":0.2}})', 'Dense']);
  assert.deepEqual(classes('mlp_batchnorm_opset14'), ['Dense', 'BatchNorm', 'Activation(relu)', 'Dense']);
  assert.deepEqual(classes('mlp_prelu_channels_opset15'), ['Dense', 'PReLU', 'Dense']);
  // stride 1, padding 1 is 'same'; stride 2, padding 1 is not, so it becomes a zero padding first
  assert.deepEqual(classes('cnn_conv_pool_opset13'), ['Conv2D(relu)', 'MaxPool2D', 'ZeroPadding2D', 'Conv2D(relu)', 'Flatten', 'Dense']);
  assert.deepEqual(classes('cnn_avgpool_pad_opset14'), ['Conv2D(gelu)', 'ZeroPadding2D', 'AvgPool2D', 'PReLU', 'Flatten', 'Dense']);
  assert.deepEqual(classes('cnn_pool_padding_opset16'), ['ZeroPadding2D', 'Conv2D(relu)', 'ZeroPadding2D', 'MaxPool2D', 'AvgPool2D', 'Flatten', 'Dense']);
  assert.deepEqual(classes('cnn_view_opset13'), ['ZeroPadding2D', 'Conv2D(silu)', 'Flatten', 'Dense']);
  assert.deepEqual(classes('keras_cnn_opset13'), ['Conv2D(relu)', 'MaxPool2D', 'Flatten', 'Dense(relu)', 'Dense']);
  assert.deepEqual(classes('keras_gelu_opset15'), ['Conv2D', 'Conv2D', 'Flatten', 'Dense(gelu)', 'Dense']);
  const cnn = describeOnnx(fixture('cnn_conv_pool_opset13').bytes);
  assert.equal(cnn.inputLayout, 'NCHW');
  assert.deepEqual(cnn.inputShape, [8, 8, 3]);
  assert.deepEqual(cnn.layers[0]!.weights.map((w) => [w.name, w.shape]), [['kernel', [3, 3, 3, 4]], ['bias', [4]]]);
  assert.equal(cnn.layers[0]!.config.padding, 'same');
  const keras = describeOnnx(fixture('keras_gelu_opset15').bytes);
  assert.equal(keras.inputLayout, 'NHWC');
  assert.equal(keras.layers[0]!.config.padding, 'same'); // auto_pad SAME_UPPER
  const bn = describeOnnx(fixture('cnn_batchnorm_after_relu_opset17').bytes).layers[1]!;
  assert.deepEqual(bn.config, { momentum: 0.1, epsilon: 1e-5 });
});

test('a flatten of NCHW features permutes the next dense layer: the same image gives the same answer', () => {
  const f = fixture('mlp_flatten_nchw_opset16'); // input [batch, 2, 4, 4] → Flatten → Linear(32, 5)
  const d = describeOnnx(f.bytes);
  assert.deepEqual(d.layers.map((l) => l.className), ['Flatten', 'Dense', 'Dense']);
  const ours = d.layers[1]!.weights[0]!;
  assert.deepEqual(ours.shape, [32, 5]);
  const torchWeight = decodeOnnx(f.bytes).initializers.get('1.weight')!; // [5, 32], columns channel-major
  const [C, H, W] = [2, 4, 4];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) for (let o = 0; o < 5; o++) {
    assert.equal(ours.data[((y * W + x) * C + c) * 5 + o], torchWeight.data[o * 32 + (c * H + y) * W + x]);
  }
  // Reading the same bytes as if the input were NHWC skips the permutation: right only on the raw
  // NCHW values, wrong on the channels-last images the permuted model takes.
  const model = importOnnx(f.bytes);
  const unpermuted = importOnnx(f.bytes, { inputLayout: 'NHWC' });
  try {
    assert.ok(worstError(model.predict(ourInput(f)).data as Float32Array, f.output) < 1e-5);
    assert.deepEqual(unpermuted.inputShape, [2, 4, 4]);
    assert.ok(worstError(unpermuted.predict(Float32Array.from(f.input)).data as Float32Array, f.output) < 1e-5);
    assert.ok(worstError(unpermuted.predict(ourInput(f)).data as Float32Array, f.output) > 1e-2);
  } finally {
    model.dispose();
    unpermuted.dispose();
  }
});

test('loadModel reads .onnx files by content, whatever their name; options reach the importer', () => {
  const p = join(dir, 'model.bin');
  copyFileSync(join(FIXTURES, 'mlp_silu_opset15.onnx'), p);
  const m = loadModel(p);
  const f = fixture('mlp_silu_opset15');
  assert.ok(worstError(m.predict(ourInput(f)).data as Float32Array, f.output) < 1e-5);
  m.dispose();
  const k = join(dir, 'keras.safetensors');
  copyFileSync(join(FIXTURES, 'keras_cnn_opset13.onnx'), k);
  assert.throws(() => loadModel(k), /keras\.safetensors: .*Softmax.* dropFinalSoftmax: true/);
  loadModel(k, { dropFinalSoftmax: true }).dispose();
});

test('an imported model is inspected, fine-tuned, saved and loaded like any other', async () => {
  const f = fixture('cnn_conv_pool_opset13');
  const model = importOnnx(f.bytes, { seed: 4 });
  const x = ourInput(f);
  const report = inspect(model, x);
  assert.deepEqual(report.map((r) => r.name).filter((n) => n.startsWith('conv2d')), ['conv2d_1', 'conv2d_2']);
  assert.ok(report.every((r) => model.layers.some((l) => l.name === r.name)));
  const y = Int32Array.from([0, 1, 2]);
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy' });
  const before = model.evaluate(x, y).loss;
  await model.fit(x, y, { epochs: 20, batchSize: 3, verbose: 0 });
  const after = model.evaluate(x, y).loss;
  assert.ok(after < before, `loss ${before} → ${after}`);
  const p = join(dir, 'tuned.safetensors');
  model.save(p);
  const back = loadModel(p);
  assert.deepEqual(Array.from(back.predict(x).data as Float32Array), Array.from(model.predict(x).data as Float32Array));
  assert.deepEqual(back.layers.map((l) => l.className), model.layers.map((l) => l.className));
  back.dispose();
  model.dispose();
});

// ---------------------------------------------------------------------------------------------------

function refused(bytes: Uint8Array, pattern: RegExp, options = {}) {
  assert.throws(() => importOnnx(bytes, options), (e: Error) => {
    assert.ok(e instanceof UnsupportedOnnxError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const dense = (w = 'w', b = 'b') => ({ [w]: { dims: [4, 4], values: values(16) }, [b]: { dims: [4], values: values(4, 2) } });

test('what cannot be imported is refused naming the node, its operator and what is supported', () => {
  refused(fixture('mlp_hardtanh_opset13').bytes, /node "\/1\/Clip" \(Clip\): Clip\(min=-1, max=1\) has no row in the activation table; supported: Clip\(0, 6\) as relu6/);
  refused(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] }, { op: 'Sin', inputs: ['h'], outputs: ['y'], name: 'odd' }], initializers: dense() }),
    /node "odd" \(Sin\) is not supported; supported operators: Gemm; MatMul; .*Conv.*Relu/);
  refused(onnxBytes({ nodes: [{ op: 'LSTM', inputs: ['x', 'w', 'b'], outputs: ['y'], name: 'rnn' }], initializers: dense() }), /node "rnn" \(LSTM\) is not supported/);
  // A residual connection: the value feeds a Gemm and an Add.
  refused(onnxBytes({
    nodes: [
      { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'], name: 'fc' },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'Gemm', inputs: ['r', 'w', 'b'], outputs: ['h2'], name: 'fc2' },
      { op: 'Add', inputs: ['h2', 'r'], outputs: ['y'], name: 'skip' },
    ],
    initializers: dense(),
  }), /value "r" is read by node "fc2" \(Gemm\), node "skip" \(Add\): the graph branches/);
  refused(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transA: 1 } }], initializers: dense() }), /transA=1 is not supported/);
  refused(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'v', 'b'], outputs: ['y'], name: 'g' }], initializers: { v: { dims: [3, 4], values: values(12) }, b: { dims: [4], values: values(4) } } }),
    /node "g" \(Gemm\): its weight takes 3 features but the value it reads has 4/);
  refused(onnxBytes({ nodes: [{ op: 'MatMul', inputs: ['x', 'x'], outputs: ['y'], name: 'mm' }] }), /node "mm" \(MatMul\): its weight \(input 1\) must be a constant/);
  refused(onnxBytes({ nodes: [{ op: 'HardSigmoid', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.2 } }] }), /HardSigmoid\(alpha=0\.2, beta=0\.5\) has no row in the activation table/);
  refused(onnxBytes({ nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'], name: 'scale' }], initializers: { two: { dims: [], values: [2] } } }),
    /the elementwise nodes node "scale" \(Mul\) starting at value "x" compute no activation of the table/);
  refused(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] }, { op: 'Softmax', inputs: ['h'], outputs: ['y'], name: 'sm', attrs: { axis: 1 } }], initializers: dense() }),
    /node "sm" \(Softmax\) ends the graph: our models return logits .* \{ dropFinalSoftmax: true \}/);
  refused(onnxBytes({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], opset: 8 }), /opset 8; the importer reads opsets 9 to 22/);
  const image = { name: 'x', shape: ['batch', 2, 5, 5] };
  const kernel = { k: { dims: [3, 2, 3, 3], values: values(54) } };
  refused(onnxBytes({ input: image, nodes: [{ op: 'Conv', inputs: ['x', 'k'], outputs: ['y'], name: 'dw', attrs: { group: 2 } }], initializers: kernel }), /node "dw" \(Conv\): group=2/);
  refused(onnxBytes({ input: image, nodes: [{ op: 'Conv', inputs: ['x', 'k'], outputs: ['y'], name: 'c', attrs: { dilations: [2, 2] } }], initializers: kernel }), /dilations \[2, 2\] are not supported/);
  // Max pooling with pads that are not 'same', on values that can be negative: zero padding would change it.
  // (On 5×5 these pads are 'same', and accepted as such; on 6×6 'same' pads 0 before and 1 after.)
  const maxPool = (size: number) => onnxBytes({
    input: { name: 'x', shape: ['batch', 2, size, size] },
    nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], name: 'mp', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
  });
  assert.deepEqual(describeOnnx(maxPool(5)).layers.map((l) => [l.className, l.config.padding]), [['MaxPool2D', 'same']]);
  refused(maxPool(6),
    /node "mp" \(MaxPool\): pads \[1, 1, 1, 1\] on a 6×6 input are not TensorFlow's 'same' .* this input can be negative/);
  refused(onnxBytes({ input: image, nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], name: 'r' }], initializers: { s: { dims: [3], int64: [-1, 10, 5] } } }),
    /node "r" \(Reshape\): reshapes \[batch, 2, 5, 5\] to \[-1, 10, 5\]; only flattening reshapes/);
  refused(onnxBytes({ input: image, nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], name: 't', attrs: { perm: [0, 1, 3, 2] } }] }), /node "t" \(Transpose\): perm \[0, 1, 3, 2\]/);
  refused(onnxBytes({ input: { name: 'x', shape: ['batch', 'features'] }, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }), /has size "features" at axis 1; every axis but the batch must have a fixed size/);
  assert.throws(() => importOnnx('model.onnx' as never), /importOnnx: expected the model file's bytes as a Uint8Array \(or Buffer\), got "model\.onnx" \(loadModel\(path\) reads a file\)/);
  assert.throws(() => importOnnx(fixture('mlp_relu_opset13').bytes, { inputLayout: 'CHW' as never }), /inputLayout must be 'NCHW' or 'NHWC', got "CHW"/);
});

test('hand-written variants exporters also produce: Clip(0, ∞), Dropout nodes, a Conv bias added by Add, Pad before Conv, opset-20 Gelu', () => {
  const x = Float32Array.from(values(8, 5).map((v) => v * 3));
  const check = (bytes: Uint8Array, reference: (v: number) => number, classes: string[]) => {
    const d = describeOnnx(bytes);
    assert.deepEqual(d.layers.map((l) => l.className), classes);
    const m = importOnnx(bytes);
    const got = m.predict(x).data as Float32Array;
    got.forEach((g, i) => assert.ok(Math.abs(g - reference(x[i]!)) < 1e-6, `${i}: ${g} vs ${reference(x[i]!)}`));
    m.dispose();
  };
  const zero = { zero: { dims: [], values: [0] } };
  check(onnxBytes({ nodes: [{ op: 'Clip', inputs: ['x', 'zero'], outputs: ['y'] }], initializers: zero }), (v) => Math.max(v, 0), ['Activation']);
  check(onnxBytes({ nodes: [{ op: 'Dropout', inputs: ['x', 'r'], outputs: ['d'] }, { op: 'Relu', inputs: ['d'], outputs: ['y'] }], initializers: { r: { dims: [], values: [0.25] } } }),
    (v) => Math.max(v, 0), ['Dropout', 'Activation']);
  check(onnxBytes({ nodes: [{ op: 'Gelu', inputs: ['x'], outputs: ['y'], attrs: { approximate: 'tanh' } }], opset: 20 }),
    (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), ['Activation']);
  check(onnxBytes({ nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['i'] }, { op: 'Mish', inputs: ['i'], outputs: ['y'] }], opset: 18 }),
    (v) => v * Math.tanh(Math.log1p(Math.exp(v))), ['Activation']);

  // Pad then a valid Conv whose pads are TensorFlow's 'same' merges into one 'same' Conv2D; a bias added by Add is the conv's.
  const image = { name: 'x', shape: ['batch', 1, 4, 4] };
  const bytes = onnxBytes({
    input: image,
    nodes: [
      { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'] },
      { op: 'Conv', inputs: ['p', 'k'], outputs: ['c'], attrs: { kernel_shape: [3, 3] } },
      { op: 'Add', inputs: ['c', 'bias'], outputs: ['a'] },
      { op: 'Flatten', inputs: ['a'], outputs: ['y'] },
    ],
    initializers: { pads: { dims: [8], int64: [0, 0, 1, 1, 0, 0, 1, 1] }, k: { dims: [2, 1, 3, 3], values: values(18) }, bias: { dims: [1, 2, 1, 1], values: [0.5, -1] } },
  });
  const d = describeOnnx(bytes);
  assert.deepEqual(d.layers.map((l) => [l.className, l.config.padding ?? '']), [['Conv2D', 'same'], ['Flatten', '']]);
  assert.deepEqual([...d.layers[0]!.weights[1]!.data], [0.5, -1]);
});
