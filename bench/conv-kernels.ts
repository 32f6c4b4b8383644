/**
 * Where the reference convolution stands: forward and both backward passes of two LeNet-sized layers,
 * with TensorFlow.js's cpu backend side by side when it is installed (a dev dependency).
 * Run: node --conditions=source --import tsx bench/conv-kernels.ts
 */
import { conv2dGeometry } from '../src/backend/geometry.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../src/backend/js-conv.js';

type Shape4 = [number, number, number, number];

const layers: { input: Shape4; filter: Shape4 }[] = [
  { input: [64, 28, 28, 1], filter: [3, 3, 1, 16] },
  { input: [64, 14, 14, 16], filter: [3, 3, 16, 32] },
];

/** Median milliseconds of `runs` calls after one warm-up call; a call over a second is timed once. */
function time(f: () => void, runs = 7): number {
  const warm = performance.now();
  f();
  const first = performance.now() - warm;
  if (first > 1000) return first;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[runs >> 1]!;
}

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

async function loadTfCpu(): Promise<typeof import('@tensorflow/tfjs-core') | null> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    return tf;
  } catch {
    return null;
  }
}

const tf = await loadTfCpu();
const rows: string[][] = [['layer', 'pass', 'ms', 'GFLOP/s', ...(tf ? ['tfjs-cpu ms', 'tfjs / ours'] : [])]];
for (const { input, filter } of layers) {
  const g = conv2dGeometry(input, filter, 1, 'same');
  const x = random(input.reduce((a, b) => a * b));
  const w = random(filter.reduce((a, b) => a * b));
  const ySize = g.batch * g.outH * g.outW * g.outC;
  const y = new Float32Array(ySize);
  const dy = random(ySize);
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  const flops = 2 * g.batch * g.outH * g.outW * g.kh * g.kw * g.inC * g.outC;
  const name = `[${input}] * [${filter}]`;

  const ours = {
    forward: time(() => conv2dForward(x, w, y, g)),
    'backward input': time(() => conv2dBackwardInput(dy, w, dx, g)),
    'backward filter': time(() => conv2dBackwardFilter(x, dy, dw, g)),
  };
  let theirs: Record<string, number> | null = null;
  if (tf) {
    const [tx, tw, tdy] = [tf.tensor4d(x, input), tf.tensor4d(w, filter), tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC])];
    const run = (f: () => { dataSync(): unknown; dispose(): void }) => time(() => {
      const r = f();
      r.dataSync();
      r.dispose();
    });
    theirs = {
      forward: run(() => tf.conv2d(tx, tw, 1, 'same')),
      'backward input': run(() => tf.conv2dTranspose(tdy, tw, input, 1, 'same')),
      'backward filter': run(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: tx, dy: tdy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, filterShape: filter }) as import('@tensorflow/tfjs-core').Tensor,
      ),
    };
    tx.dispose();
    tw.dispose();
    tdy.dispose();
  }
  for (const [pass, ms] of Object.entries(ours)) {
    const row = [name, pass, ms.toFixed(1), (flops / ms / 1e6).toFixed(2)];
    if (theirs) row.push(theirs[pass]!.toFixed(1), (theirs[pass]! / ms).toFixed(2));
    rows.push(row);
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
