import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ACTIVATIONS } from '../src/activations/table.js';
import { resolveParams } from '../src/activations/lookup.js';
import { JsBackend, JsKernels } from '../src/backend/js.js';
import type { Backend, KernelActivation, Kernels, Storage } from '../src/backend/types.js';
import { kernelOf } from './helpers/activations.js';
import { WASM_FILE_URL, createWasmBackend, createWasmBackendSync } from '../src/wasm/index.js';
import { bindActivationKernels } from '../src/wasm/backend.js';
import { Rng } from '../src/util/random.js';

const backend = createWasmBackendSync();
const call = (id: string, params: Record<string, number> = {}): KernelActivation => {
  const spec = ACTIVATIONS.find((s) => s.id === id)!;
  return kernelOf(spec, resolveParams(spec, params));
};

function filled(b: Backend, values: ArrayLike<number>): Storage {
  const s = b.allocate(values.length, 'float32');
  s.f32().set(values);
  return s;
}

function randomValues(rng: Rng, n: number, scale = 4): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * scale;
  return v;
}

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('wasm backend: loading', () => {
  test('the synchronous loader gives a wasm backend', () => {
    assert.equal(backend.name, 'wasm');
  });

  test('the async loader accepts the default file, and the module bytes', async () => {
    assert.equal((await createWasmBackend()).name, 'wasm');
    const bytes = readFileSync(WASM_FILE_URL);
    assert.equal((await createWasmBackend(bytes)).name, 'wasm');
  });

  test('bad sources fail with a reason', async () => {
    await assert.rejects(createWasmBackend(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), /not a valid rectifier\.wasm/);
    await assert.rejects(createWasmBackend(42 as unknown as string), /source must be a URL/);
  });

  test('every row of the activation table is bound, and a module missing a row is refused at load', () => {
    const exports = WebAssemblyExports();
    const bound = bindActivationKernels(exports);
    assert.equal(bound.size, ACTIVATIONS.length);
    const withoutGelu = { ...exports };
    delete withoutGelu.gelu_backward;
    assert.throws(() => bindActivationKernels(withoutGelu), /no export "gelu_backward" for the activation table row "gelu"/);
    const withoutFromY = { ...exports };
    delete withoutFromY.sigmoid_backward_y;
    assert.throws(() => bindActivationKernels(withoutFromY), /sigmoid_backward_y/);
  });
});

/** The raw exports of a fresh instance, as bindActivationKernels sees them. */
function WebAssemblyExports(): Record<string, unknown> {
  const wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, unknown> }; Memory: new (d: object) => object } }).WebAssembly;
  const module = new wasm.Module(readFileSync(WASM_FILE_URL));
  return { ...new wasm.Instance(module, { env: { memory: new wasm.Memory({ initial: 1 }) } }).exports };
}

describe('wasm backend: kernels inherited from the JS backend', () => {
  test('every kernel of JsKernels is a function on the wasm backend', () => {
    const names = Object.getOwnPropertyNames(JsKernels.prototype).filter((n) => n !== 'constructor') as Array<keyof Kernels>;
    assert.ok(names.length >= 28, `JsKernels defines ${names.length} kernels`);
    for (const name of names) {
      assert.equal(typeof backend[name], 'function', `${name} is missing`);
    }
  });

  test('a kernel added to JsKernels later is available with no change to the wasm backend', () => {
    const kernels = JsKernels.prototype as unknown as Record<string, unknown>;
    const probe = (x: Storage) => x.f32().length;
    kernels.probeKernelForTest = probe;
    try {
      const inherited = (backend as unknown as Record<string, (x: Storage) => number>).probeKernelForTest;
      assert.equal(inherited, probe);
      const x = backend.allocate(5, 'float32');
      assert.equal(inherited!.call(backend, x), 5);
      backend.release(x);
    } finally {
      delete kernels.probeKernelForTest;
    }
  });

  test('an activation spec that is not a row of the table runs through the JS kernels', () => {
    const base = ACTIVATIONS.find((s) => s.id === 'relu')!;
    const custom = { ...base, id: 'double', f: (x: number) => 2 * x, df: () => 2 };
    const x = filled(backend, [1, -2, 3]);
    const out = backend.allocate(3, 'float32');
    backend.unary(kernelOf(custom, {}), x, out);
    assert.deepEqual(Array.from(out.f32()), [2, -4, 6]);
  });
});

describe('wasm backend: elementwise loop structure', () => {
  // The loop runs 16 floats at a time, then 4, then a partial vector; every length from 0 to 37 crosses
  // each boundary. Each element must come out exactly as it does inside a long array.
  const rng = new Rng(7);
  const long = randomValues(rng, 64, 6);
  long.set([0, -0, NaN, Infinity, -Infinity, 1e-40, -3, 3, 6], 20);
  const grads = randomValues(rng, 64, 2);

  for (const spec of ACTIVATIONS) {
    test(`${spec.id}: every length gives the same values as the long array`, () => {
      const c = kernelOf(spec);
      const x = filled(backend, long);
      const dy = filled(backend, grads);
      const y = backend.allocate(64, 'float32');
      const dx = backend.allocate(64, 'float32');
      backend.unary(c, x, y);
      backend.unaryGrad(c, x, dy, dx);
      const yLong = y.f32().slice();
      const dxLong = dx.f32().slice();
      const dxFromYLong = spec.dfFromY ? (backend.unaryGradFromY(c, y, dy, dx), dx.f32().slice()) : null;
      for (const s of [x, dy, y, dx]) backend.release(s);
      for (let n = 0; n <= 37; n++) {
        for (const start of [0, 1, 20]) {
          const xs = filled(backend, long.subarray(start, start + n));
          const gs = filled(backend, grads.subarray(start, start + n));
          const ys = backend.allocate(n, 'float32');
          const ds = backend.allocate(n, 'float32');
          backend.unary(c, xs, ys);
          backend.unaryGrad(c, xs, gs, ds);
          sameBits(ys.f32(), yLong.subarray(start, start + n), `${spec.id} forward, n = ${n}, start ${start}`);
          sameBits(ds.f32(), dxLong.subarray(start, start + n), `${spec.id} backward, n = ${n}, start ${start}`);
          if (dxFromYLong) {
            backend.unaryGradFromY(c, ys, gs, ds);
            sameBits(ds.f32(), dxFromYLong.subarray(start, start + n), `${spec.id} backward from y, n = ${n}`);
          }
          for (const s of [xs, gs, ys, ds]) backend.release(s);
        }
      }
    });
  }

  test('forward and backward may run in place', () => {
    const c = call('elu');
    const values = randomValues(new Rng(3), 50);
    const x = filled(backend, values);
    const y = backend.allocate(50, 'float32');
    backend.unary(c, x, y);
    backend.unary(c, x, x);
    sameBits(x.f32(), y.f32(), 'in-place forward');
    const dy = filled(backend, values);
    const dx = backend.allocate(50, 'float32');
    const xs = filled(backend, values);
    backend.unaryGrad(c, xs, dy, dx);
    backend.unaryGrad(c, xs, dy, dy);
    sameBits(dy.f32(), dx.f32(), 'in-place backward');
  });

  test('relu: the kink and special values exactly as the table states them', () => {
    const x = filled(backend, [-0, 0, NaN, -1e-45, 1e-45, Infinity, -Infinity]);
    const y = backend.allocate(7, 'float32');
    backend.unary(call('relu'), x, y);
    const got = Array.from(y.f32());
    assert.ok(Object.is(got[0], 0) && Object.is(got[1], 0), `relu(±0) should be +0, got ${got[0]}, ${got[1]}`);
    assert.ok(Number.isNaN(got[2]));
    assert.deepEqual(got.slice(3), [0, Math.fround(1e-45), Infinity, 0]);
    const dy = filled(backend, [Infinity, NaN, 1, 1, 1, 1, NaN]);
    const dx = backend.allocate(7, 'float32');
    backend.unaryGrad(call('relu'), x, dy, dx);
    const d = Array.from(dx.f32());
    // relu'(0) = 0 exactly, even against an infinite or NaN upstream gradient; NaN input gives NaN.
    assert.ok(Object.is(d[0], 0) && Object.is(d[1], 0), `relu'(±0)·dy should be +0, got ${d[0]}, ${d[1]}`);
    assert.ok(Number.isNaN(d[2]));
    assert.deepEqual(d.slice(3), [0, 1, 1, 0]);
  });
});

describe('wasm backend: kernel argument checks', () => {
  test('storage of another backend is refused by name', () => {
    const js = new JsBackend().allocate(4, 'float32');
    const out = backend.allocate(4, 'float32');
    assert.throws(() => backend.unary(call('relu'), js, out), /unary: x must be storage allocated by this wasm backend, got a JsStorage/);
  });

  test('mismatched lengths, int32 and released storage are refused', () => {
    const x = backend.allocate(4, 'float32');
    const short = backend.allocate(3, 'float32');
    const ints = backend.allocate(4, 'int32');
    assert.throws(() => backend.unary(call('relu'), x, short), /unary: out must have as many elements as x \(4\), got 3/);
    assert.throws(() => backend.unaryGrad(call('relu'), x, short, x), /unaryGrad: dy must have as many elements as x \(4\), got 3/);
    assert.throws(() => backend.unary(call('relu'), ints, x), /unary: x must be float32 storage, got int32/);
    const gone = backend.allocate(4, 'float32');
    backend.release(gone);
    assert.throws(() => backend.unary(call('relu'), gone, x), /unary: x .* was used after release/);
  });

  test('a row whose backward needs x refuses the y form, as the JS backend does', () => {
    const x = backend.allocate(4, 'float32');
    assert.throws(() => backend.unaryGradFromY(call('gelu'), x, x, x), /gelu needs its input for the backward pass/);
  });

  test('missing parameters are reported instead of read as garbage', () => {
    const x = backend.allocate(4, 'float32');
    const spec = ACTIVATIONS.find((s) => s.id === 'leaky_relu')!;
    assert.throws(() => backend.unary(kernelOf(spec, {}), x, x), /leaky_relu needs parameter alpha as a number/);
  });
});

describe('wasm backend: prelu', () => {
  const js = new JsBackend();
  const rng = new Rng(11);

  for (const channels of [1, 2, 3, 4, 5, 8, 17]) {
    for (const n of [0, 1, 7, channels * 6, channels * 6 + 3]) {
      test(`${channels} channels, ${n} elements: forward and backward match the JS kernels`, () => {
        const xv = randomValues(rng, n);
        if (n > 4) xv.set([0, -0, NaN], 1);
        const sv = randomValues(rng, channels, 0.5);
        const gv = randomValues(rng, n);
        const dsStart = randomValues(rng, channels);
        const run = (b: Backend) => {
          const x = filled(b, xv);
          const s = filled(b, sv);
          const dy = filled(b, gv);
          const out = b.allocate(n, 'float32');
          const dx = b.allocate(n, 'float32');
          const ds = filled(b, dsStart);
          b.prelu(x, s, channels, out);
          b.preluGrad(x, s, channels, dy, dx, ds);
          const dxNoSlopes = b.allocate(n, 'float32');
          b.preluGrad(x, s, channels, dy, dxNoSlopes);
          return { out: out.f32().slice(), dx: dx.f32().slice(), ds: ds.f32().slice(), dx2: dxNoSlopes.f32().slice() };
        };
        const got = run(backend);
        const want = run(js);
        sameBits(got.out, want.out, 'prelu');
        sameBits(got.dx, want.dx, 'preluGrad dx');
        sameBits(got.dx2, want.dx, 'preluGrad dx without dSlopes');
        const hasNaN = Array.from(xv).some(Number.isNaN);
        for (let c = 0; c < channels; c++) {
          if (hasNaN && Number.isNaN(want.ds[c]!)) {
            assert.ok(Number.isNaN(got.ds[c]!), `dSlopes[${c}] should be NaN`);
            continue;
          }
          // Sums in float32, possibly in another order: bounded by the sum of magnitudes.
          let magnitude = Math.abs(dsStart[c]!);
          for (let i = c; i < n; i += channels) magnitude += Math.abs(gv[i]! * xv[i]!);
          assert.ok(Math.abs(got.ds[c]! - want.ds[c]!) <= 1e-6 * magnitude, `dSlopes[${c}]: ${got.ds[c]} vs ${want.ds[c]}`);
        }
      });
    }
  }

  test('channel count and slopes are validated', () => {
    const x = backend.allocate(8, 'float32');
    const s = backend.allocate(2, 'float32');
    assert.throws(() => backend.prelu(x, s, 0, x), /prelu: channels must be a positive integer, got 0/);
    assert.throws(() => backend.prelu(x, s, 4, x), /prelu: slopes must hold one value per channel \(4\), got 2/);
    assert.throws(() => backend.preluGrad(x, s, 2, x, x, backend.allocate(1, 'float32')), /dSlopes must hold one value per channel \(2\), got 1/);
  });
});

describe('wasm backend: reductions (norms and the monitor)', () => {
  const js = new JsBackend();
  test('sumSquares, squaredDistance and absMax agree with the JS reference at every length and tail', () => {
    const rng = new Rng(5);
    for (const n of [0, 1, 3, 4, 7, 8, 9, 31, 1000, 4099]) {
      const a = randomValues(rng, n, 30);
      const b = randomValues(rng, n, 30);
      const [wa, wb, ja, jb] = [filled(backend, a), filled(backend, b), filled(js, a), filled(js, b)];
      const close = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${what} n=${n}: ${x} vs ${y}`);
      close(backend.sumSquares(wa), js.sumSquares(ja), 'sumSquares');
      close(backend.squaredDistance(wa, wb), js.squaredDistance(ja, jb), 'squaredDistance');
      assert.equal(backend.absMax(wa), js.absMax(ja), `absMax n=${n}`);
      [wa, wb].forEach((s) => backend.release(s));
    }
  });

  test('absMax: NaN anywhere gives NaN, ±Inf gives Inf, −0 and empty give 0', () => {
    for (const at of [0, 5, 8, 12]) {
      const v = new Float32Array(13).fill(1);
      v[at] = NaN;
      const s = filled(backend, v);
      assert.ok(Number.isNaN(backend.absMax(s)), `NaN at ${at}`);
      v[at] = -Infinity;
      s.f32().set(v);
      assert.equal(backend.absMax(s), Infinity, `-Inf at ${at}`);
      backend.release(s);
    }
    const z = filled(backend, [-0, 0, -0]);
    assert.ok(Object.is(backend.absMax(z), 0));
    backend.release(z);
    assert.equal(js.absMax(filled(js, [])), 0);
  });

  test('squaredDistance takes the difference in float64, and refuses mismatched lengths', () => {
    // 1 and 1 + 2^-23 differ by one float32 ulp: the distance is exactly 2^-46.
    const a = filled(backend, [1, 1, 1, 1, 1]);
    const b = filled(backend, [1, 1, 1, 1, 1 + 2 ** -23]);
    assert.equal(backend.squaredDistance(a, b), 2 ** -46);
    const c = filled(backend, [1, 2]);
    assert.throws(() => backend.squaredDistance(a, c), /squaredDistance: b must have/);
    [a, b, c].forEach((s) => backend.release(s));
  });
});
