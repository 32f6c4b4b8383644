/**
 * The rnn suite: samples/s of SimpleRNN(128, relu) and LSTM(128) over sequences [64, T, 32], T = 28 and
 * 100, the last state into a dense layer of 10 logits. Training is one step of forward, softmax
 * cross-entropy, backward and plain SGD (lr 0.01) on a fixed batch; inference is the forward pass.
 *
 * Contenders in the same run: Rectifier's wasm backend (one thread, all threads), TensorFlow.js's
 * tf.layers.simpleRNN and tf.layers.lstm (tfjs-layers) on its wasm and cpu backends (`trainOnBatch`,
 * `predict`), and PyTorch on one thread where python3-torch is installed (bench/pytorch_rnn.py, run
 * before and after the in-process contenders, as the cnn suite does).
 */
import { layers, optimizers, sequential, setBackend, tensor } from 'rectifier';
import type { Sequential } from 'rectifier';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { UNITS, measure, median, type Contender, type Measurement } from './harness.js';
import { NAMES, loadPeers, measurementData, rate, renderResults, resetThreads, tfContender, wasmContenders, type Peers, type Target } from './peers.js';
import { runPytorchScript } from './pytorch.js';
import type { Suite, SuiteContext } from './suite.js';

const BATCH = 64;
const FEATURES = 32;
const UNITS_ = 128;
const SCRIPT = fileURLToPath(new URL('./pytorch_rnn.py', import.meta.url));

/** What tfjs-layers' RNNs run, whose gradients tfjs-core registers only on request (see bench/tfjs.ts). */
const GRADIENTS = [
  'BatchMatMul', 'Add', 'AddN', 'Relu', 'Tanh', 'Sigmoid', 'Multiply', 'Sub', 'Sum', 'Mean', 'Reshape', 'Transpose', 'Unpack', 'Pack', 'Slice', 'SplitV',
  'Concat', 'Softmax', 'LogSoftmax', 'Neg', 'Log', 'Exp', 'Max', 'RealDiv', 'Cast', 'Identity', 'Square', 'Maximum', 'Minimum', 'ClipByValue', 'OnesLike',
  'ZerosLike', 'Fill', 'Tile', 'ExpandDims', 'StridedSlice', 'GatherV2', 'Select', 'Greater', 'Sqrt', 'Prod', 'Pad', 'Min', 'Abs', 'Step', 'Floor', 'Squeeze',
];

type Cell = 'rnn' | 'lstm';
interface Case { readonly cell: Cell; readonly steps: number; readonly mode: 'train' | 'infer' }

const labelOf = (c: Case): string => `${c.cell === 'rnn' ? 'rnn relu' : 'lstm'} T=${c.steps} ${c.mode}`;

function randomData(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    a[i] = x / 2 ** 32;
  }
  return a;
}

function rectifierModel(c: Case): Sequential {
  const recurrent = c.cell === 'rnn' ? layers.simpleRnn({ units: UNITS_, activation: 'relu' }) : layers.lstm({ units: UNITS_ });
  const model = sequential({ inputShape: [c.steps, FEATURES], seed: 1, layers: [recurrent, layers.dense({ units: 10 })] });
  model.compile({ optimizer: optimizers.sgd({ learningRate: 0.01 }), loss: 'softmax_cross_entropy' });
  return model;
}

async function measureCase(p: Peers, ctx: SuiteContext, c: Case): Promise<Measurement> {
  const x = randomData(BATCH * c.steps * FEATURES, 7);
  const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 10);
  const contenders: Contender[] = [];
  const cleanups: (() => void)[] = [];
  if (p.wasm) {
    await setBackend('wasm');
    const model = rectifierModel(c);
    const xt = tensor(x, [BATCH, c.steps, FEATURES]);
    const run = c.mode === 'train' ? () => model.trainStep(x, y) : () => model.predict(xt, { batchSize: BATCH }).dispose();
    contenders.push(...wasmContenders(p, run));
    cleanups.push(() => { model.dispose(); xt.dispose(); });
  }
  if (p.tf) {
    let tfl: typeof import('@tensorflow/tfjs-layers') | null = null;
    try {
      tfl = await import('@tensorflow/tfjs-layers');
    } catch (e) {
      ctx.note(`rnn: @tensorflow/tfjs-layers did not load (${e instanceof Error ? e.message : String(e)}); TF.js skipped`);
    }
    if (tfl) {
      const tf = p.tf.tf;
      p.tf.registerGradients(GRADIENTS);
      for (const backend of ['wasm', 'cpu'] as const) {
        if (!p.tf.backends.includes(backend)) continue;
        // tfjs-cpu trains the long sequences slowly enough to dominate the run; --quick skips it.
        if (backend === 'cpu' && ctx.options.quick && c.mode === 'train' && c.steps === 100) continue;
        await p.tf.use(backend);
        // Glorot-uniform recurrent weights: tfjs-layers' orthogonal initializer calls tensor methods that
        // tfjs-core alone does not install (the union package's chained ops); the speed is the same.
        const recurrentInitializer = 'glorotUniform' as const;
        const model = tfl.sequential({
          layers: [
            c.cell === 'rnn'
              ? tfl.layers.simpleRNN({ units: UNITS_, activation: 'relu', recurrentInitializer, inputShape: [c.steps, FEATURES] })
              : tfl.layers.lstm({ units: UNITS_, recurrentInitializer, inputShape: [c.steps, FEATURES] }),
            tfl.layers.dense({ units: 10, activation: 'softmax' }),
          ],
        });
        model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
        const xt = tf.tensor(x, [BATCH, c.steps, FEATURES]);
        const yt = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
        const run = c.mode === 'train'
          ? () => model.trainOnBatch(xt, yt)
          : () => { (model.predict(xt) as TfTensor).dispose(); };
        const contender = tfContender(p, backend, run);
        if (contender) contenders.push(contender);
        cleanups.push(() => { model.dispose(); xt.dispose(); yt.dispose(); });
      }
    }
  }
  const m = await measure(contenders, { work: BATCH, unit: UNITS.samplesPerSecond, timing: ctx.timing, baseline: contenders[0]!.name });
  for (const f of cleanups) f();
  return m;
}

interface TorchRun {
  readonly torch: string;
  readonly threads: number;
  readonly cases: Record<string, number[]>;
}

export const rnnSuite: Suite = {
  name: 'rnn',
  description: 'SimpleRNN(128, relu) and LSTM(128), T = 28 and 100, batch 64, training and inference samples/s vs TF.js (tfjs-layers) and PyTorch 1 thread',
  async run(ctx) {
    const p = await loadPeers(ctx);
    const cases: Case[] = [];
    for (const cell of ['rnn', 'lstm'] as const) for (const steps of [28, 100]) for (const mode of ['train', 'infer'] as const) cases.push({ cell, steps, mode });
    const torchRuns: TorchRun[] = [];
    const torchRun = (): void => {
      ctx.progress('rnn: PyTorch reference …');
      const r = runPytorchScript<TorchRun>(SCRIPT, [String(ctx.options.quick ? 3 : 5), String(ctx.options.quick ? 0.15 : 0.3)], 300_000);
      if (typeof r === 'string') ctx.note(`rnn: ${r}; no PyTorch column`);
      else torchRuns.push(r);
    };
    torchRun();
    const rows: { label: string; m: Measurement }[] = [];
    for (const c of cases) {
      ctx.progress(`rnn ${labelOf(c)} …`);
      rows.push({ label: labelOf(c), m: await measureCase(p, ctx, c) });
    }
    if (torchRuns.length) torchRun();
    resetThreads(p);
    ctx.progress('');
    const torch = torchRuns.length
      ? Object.fromEntries(cases.map((c) => [labelOf(c), median(torchRuns.flatMap((r) => r.cases[labelOf(c)] ?? []))]))
      : null;
    const get = (label: string) => rows.find((r) => r.label === label)?.m;
    const targets: Target[] = [];
    for (const steps of [28, 100]) {
      for (const mode of ['train', 'infer'] as const) {
        const label = `rnn relu T=${steps} ${mode}`;
        targets.push({ label: `SimpleRNN ${mode === 'train' ? 'training' : 'inference'} T=${steps} ≥ 3× tfjs-wasm (all threads)`, value: rate(get(label), NAMES.wasmAll) / rate(get(label), NAMES.tfWasm), threshold: 3 });
        if (torch) targets.push({ label: `SimpleRNN ${mode === 'train' ? 'training' : 'inference'} T=${steps} ≥ PyTorch ${torchRuns[0]!.torch}, 1 thread (1 thread)`, value: rate(get(label), NAMES.wasm1) / torch[label]!, threshold: 1 });
      }
    }
    const notes = [
      `samples/s; batch ${BATCH}, ${FEATURES} features per step, ${UNITS_} units, dense 10; SGD lr 0.01; rectifier-wasm on ${p.allThreads} threads; ${p.tf?.wasmInfo ?? 'tfjs-wasm not loaded'}; TF.js through tf.layers (trainOnBatch, predict).`,
      'Targets are ratios of medians; the LSTM rows are reported without a target.',
      ...(ctx.options.quick ? ['--quick: tfjs-cpu training at T=100 skipped.'] : []),
      ...(torch ? [`PyTorch ${torchRuns[0]!.torch}, 1 thread (bench/pytorch_rnn.py, before and after): ${cases.map((c) => `${labelOf(c)} ${Math.round(torch[labelOf(c)]!)}`).join(', ')} samples/s (medians).`] : []),
    ];
    return {
      text: renderResults(`rnn — samples/s, median of up to ${ctx.timing.rounds} alternating rounds (higher is better)`, notes, rows, targets),
      data: { ...(measurementData(rows, targets) as object), ...(torch ? { pytorch: { version: torchRuns[0]!.torch, rates: torch } } : {}) },
    };
  },
};
