/**
 * The memory suite: trains the MLP 784-256-256-10 (ReLU, Adam, batch 128) on Fashion-MNIST's 60,000
 * training images for one epoch with fit() on the wasm backend, and samples after every step the process
 * RSS and the wasm linear memory (reserved bytes). Reports the peak against the budget
 * 2 × (dataset + parameters + optimizer state) + 150 MB, and the growth of both after a warm-up of
 * WARMUP_STEPS steps, which should be zero: the allocator serves every later step from its free lists.
 * It runs in a child process of its own, so that what earlier suites left on the heap does not count.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fashionMnist, layers, optimizers, sequential, setBackend } from 'rectifier';
import { renderTable } from './format.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';

const WARMUP_STEPS = 20;
const MB = 1 << 20;

/** Runs the measurement in a fresh node (same flags) and renders what it reports. */
async function run(ctx: SuiteContext): Promise<SuiteResult> {
  ctx.progress('memory: training one epoch of Fashion-MNIST in a child process …');
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' });
  ctx.progress('');
  if (child.status !== 0) throw new Error(`the memory child process failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return render(JSON.parse(child.stdout.trim().split('\n').pop()!) as Measured);
}

type Measured = Awaited<ReturnType<typeof measureTraining>>;

async function measureTraining(ctx: Pick<SuiteContext, 'progress'>) {
  await setBackend('wasm');
  const rssBefore = process.memoryUsage().rss;
  ctx.progress('memory: loading Fashion-MNIST …');
  const { train } = await fashionMnist();
  const x = train.x;
  const y = train.y;
  const model = sequential({
    inputShape: [784], seed: 1, layers: [
      layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 10 }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: 'softmax_cross_entropy' });
  const params = model.parameters().reduce((s, p) => s + p.size, 0);
  const datasetBytes = x.byteLength + y.byteLength;
  // Adam keeps two moments per parameter; fit() keeps a one-step snapshot of the weights.
  const budget = 2 * (datasetBytes + params * 4 + 2 * params * 4) + 150 * MB;
  const wasmBytes = (): number => {
    const be = (model.parameters()[0]!.value.backend as { memory(): { reservedBytes: number } });
    return be.memory().reservedBytes;
  };
  const rss: number[] = [];
  const wasm: number[] = [];
  let step = 0;
  ctx.progress('memory: training one epoch …');
  const t0 = performance.now();
  await model.fit(x, y, {
    epochs: 1,
    batchSize: 128,
    callbacks: {
      onBatchEnd: () => {
        step++;
        rss.push(process.memoryUsage().rss);
        wasm.push(wasmBytes());
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  ctx.progress('');
  const peak = Math.max(...rss);
  const after = rss.slice(WARMUP_STEPS);
  const wasmAfter = wasm.slice(WARMUP_STEPS);
  return {
    steps: step,
    samplesPerSecond: (step * 128) / seconds,
    rssBeforeMB: rssBefore / MB,
    peakRssMB: peak / MB,
    budgetMB: budget / MB,
    datasetMB: datasetBytes / MB,
    parameters: params,
    rssGrowthAfterWarmupMB: (after[after.length - 1]! - after[0]!) / MB,
    rssRangeAfterWarmupMB: (Math.max(...after) - Math.min(...after)) / MB,
    wasmMB: wasm[wasm.length - 1]! / MB,
    wasmGrowthAfterWarmupMB: (wasmAfter[wasmAfter.length - 1]! - wasmAfter[0]!) / MB,
  };
}

function render(data: Measured): SuiteResult {
  const step = data.steps;
  const f = (v: number): string => v.toFixed(1);
  const rows = [
    ['dataset (60,000 × 784 float32 + labels)', f(data.datasetMB)],
    ['RSS before loading', f(data.rssBeforeMB)],
    ['peak RSS while training', f(data.peakRssMB)],
    ['budget 2 × (data + params + Adam state) + 150', f(data.budgetMB)],
    ['wasm linear memory at the end', f(data.wasmMB)],
    [`RSS growth, step ${WARMUP_STEPS} → ${step}`, f(data.rssGrowthAfterWarmupMB)],
    [`RSS range, steps ${WARMUP_STEPS} … ${step}`, f(data.rssRangeAfterWarmupMB)],
    [`wasm memory growth, step ${WARMUP_STEPS} → ${step}`, f(data.wasmGrowthAfterWarmupMB)],
  ];
  const text = [
    `memory — MB, Fashion-MNIST MLP 784-256-256-10 ReLU, Adam, batch 128, one epoch with fit() (${f(data.samplesPerSecond)} samples/s)`,
    '',
    renderTable(['quantity', 'MB'], rows, 1),
    '',
    'targets (information, not a test):',
    `  ${data.peakRssMB <= data.budgetMB ? 'PASS' : 'MISS'}  peak RSS ≤ budget: ${f(data.peakRssMB)} ≤ ${f(data.budgetMB)}`,
    `  ${data.wasmGrowthAfterWarmupMB === 0 ? 'PASS' : 'MISS'}  wasm memory flat after warm-up: +${f(data.wasmGrowthAfterWarmupMB)}`,
  ].join('\n');
  return { text, data };
}

if (process.argv.includes('--child')) {
  process.stdout.write(`${JSON.stringify(await measureTraining({ progress: () => {} }))}\n`);
  process.exit(0);
}

export const memorySuite: Suite = {
  name: 'memory',
  description: 'peak RSS and wasm memory while training the Fashion-MNIST MLP, and their growth after warm-up',
  run,
};
