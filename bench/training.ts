/**
 * The model suites, samples/s of whole training steps and of inference, Rectifier (wasm, one thread and
 * all threads) side by side with TF.js wasm and cpu, and ONNX Runtime for inference where it loads:
 *
 * - mlp: 784-256-256-10 with ReLU and with sigmoid hidden layers, batch 128; training is one step of
 *   forward, softmax cross-entropy, backward and plain SGD (lr 0.01) on a fixed batch of random data;
 *   inference is the forward pass of a batch of 128 (Rectifier: model.predict; TF.js: the same ops in
 *   tf.tidy; ORT: session.run on the model exported by src/onnx/export.ts).
 * - cnn: conv3x3·16 (ReLU, 'valid') – maxpool 2 – conv3x3·32 (ReLU) – maxpool 2 – dense 10, batch 64,
 *   28×28×1 input; the same step and inference.
 *
 * Rectifier's step is `model.trainStep(x, labels)`: it also copies the batch in, keeps the one-step
 * weight snapshot that lets fit() recover from a non-finite loss, and reads the loss back. TF.js's is
 * `optimizer.minimize` over the same ops, with tfjs-core's registered gradients.
 */
import { cnn, mlp, optimizers, setBackend, tensor } from 'rectifier';
import type { Sequential } from 'rectifier';
import type { Tensor as TfTensor, Variable } from '@tensorflow/tfjs-core';
import { UNITS, measure, median, type Contender, type Measurement } from './harness.js';
import { NAMES, loadPeers, measurementData, rate, renderResults, resetThreads, tfContender, wasmContenders, type Peers, type Target } from './peers.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';
import type { Tf } from './tfjs.js';
import { ortContender } from './ort.js';
import { runPytorchCnn, type PytorchRun } from './pytorch.js';

/** PyTorch 1.13 (Debian), one thread, this model and step on the 2-core development machine: the figure the target uses where PyTorch is not installed. */
const PYTORCH_CNN_SAMPLES_PER_S = 4862;

const GRADIENTS = ['BatchMatMul', 'Add', 'Relu', 'Sigmoid', 'Sum', 'RealDiv', 'Multiply', 'Sub', 'Reshape', 'Conv2D', 'MaxPool', 'Cast', 'Neg', 'Mean', 'Exp', 'Log', 'Max', 'Softmax', 'LogSoftmax', 'Identity'];

function randomData(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    a[i] = x / 2 ** 32;
  }
  return a;
}

function labels(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
}

type Arch = 'mlp' | 'cnn';

interface ModelCase {
  readonly arch: Arch;
  readonly activation: 'relu' | 'sigmoid';
  readonly batch: number;
}

function rectifierModel(c: ModelCase): Sequential {
  // The presets of src/nn/presets.ts: MLP 784-256-256-10 and CNN conv16–pool–conv32–pool–dense10.
  const model = c.arch === 'mlp'
    ? mlp({ inputShape: [784], hidden: [256, 256], activation: c.activation, outputs: 10, seed: 1 })
    : cnn({ inputShape: [28, 28, 1], filters: [16, 32], activation: c.activation, outputs: 10, seed: 1 });
  model.compile({ optimizer: optimizers.sgd({ learningRate: 0.01 }), loss: 'softmax_cross_entropy' });
  return model;
}

/** The same network in tfjs-core ops, its variables made on the current TF.js backend. */
function tfModel(tf: Tf, c: ModelCase): { forward: (x: TfTensor) => TfTensor; vars: Variable[] } {
  const act = (t: TfTensor): TfTensor => (c.activation === 'relu' ? tf.relu(t) : tf.sigmoid(t));
  const v = (shape: number[], scale: number, seed: number): Variable => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', seed));
  const z = (n: number): Variable => tf.variable(tf.zeros([n]));
  if (c.arch === 'mlp') {
    const vars = [v([784, 256], 0.05, 1), z(256), v([256, 256], 0.09, 2), z(256), v([256, 10], 0.09, 3), z(10)];
    const [w1, b1, w2, b2, w3, b3] = vars as [Variable, Variable, Variable, Variable, Variable, Variable];
    return {
      vars,
      forward: (x) => tf.add(tf.matMul(act(tf.add(tf.matMul(act(tf.add(tf.matMul(x, w1), b1)), w2), b2)), w3), b3),
    };
  }
  const vars = [v([3, 3, 1, 16], 0.47, 1), z(16), v([3, 3, 16, 32], 0.12, 2), z(32), v([800, 10], 0.05, 3), z(10)];
  const [f1, b1, f2, b2, w3, b3] = vars as [Variable, Variable, Variable, Variable, Variable, Variable];
  return {
    vars,
    forward: (x) => {
      const h1 = tf.maxPool(act(tf.add(tf.conv2d(x as never, f1 as never, 1, 'valid'), b1)) as never, 2, 2, 'valid');
      const h2 = tf.maxPool(act(tf.add(tf.conv2d(h1, f2 as never, 1, 'valid'), b2)) as never, 2, 2, 'valid');
      return tf.add(tf.matMul(tf.reshape(h2, [-1, 800]), w3), b3);
    },
  };
}

const inputShape = (c: ModelCase): number[] => (c.arch === 'mlp' ? [c.batch, 784] : [c.batch, 28, 28, 1]);
const inputSize = (c: ModelCase): number => (c.arch === 'mlp' ? 784 : 784) * c.batch;

async function measureCase(p: Peers, ctx: SuiteContext, c: ModelCase, mode: 'train' | 'infer'): Promise<Measurement> {
  const x = randomData(inputSize(c), 7);
  const y = labels(c.batch, 10);
  const contenders: Contender[] = [];
  const cleanups: (() => void)[] = [];
  if (p.wasm) {
    await setBackend('wasm');
    const model = rectifierModel(c);
    const xt = tensor(x, inputShape(c));
    const run = mode === 'train'
      ? () => model.trainStep(x, y)
      : () => model.predict(xt, { batchSize: c.batch }).dispose();
    contenders.push(...wasmContenders(p, run));
    cleanups.push(() => { model.dispose(); xt.dispose(); });
  }
  if (p.tf) {
    const tf = p.tf.tf;
    p.tf.registerGradients(GRADIENTS);
    for (const backend of ['wasm', 'cpu'] as const) {
      if (!p.tf.backends.includes(backend)) continue;
      if (backend === 'cpu' && ctx.options.quick && c.arch === 'cnn' && mode === 'train') continue;
      await p.tf.use(backend);
      const net = tfModel(tf, c);
      const xt = tf.tensor(x, inputShape(c));
      const yt = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
      const opt = tf.train.sgd(0.01);
      const run = mode === 'train'
        ? () => { opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, net.forward(xt)) as never, false, net.vars); }
        : () => { tf.tidy(() => net.forward(xt)).dispose(); };
      const contender = tfContender(p, backend, run);
      if (contender) contenders.push(contender);
      cleanups.push(() => { net.vars.forEach((v) => v.dispose()); xt.dispose(); yt.dispose(); opt.dispose(); });
    }
  }
  if (mode === 'infer' && c.arch === 'mlp' && p.wasm) {
    const ort = await ortContender(ctx, c.activation, x, c.batch);
    if (ort) contenders.push(ort.contender), cleanups.push(ort.release);
  }
  const m = await measure(contenders, { work: c.batch, unit: UNITS.samplesPerSecond, timing: ctx.timing, baseline: contenders[0]!.name });
  for (const f of cleanups) f();
  return m;
}

function makeSuite(arch: Arch): Suite {
  const cases: { label: string; c: ModelCase; mode: 'train' | 'infer' }[] = [];
  const batch = arch === 'mlp' ? 128 : 64;
  for (const activation of ['relu', 'sigmoid'] as const) {
    for (const mode of ['train', 'infer'] as const) cases.push({ label: `${activation} ${mode}`, c: { arch, activation, batch }, mode });
  }
  return {
    name: arch,
    description: arch === 'mlp'
      ? 'MLP 784-256-256-10 training and inference, batch 128, ReLU and sigmoid, samples/s vs TF.js and ORT'
      : 'CNN conv16-pool-conv32-pool-dense10 training and inference, batch 64, samples/s vs TF.js',
    async run(ctx) {
      const p = await loadPeers(ctx);
      const rows: { label: string; m: Measurement }[] = [];
      // PyTorch, where installed, before and after the in-process contenders (see bench/pytorch.ts).
      const torchRuns: PytorchRun[] = [];
      const torchRun = () => {
        if (arch !== 'cnn') return;
        ctx.progress('cnn: PyTorch reference …');
        const r = runPytorchCnn(ctx.options.quick ? 3 : 7, ctx.options.quick ? 0.15 : 0.3);
        if (typeof r === 'string') ctx.note(`cnn: ${r}; the PyTorch target uses the fixed figure 4,862 samples/s`);
        else torchRuns.push(r);
      };
      torchRun();
      for (const k of cases) {
        ctx.progress(`${arch} ${k.label} …`);
        rows.push({ label: k.label, m: await measureCase(p, ctx, k.c, k.mode) });
      }
      if (torchRuns.length) torchRun();
      resetThreads(p);
      ctx.progress('');
      const torchRates = torchRuns.flatMap((r) => r.samplesPerSecond);
      const torch = torchRates.length ? { version: torchRuns[0]!.torch, rate: median(torchRates), rates: torchRates } : null;
      const get = (label: string) => rows.find((r) => r.label === label)?.m;
      const targets: Target[] = [];
      if (arch === 'mlp') {
        targets.push({ label: 'MLP relu training ≥ 6× tfjs-wasm (all threads)', value: rate(get('relu train'), NAMES.wasmAll) / rate(get('relu train'), NAMES.tfWasm), threshold: 6 });
        targets.push({ label: 'MLP relu inference ≥ 2× tfjs-wasm (all threads)', value: rate(get('relu infer'), NAMES.wasmAll) / rate(get('relu infer'), NAMES.tfWasm), threshold: 2 });
      } else {
        const reference = torch ? torch.rate : PYTORCH_CNN_SAMPLES_PER_S;
        const source = torch ? `PyTorch ${torch.version} 1 thread, ${Math.round(reference).toLocaleString('en-US')} samples/s measured in this run` : 'PyTorch 1.13 1 thread, 4,862 samples/s (fixed figure)';
        targets.push({ label: `CNN relu training ≥ ${source}, 1 thread`, value: rate(get('relu train'), NAMES.wasm1) / reference, threshold: 1 });
        targets.push({ label: 'CNN relu training ≥ 5,000 samples/s, all threads', value: rate(get('relu train'), NAMES.wasmAll) / 5000, threshold: 1 });
      }
      const notes = [
        `samples/s; batch ${batch}; SGD lr 0.01; rectifier-wasm on ${p.allThreads} threads; ${p.tf?.wasmInfo ?? 'tfjs-wasm not loaded'}.`,
        'Targets are ratios of medians (a "1.00×" target against a fixed figure means reaching it).',
        ...(ctx.options.quick && arch === 'cnn' ? ['--quick: tfjs-cpu CNN training skipped.'] : []),
        ...(torch ? [`PyTorch ${torch.version}, 1 thread, same model and step (bench/pytorch_cnn.py, before and after): relu training ${Math.round(torch.rate).toLocaleString('en-US')} samples/s, median of ${torch.rates.length} rounds.`] : []),
      ];
      return {
        text: renderResults(`${arch} — samples/s, median of up to ${ctx.timing.rounds} alternating rounds (higher is better)`, notes, rows, targets),
        data: { ...(measurementData(rows, targets) as object), ...(torch ? { pytorch: torch } : {}) },
      };
    },
  };
}

export const mlpSuite = makeSuite('mlp');
export const cnnSuite = makeSuite('cnn');
