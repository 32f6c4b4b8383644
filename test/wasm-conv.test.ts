import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dGeometry, pool2dGeometry } from '../src/backend/geometry.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../src/backend/js-conv.js';
import { maxPool2dBackward, maxPool2dForward } from '../src/backend/js-pool.js';
import type { Conv2dGeometry, MatmulShape, Storage } from '../src/backend/types.js';
import { createWasmBackendSync, type WasmBackend } from '../src/wasm/index.js';
import { Rng } from '../src/util/random.js';

const backend = createWasmBackendSync() as WasmBackend;
const rng = new Rng(77);

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next() * 2 - 1;
  return a;
}

function stored(values: Float32Array): Storage {
  const s = backend.allocate(values.length, 'float32');
  s.f32().set(values);
  return s;
}

/** |got − want| <= tol·(1 + |want|) everywhere (float32 sums of up to a few thousand terms of size ~1). */
function close(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol * (1 + Math.abs(want[i]!)))) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (error ${err})`);
  }
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

type Shape4 = [number, number, number, number];
const CASES: { input: Shape4; filter: Shape4; strides: number | [number, number]; padding: 'valid' | 'same' }[] = [
  { input: [4, 28, 28, 1], filter: [3, 3, 1, 16], strides: 1, padding: 'valid' },
  { input: [3, 13, 13, 16], filter: [3, 3, 16, 32], strides: 1, padding: 'valid' },
  { input: [2, 9, 11, 3], filter: [5, 3, 3, 7], strides: [2, 1], padding: 'same' },
  { input: [2, 8, 8, 5], filter: [1, 1, 5, 6], strides: 1, padding: 'valid' },
  { input: [2, 7, 7, 4], filter: [3, 3, 4, 9], strides: 2, padding: 'same' },
  { input: [1, 3, 3, 2], filter: [3, 3, 2, 2], strides: 1, padding: 'same' },
  { input: [0, 5, 5, 2], filter: [3, 3, 2, 4], strides: 1, padding: 'valid' },
  // The direct kernels (kh·kw·inC <= 32, outC a multiple of 4): padded copies, strides, 16/8/4-wide
  // channel blocks, tap groups running past the patch (25 and 12 taps).
  { input: [3, 10, 9, 3], filter: [3, 3, 3, 24], strides: [1, 2], padding: 'same' },
  { input: [2, 12, 12, 1], filter: [5, 5, 1, 8], strides: 2, padding: 'same' },
  { input: [2, 6, 7, 2], filter: [2, 3, 2, 4], strides: 1, padding: 'valid' },
];

function convOnBoth(g: Conv2dGeometry) {
  const x = random(g.batch * g.inH * g.inW * g.inC);
  const f = random(g.kh * g.kw * g.inC * g.outC);
  const bias = random(g.outC);
  const dy = random(g.batch * g.outH * g.outW * g.outC);
  const prior = random(f.length);
  const want = {
    out: new Float32Array(dy.length), dx: new Float32Array(x.length), df: new Float32Array(f.length), dfAcc: new Float32Array(prior),
  };
  conv2dForward(x, f, want.out, g, bias);
  conv2dBackwardInput(dy, f, want.dx, g);
  conv2dBackwardFilter(x, dy, want.df, g);
  conv2dBackwardFilter(x, dy, want.dfAcc, g, true);
  const xs = stored(x), fs = stored(f), bs = stored(bias), gs = stored(dy);
  const run = () => {
    const out = backend.allocate(dy.length, 'float32');
    const dx = backend.allocate(x.length, 'float32');
    const df = backend.allocate(f.length, 'float32');
    const dfAcc = stored(prior);
    out.f32().fill(NaN);
    dx.f32().fill(NaN);
    df.f32().fill(NaN);
    backend.conv2d(xs, fs, out, g, bs);
    backend.conv2dBackwardInput(gs, fs, dx, g);
    backend.conv2dBackwardFilter(xs, gs, df, g);
    backend.conv2dBackwardFilter(xs, gs, dfAcc, g, true);
    const got = { out: out.f32().slice(), dx: dx.f32().slice(), df: df.f32().slice(), dfAcc: dfAcc.f32().slice() };
    [out, dx, df, dfAcc].forEach((s) => backend.release(s));
    return got;
  };
  return { want, run, release: () => [xs, fs, bs, gs].forEach((s) => backend.release(s)) };
}

/** Waits (up to 10 s) until the kernel threads have started, so that a two-thread run really uses two. */
async function threadsStarted(): Promise<void> {
  if (backend.maxThreads < 2) return;
  backend.setThreads(backend.maxThreads);
  for (let i = 0; i < 1000 && backend.readyThreads() < backend.maxThreads; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(backend.readyThreads(), backend.maxThreads, 'the kernel threads did not start');
}

describe('wasm convolution and pooling against the reference kernels', () => {
  before(threadsStarted);
  for (const c of CASES) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    test(`conv2d forward, backward input, backward filter: input [${c.input}] filter [${c.filter}] strides ${c.strides} ${c.padding}`, () => {
      const { want, run, release } = convOnBoth(g);
      for (const threads of [1, backend.maxThreads]) {
        backend.setThreads(threads);
        const got = run();
        close(got.out, want.out, 1e-5, `forward (${threads} threads)`);
        close(got.dx, want.dx, 1e-5, `backward input (${threads} threads)`);
        close(got.df, want.df, 1e-4, `backward filter (${threads} threads)`);
        close(got.dfAcc, want.dfAcc, 1e-4, `backward filter, accumulate (${threads} threads)`);
      }
      release();
    });
  }

  test('max pooling forward (values and argmax) and backward match the reference, NaN and ties included', () => {
    for (const [shape, pool, strides, padding] of [
      [[2, 26, 26, 16], 2, 2, 'valid'], [[3, 7, 9, 6], 3, 2, 'same'], [[1, 5, 5, 3], [2, 3], 1, 'valid'], [[2, 11, 11, 6], 2, 2, 'valid'],
    ] as const) {
      const g = pool2dGeometry(shape, pool, strides, padding);
      const x = random((shape as readonly number[]).reduce((a, b) => a * b, 1));
      for (let i = 0; i < x.length; i += 17) x[i] = x[i + 1] ?? 0; // ties
      x[5] = NaN;
      const n = g.batch * g.outH * g.outW * g.channels;
      const want = new Float32Array(n);
      const wantArg = new Int32Array(n);
      maxPool2dForward(x, want, g, wantArg);
      const dy = random(n);
      const wantDx = new Float32Array(x.length);
      maxPool2dBackward(dy, wantArg, wantDx);
      const xs = stored(x);
      const out = backend.allocate(n, 'float32');
      const arg = backend.allocate(n, 'int32');
      backend.maxPool2d(xs, out, g, arg);
      assert.ok(sameBits(out.f32(), want), `max pool values [${shape}]`);
      assert.deepEqual(Array.from(arg.i32()), Array.from(wantArg), `argmax [${shape}]`);
      const gs = stored(dy);
      const dx = backend.allocate(x.length, 'float32');
      dx.f32().fill(NaN);
      backend.maxPool2dBackward(gs, arg, dx);
      assert.ok(sameBits(dx.f32(), wantDx), `max pool backward [${shape}]`);
      // With the geometry, disjoint windows take the one-pass path (uncovered rows and columns zeroed).
      dx.f32().fill(NaN);
      backend.maxPool2dBackward(gs, arg, dx, g);
      assert.ok(sameBits(dx.f32(), wantDx), `max pool backward with its geometry [${shape}]`);
      [xs, out, arg, gs, dx].forEach((s) => backend.release(s));
    }
  });

  test('bad arguments are rejected with the argument named', () => {
    const g = conv2dGeometry([1, 4, 4, 1], [3, 3, 1, 2]);
    const x = backend.allocate(15, 'float32');
    const f = backend.allocate(18, 'float32');
    const out = backend.allocate(8, 'float32');
    assert.throws(() => backend.conv2d(x, f, out, g), /conv2d: x must have batch·inH·inW·inC = 16 elements, got 15/);
    assert.throws(() => backend.conv2d(x, f, out, { ...g, kh: 0 }), /conv2d: g must be a Conv2dGeometry made by conv2dGeometry/);
    assert.throws(() => backend.conv2dBackwardFilter(x, out, f, g, 1 as never), /accumulate must be a boolean/);
    const arg = backend.allocate(8, 'float32');
    assert.throws(() => backend.maxPool2dBackward(out, arg, x), /argmax must be live int32 storage/);
    const badArg = backend.allocate(8, 'int32');
    badArg.i32().fill(99);
    assert.throws(() => backend.maxPool2dBackward(out, badArg, x), /argmax\[0\] must index dx \(0 … 14\), got 99/);
    badArg.i32().fill(0);
    const pool = pool2dGeometry([1, 4, 4, 2], 2, 2, 'valid');
    assert.throws(() => backend.maxPool2dBackward(out, badArg, x, pool), /maxPool2dBackward: dy and dx must hold 8 and 32 elements for this geometry, got 8 and 15/);
    [x, f, out, arg, badArg].forEach((s) => backend.release(s));
  });
});

describe('wasm threads', () => {
  before(threadsStarted);

  test('setThreads rejects what is not a thread count and reports the range', () => {
    assert.throws(() => backend.setThreads(0), new RegExp(`setThreads: n must be an integer from 1 to ${backend.maxThreads}.*got 0`));
    assert.throws(() => backend.setThreads(backend.maxThreads + 1), /setThreads: n must be an integer/);
    assert.throws(() => backend.setThreads(1.5), /got 1.5/);
    backend.setThreads(backend.maxThreads);
  });

  test('matmul gives the same bits on one thread and on all, for every transpose combination and both split axes', () => {
    for (const [m, k, n] of [[128, 784, 256], [784, 128, 256], [300, 200, 37], [37, 500, 300], [1024, 64, 8]] as const) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          for (const accumulate of [false, true]) {
            const shape: MatmulShape = { m, k, n, transposeA, transposeB, accumulate };
            const a = stored(random(m * k));
            const b = stored(random(k * n));
            const bias = stored(random(n));
            const start = random(m * n);
            const results: Float32Array[] = [];
            for (const threads of [1, backend.maxThreads]) {
              backend.setThreads(threads);
              const out = stored(start);
              backend.matmul(a, b, out, shape, { bias, activation: undefined });
              results.push(out.f32().slice());
              backend.release(out);
            }
            assert.ok(sameBits(results[0]!, results[1]!), `${m}×${k}×${n} tA=${transposeA} tB=${transposeB} acc=${accumulate}`);
            [a, b, bias].forEach((s) => backend.release(s));
          }
        }
      }
    }
  });

  test('convolutions give the same bits on one thread and on all', () => {
    for (const c of CASES.slice(0, 3)) {
      const g = conv2dGeometry([16, ...c.input.slice(1)] as Shape4, c.filter, c.strides, c.padding);
      const { run, release } = convOnBoth(g);
      backend.setThreads(1);
      const one = run();
      backend.setThreads(backend.maxThreads);
      const all = run();
      for (const key of ['out', 'dx', 'df', 'dfAcc'] as const) assert.ok(sameBits(one[key], all[key]), `${key} of input [${c.input}]`);
      release();
    }
  });

  test('memory stays flat over repeated threaded training-like calls', () => {
    const g = conv2dGeometry([32, 14, 14, 16], [3, 3, 16, 32]);
    const { run, release } = convOnBoth(g);
    run();
    const reserved = backend.memory().reservedBytes;
    const blocks = backend.memory().blocks;
    for (let i = 0; i < 20; i++) run();
    assert.equal(backend.memory().reservedBytes, reserved);
    assert.equal(backend.memory().blocks, blocks);
    release();
  });
});

describe('thread settings', () => {
  test('RECTIFIER_THREADS pins the thread count and a bad value is refused with the value shown', () => {
    const saved = process.env.RECTIFIER_THREADS;
    try {
      process.env.RECTIFIER_THREADS = '1';
      assert.equal((createWasmBackendSync() as WasmBackend).threads, 1);
      process.env.RECTIFIER_THREADS = 'two';
      assert.throws(() => createWasmBackendSync(), /RECTIFIER_THREADS must be a whole number of threads from 1 to \d+ \(the cores of this machine; larger values are capped at \d+\), got "two"/);
      delete process.env.RECTIFIER_THREADS;
      assert.equal((createWasmBackendSync({ threads: 1 }) as WasmBackend).threads, 1);
      assert.throws(() => createWasmBackendSync({ threads: 0 }), /options.threads must be a positive integer, got 0/);
    } finally {
      if (saved === undefined) delete process.env.RECTIFIER_THREADS;
      else process.env.RECTIFIER_THREADS = saved;
    }
  });
});
