/**
 * ONNX export, checked in ONNX Runtime: every activation of the table (each parameter set the activation
 * tests use) and every layer class, channels-last and channels-first, at the default opset and at the
 * opsets where the written form changes, agree with `predict` within 1e-5 relative plus 1e-6 absolute —
 * in onnxruntime-node, and in onnxruntime-web's WebAssembly build under Node. Imported fixtures survive
 * import → export → ONNX Runtime with PyTorch's outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Layer, Rng, decodeOnnx, exportOnnx, importOnnx, layers, listActivations, loadModel, sequential,
} from 'rectifier';
import type { Sequential, Tensor } from 'rectifier';
import { parameterSets } from './helpers/activations.js';
import { fixture, fixtureNames, nchwToNhwc, ourInput, softmaxRows, worstError } from './helpers/onnx.js';

type Ort = typeof import('onnxruntime-node');
async function load(name: string, get: () => Promise<unknown>): Promise<Ort | null> {
  try {
    return (await get()) as Ort;
  } catch (e) {
    console.log(`# ${name} did not load, its checks are skipped: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}
const ortNode = await load('onnxruntime-node', () => import('onnxruntime-node'));
const ortWeb = await load('onnxruntime-web', async () => {
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1; // no worker threads under Node
  return web;
});
const runtimes: [string, Ort][] = [];
if (ortNode) runtimes.push(['onnxruntime-node', ortNode]);
if (ortWeb) runtimes.push(['onnxruntime-web', ortWeb]);
const skip = runtimes.length === 0 && 'neither onnxruntime-node nor onnxruntime-web loads here';

const dir = mkdtempSync(join(tmpdir(), 'rectifier-onnx-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** [n, h, w, c] → [n, c, h, w]. */
function nhwcToNchw(x: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) for (let k = 0; k < c!; k++) {
    out[((b * c! + k) * h! + y) * w! + z] = x[((b * h! + y) * w! + z) * c! + k]!;
  }
  return out;
}

/** Runs bytes in a runtime on an input of the given dims; returns the first output. */
async function run(ort: Ort, bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, ort === ortWeb ? { executionProviders: ['wasm'] } : { intraOpNumThreads: 1 });
  try {
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, dims) });
    const y = result[session.outputNames[0]!]!;
    return { data: y.data as Float32Array, dims: y.dims };
  } finally {
    await session.release();
  }
}

/** max over outputs of |got − want| − 1e-5·|want|, so ≤ 1e-6 is the tolerance. */
function excess(got: ArrayLike<number>, want: ArrayLike<number>): { worst: number; at: number } {
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) - 1e-5 * Math.abs(want[i]!);
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  return { worst, at };
}

const measured: Record<string, number> = {};

/** Exports the model, runs it in every runtime and compares with predict. */
async function agrees(label: string, model: Sequential, options: { opset?: number; inputLayout?: 'NHWC' | 'NCHW' } = {}, scale = 3, seed = 1): Promise<void> {
  const n = 5;
  const rng = new Rng(seed);
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * per }, () => rng.normal() * scale);
  const predicted: Tensor = model.predict(x);
  const want = predicted.data as Float32Array;
  const bytes = exportOnnx(model, options);
  const nchw = options.inputLayout === 'NCHW' && model.inputShape.length === 3;
  const feed = nchw ? nhwcToNchw(x, [n, ...model.inputShape]) : x;
  const dims = nchw ? [n, model.inputShape[2]!, model.inputShape[0]!, model.inputShape[1]!] : [n, ...model.inputShape];
  for (const [name, ort] of runtimes) {
    const y = await run(ort, bytes, feed, dims);
    const imageOut = model.outputShape.length === 3;
    const expectDims = imageOut && nchw ? [n, model.outputShape[2]!, model.outputShape[0]!, model.outputShape[1]!] : [n, ...model.outputShape];
    assert.deepEqual([...y.dims], expectDims, `${label} in ${name}`);
    const got = imageOut && nchw ? nchwToNhwc(y.data, expectDims) : y.data;
    const { worst, at } = excess(got, want);
    measured[`${label} (${name})`] = worstError(got, want);
    assert.ok(worst <= 1e-6, `${label} in ${name}: output ${at} is ${got[at]} where predict gives ${want[at]}`);
  }
  predicted.dispose();
}

test.after(() => {
  for (const [runtime] of runtimes) {
    for (const kind of ['against predict', 'round trip against PyTorch']) {
      const entries = Object.entries(measured).filter(([k]) => k.endsWith(`(${runtime})`) && k.startsWith('round trip') === kind.startsWith('round trip')).sort((a, b) => b[1] - a[1]);
      if (entries.length) console.log(`# ${runtime}, ${kind}: worst |difference| / (1 + |expected|) ${entries[0]![1].toExponential(2)} (${entries[0]![0]}) over ${entries.length} runs`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------

test('every activation of the table, with each parameter set, in a dense layer and as a layer', { skip }, async () => {
  for (const spec of listActivations()) {
    for (const params of parameterSets(spec)) {
      const activation = { id: spec.id, params: { ...params } };
      const label = `${spec.id} ${JSON.stringify(params)}`;
      const model = sequential({
        inputShape: [6], seed: 2, layers: [layers.dense({ units: 7, activation }), layers.activation({ activation }), layers.dense({ units: 3 })],
      });
      await agrees(label, model);
      model.dispose();
    }
  }
});

test('activations whose ONNX form depends on the opset, at 13, 14, 18, 20 and 21', { skip }, async () => {
  for (const id of ['gelu', 'gelu_tanh', 'mish', 'hard_swish', 'softplus', 'relu6', 'celu', 'thresholded_relu']) {
    for (const opset of [13, 14, 18, 20, 21]) {
      const model = sequential({ inputShape: [6], seed: 4, layers: [layers.dense({ units: 7, activation: id }), layers.dense({ units: 3 })] });
      await agrees(`${id} at opset ${opset}`, model, { opset });
      model.dispose();
    }
  }
});

/** Non-trivial batch-norm statistics and PReLU slopes, as after training. */
function perturb(model: Sequential, seed: number): Sequential {
  const rng = new Rng(seed);
  for (const l of model.layers) {
    for (const p of l.weights()) {
      if (p.name === 'running_var') p.assign(Float32Array.from({ length: p.size }, () => 0.5 + rng.next()));
      else if (['running_mean', 'gamma', 'beta', 'alpha'].includes(p.name)) p.assign(Float32Array.from({ length: p.size }, () => rng.next() - 0.5 + (p.name === 'gamma' ? 1 : 0)));
    }
  }
  return model;
}

const LAYER_MODELS: Record<string, () => Sequential> = {
  'conv2d same stride 2 + batchNorm + prelu + maxPool same': () => sequential({ inputShape: [9, 8, 3], seed: 3, layers: [
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'gelu' }), layers.batchNorm(), layers.prelu(),
    layers.maxPool2d({ poolSize: 2, padding: 'same' }), layers.flatten(), layers.dense({ units: 3 }),
  ] }),
  'conv2d valid [2, 3] kernel, strides [1, 2] + avgPool valid': () => sequential({ inputShape: [7, 9, 2], seed: 5, layers: [
    layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: [1, 2], activation: 'relu6', useBias: false }), layers.avgPool2d({ poolSize: [2, 2], strides: 1 }),
    layers.flatten(), layers.dense({ units: 4, activation: 'tanh' }), layers.dense({ units: 2 }),
  ] }),
  'zeroPadding2d + avgPool same + maxPool valid stride 1': () => sequential({ inputShape: [6, 5, 2], seed: 6, layers: [
    layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }), layers.conv2d({ filters: 3, kernelSize: 3 }), layers.avgPool2d({ poolSize: 3, strides: 2, padding: 'same' }),
    layers.maxPool2d({ poolSize: 2, strides: 1 }), layers.flatten(), layers.dense({ units: 3 }),
  ] }),
  'flatten + dropout + batchNorm and prelu on features + rrelu': () => sequential({ inputShape: [4, 4, 2], seed: 7, layers: [
    layers.conv2d({ filters: 3, kernelSize: 2, activation: 'elu' }), layers.flatten(), layers.dropout({ rate: 0.4 }), layers.batchNorm(), layers.prelu(),
    layers.dense({ units: 5 }), layers.rrelu({ lower: 0.1, upper: 0.2 }), layers.dense({ units: 3 }),
  ] }),
  'batchNorm and shared prelu on the input image, images out': () => sequential({ inputShape: [5, 5, 2], seed: 8, layers: [
    layers.batchNorm(), layers.prelu({ shared: true }), layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'silu' }), layers.randomTranslation({ height: 0.2 }),
  ] }),
  'dense only (784-64-32-10 with dropout)': () => sequential({ inputShape: [784], seed: 9, layers: [
    layers.dense({ units: 64, activation: 'relu' }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 32, activation: 'selu' }), layers.activation({ activation: 'relu' }), layers.dense({ units: 10 }),
  ] }),
};

for (const [name, make] of Object.entries(LAYER_MODELS)) {
  test(`layers: ${name}, channels-last and channels-first, opsets 13 and 17`, { skip }, async () => {
    const model = perturb(make(), 11);
    await agrees(`${name} NHWC`, model, {}, 2);
    await agrees(`${name} NCHW`, model, { inputLayout: 'NCHW' }, 2);
    await agrees(`${name} NHWC opset 13`, model, { opset: 13 }, 2);
    model.dispose();
  });
}

test('channels-first graphs transpose only before a flatten; channels-last ones around the channels-first operators, once per run', () => {
  const model = LAYER_MODELS['conv2d same stride 2 + batchNorm + prelu + maxPool same']!();
  const ops = (layout: 'NHWC' | 'NCHW') => decodeOnnx(exportOnnx(model, { inputLayout: layout })).nodes.map((n) => n.opType).join(' ');
  // conv (gelu as Div/Erf/Add/Mul/Mul) and batch norm share one Transpose pair; prelu reads NHWC.
  assert.equal(ops('NHWC'), 'Transpose Conv Div Erf Add Mul Mul BatchNormalization Transpose PRelu Transpose MaxPool Transpose Flatten Gemm Identity');
  assert.equal(ops('NCHW'), 'Conv Div Erf Add Mul Mul BatchNormalization PRelu MaxPool Transpose Flatten Gemm Identity');
  model.dispose();
});

test('every imported fixture survives import → export → ONNX Runtime with PyTorch\'s outputs', { skip }, async () => {
  for (const name of fixtureNames().filter((n) => n !== 'mlp_hardtanh_opset13')) {
    const f = fixture(name);
    const softmax = f.ops[f.ops.length - 1] === 'Softmax';
    const model = importOnnx(f.bytes, { dropFinalSoftmax: softmax });
    const x = ourInput(f);
    for (const [runtime, ort] of runtimes) {
      for (const inputLayout of ['NHWC', 'NCHW'] as const) {
        const n = f.inputShape[0]!;
        const nchw = inputLayout === 'NCHW' && model.inputShape.length === 3;
        const feed = nchw ? nhwcToNchw(x, [n, ...model.inputShape]) : x;
        const dims = nchw ? [n, model.inputShape[2]!, model.inputShape[0]!, model.inputShape[1]!] : [n, ...model.inputShape];
        const y = await run(ort, exportOnnx(model, { inputLayout }), feed, dims);
        const got = softmax ? softmaxRows(y.data, f.outputShape[1]!) : y.data;
        const err = worstError(got, f.output);
        measured[`round trip ${name} ${inputLayout} (${runtime})`] = err;
        assert.ok(err <= 1e-4, `${name} ${inputLayout} in ${runtime}: ${err}`);
      }
    }
    model.dispose();
  }
});

test('model.exportOnnx(path) writes the file atomically; loadModel reads it back as the same model', () => {
  const model = perturb(LAYER_MODELS['flatten + dropout + batchNorm and prelu on features + rrelu']!(), 3);
  const p = join(dir, 'model.onnx');
  model.exportOnnx(p);
  const back = loadModel(p);
  const x = Float32Array.from({ length: 2 * 32 }, (_, i) => Math.sin(i));
  const a = model.predict(x).data as Float32Array;
  const b = back.predict(x).data as Float32Array;
  assert.ok(worstError(b, a) < 1e-6);
  // ONNX holds the inference graph: rrelu comes back as its mean-slope leaky relu (fused into the dense layer).
  assert.deepEqual(back.layers.map((l) => `${l.className}${l.activationName() && l.activationName() !== 'linear' ? `(${l.activationName()})` : ''}`),
    ['Conv2D(elu)', 'Flatten', 'Dropout', 'BatchNorm', 'PReLU(prelu)', 'Dense(leaky_relu)', 'Dense']);
  assert.equal((back.layers[2] as unknown as { rate: number }).rate, 0.4);
  back.dispose();
  model.dispose();
});

test('what cannot be written is refused with the reason', () => {
  const model = sequential({ inputShape: [4], layers: [layers.dense({ units: 2 })] });
  assert.throws(() => exportOnnx(model, { opset: 12 }), /exportOnnx: opset must be an integer from 13 to 21, got 12/);
  assert.throws(() => exportOnnx(model, { inputLayout: 'CHW' as never }), /inputLayout must be 'NHWC' or 'NCHW', got "CHW"/);
  assert.throws(() => exportOnnx(null as never), /exportOnnx: model must be a Sequential model, got null/);
  class Custom extends Layer {
    readonly className = 'Custom';
    readonly baseName = 'custom';
    readonly role = 'structural' as const;
    computeOutputShape(s: number[]) { return s; }
    forward(x: Tensor) { return x; }
    getConfig() { return {}; }
  }
  const custom = sequential({ inputShape: [4], layers: [new Custom()] });
  assert.throws(() => exportOnnx(custom), /ONNX export: layer custom_1 \(Custom\) has no ONNX form yet/);
  assert.throws(() => model.exportOnnx(''), /exportOnnx: path must be a non-empty string/);
  model.dispose();
  custom.dispose();
});
