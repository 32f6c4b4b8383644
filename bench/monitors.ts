/**
 * The cost of the fit monitor (`fit(…, { callbacks: [monitor()] })`): an MLP 784-256-256-10 trained one epoch at a time on
 * synthetic data, with and without the monitor, alternating which goes first each round so drift on a
 * shared machine hits both alike. Reported as the ratio of median epoch times (the target: ≤ 1.10 with
 * the defaults), plus the monitor's own measured share of the monitored epochs.
 *
 * Run alone: `node --conditions=source --import tsx bench/monitors.ts [--quick]`.
 */
import { pathToFileURL } from 'node:url';
import { layers, sequential } from '../src/nn/index.js';
import { optimizers } from '../src/optim/index.js';
import type { Sequential } from '../src/nn/index.js';
import { monitor as fitMonitor } from '../src/monitors/index.js';
import { Rng } from '../src/util/random.js';
import { backend } from '../src/runtime/backend.js';
import { median } from './harness.js';
import { renderTable } from './format.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';

const SAMPLES = 4096;
const BATCH = 32;

function mlp(): Sequential {
  const model = sequential({
    inputShape: [784],
    seed: 7,
    layers: [layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 10 })],
  });
  model.compile({ optimizer: optimizers.sgd({ learningRate: 0.01, momentum: 0.9 }), loss: 'softmax_cross_entropy' });
  return model;
}

export interface MonitorBenchData {
  backend: string;
  rounds: number;
  samples: number;
  batchSize: number;
  plainMs: number[];
  monitoredMs: number[];
  monitorOwnMs: number[];
  medianPlainMs: number;
  medianMonitoredMs: number;
  /** medianMonitoredMs / medianPlainMs. */
  ratio: number;
  /** Median over rounds of the monitor's own time over the monitored epoch's time. */
  monitorShare: number;
}

export async function benchMonitors(rounds: number, progress: (line: string) => void = () => {}): Promise<MonitorBenchData> {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: SAMPLES * 784 }, () => rng.next());
  const y = Int32Array.from({ length: SAMPLES }, () => rng.int(10));
  const plain = mlp();
  const monitored = mlp();
  const plainMs: number[] = [];
  const monitoredMs: number[] = [];
  const monitorOwnMs: number[] = [];
  const time = async (model: Sequential, monitor: boolean): Promise<void> => {
    const t0 = performance.now();
    const m = monitor ? fitMonitor() : null;
    await model.fit(x, y, { epochs: 1, batchSize: BATCH, ...(m ? { callbacks: [m] } : {}) });
    const ms = performance.now() - t0;
    if (m) {
      monitoredMs.push(ms);
      monitorOwnMs.push(m.epochs[0]!.monitorMs);
    } else {
      plainMs.push(ms);
    }
  };
  // One untimed epoch each: JIT warm-up and first allocations.
  await plain.fit(x, y, { epochs: 1, batchSize: BATCH });
  await monitored.fit(x, y, { epochs: 1, batchSize: BATCH, callbacks: [fitMonitor()] });
  for (let r = 0; r < rounds; r++) {
    progress(`monitors: round ${r + 1}/${rounds}`);
    if (r % 2 === 0) {
      await time(plain, false);
      await time(monitored, true);
    } else {
      await time(monitored, true);
      await time(plain, false);
    }
  }
  progress('');
  plain.dispose();
  monitored.dispose();
  const medianPlainMs = median(plainMs);
  const medianMonitoredMs = median(monitoredMs);
  return {
    backend: backend().name, rounds, samples: SAMPLES, batchSize: BATCH, plainMs, monitoredMs, monitorOwnMs, medianPlainMs, medianMonitoredMs,
    ratio: medianMonitoredMs / medianPlainMs,
    monitorShare: median(monitorOwnMs.map((m, i) => m / monitoredMs[i]!)),
  };
}

function render(d: MonitorBenchData): string {
  const rows = [
    ['fit', 'one epoch', `${(d.medianPlainMs / d.medianPlainMs).toFixed(3)}`],
    ['fit + monitor: true', 'one epoch', `${d.ratio.toFixed(3)}`],
  ];
  return [
    `monitors: MLP 784-256-256-10, ${d.samples} synthetic samples, batch ${d.batchSize}, ${d.backend} backend, ${d.rounds} alternating rounds`,
    renderTable(['contender', 'work', 'time ratio'], rows, 2),
    `overhead ${((d.ratio - 1) * 100).toFixed(1)}% (median epoch times); the monitor's own share of a monitored epoch: ${(d.monitorShare * 100).toFixed(1)}%`,
  ].join('\n');
}

export const monitorsSuite: Suite = {
  name: 'monitors',
  description: 'the cost of fit(…, { monitor: true }) on an MLP 784-256-256-10',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const data = await benchMonitors(ctx.options.quick ? 5 : 11, ctx.progress);
    return { text: render(data), data };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const data = await benchMonitors(process.argv.includes('--quick') ? 5 : 11);
  process.stdout.write(`${render(data)}\n`);
}
