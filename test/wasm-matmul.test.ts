import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATIONS } from '../src/activations/table.js';
import { resolveParams } from '../src/activations/lookup.js';
import { matmulReference } from '../src/backend/js-gemm.js';
import type { KernelActivation, MatmulShape, Storage } from '../src/backend/types.js';
import { kernelOf } from './helpers/activations.js';
import { createWasmBackendSync } from '../src/wasm/index.js';
import { Rng } from '../src/util/random.js';

const backend = createWasmBackendSync();
const rng = new Rng(2024);

function randomStorage(n: number, scale = 1): Storage {
  const s = backend.allocate(n, 'float32');
  const v = s.f32();
  for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * scale;
  return s;
}

/**
 * Checks out against the float64 reference elementwise. Float32 accumulation over k terms errs by at
 * most about k·2⁻²⁴ times the sum of the magnitudes of the terms; the activations in the table change
 * slope by at most 2 (selu's λα ≈ 1.76), so twice that bound holds after the epilogue too.
 */
function check(
  a: Storage, b: Storage, out: Storage, before: Float32Array, shape: MatmulShape, bias: Storage | undefined,
  act: KernelActivation | undefined, what: string,
): void {
  const { m, k, n, transposeA = false, transposeB = false, accumulate = false } = shape;
  const want = new Float32Array(before);
  matmulReference(a.f32(), b.f32(), want, shape, { bias, activation: act });
  const A = a.f32();
  const B = b.f32();
  const biasValues = bias?.f32();
  const got = out.f32();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let magnitude = (accumulate ? Math.abs(before[i * n + j]!) : 0) + (biasValues ? Math.abs(biasValues[j]!) : 0);
      for (let p = 0; p < k; p++) {
        magnitude += Math.abs((transposeA ? A[p * m + i]! : A[i * k + p]!) * (transposeB ? B[j * k + p]! : B[p * n + j]!));
      }
      const tolerance = 2 * (k + 2) * 2 ** -24 * magnitude + 2e-7 * Math.abs(want[i * n + j]!) + 1e-30;
      const g = got[i * n + j]!;
      const w = want[i * n + j]!;
      if (!(Math.abs(g - w) <= tolerance)) assert.fail(`${what}: out[${i}, ${j}] = ${g}, reference ${w} (tolerance ${tolerance})`);
    }
  }
}

function run(shape: MatmulShape, options: { bias?: boolean; act?: KernelActivation } = {}): void {
  const { m, k, n } = shape;
  const a = randomStorage(m * k);
  const b = randomStorage(k * n);
  const out = randomStorage(m * n);
  const bias = options.bias ? randomStorage(n) : undefined;
  const before = out.f32().slice();
  backend.matmul(a, b, out, shape, { bias, activation: options.act });
  check(a, b, out, before, shape, bias, options.act, `${JSON.stringify(shape)} bias=${!!bias} act=${options.act?.id ?? 'none'}`);
  for (const s of [a, b, out, ...(bias ? [bias] : [])]) backend.release(s);
}

const call = (id: string): KernelActivation => {
  const spec = ACTIVATIONS.find((s) => s.id === id)!;
  return kernelOf(spec);
};

describe('wasm matmul against the float64 reference', () => {
  // Sizes around the 4×8 register tile, and past the packing blocks (MC = 128 rows, KC = 256 deep).
  const edge = [1, 3, 4, 5, 8, 9, 17];
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`${transposeA ? 'Aᵀ' : 'A'}·${transposeB ? 'Bᵀ' : 'B'}: every combination of edge sizes`, () => {
        for (const m of edge) for (const k of edge) for (const n of edge) run({ m, k, n, transposeA, transposeB });
      });

      test(`${transposeA ? 'Aᵀ' : 'A'}·${transposeB ? 'Bᵀ' : 'B'}: shapes past the packing blocks, with accumulate`, () => {
        run({ m: 131, k: 259, n: 35, transposeA, transposeB });
        run({ m: 133, k: 513, n: 19, transposeA, transposeB, accumulate: true });
        run({ m: 6, k: 3, n: 1030, transposeA, transposeB, accumulate: true });
      });
    }
  }

  test('random shapes with every flag', () => {
    for (let trial = 0; trial < 40; trial++) {
      const size = () => 1 + Math.floor(rng.next() * 70);
      run(
        { m: size(), k: size(), n: size(), transposeA: rng.next() < 0.5, transposeB: rng.next() < 0.5, accumulate: rng.next() < 0.5 },
        { bias: rng.next() < 0.5 },
      );
    }
  });

  test('k = 0 gives act([out +] bias), and empty outputs are fine', () => {
    run({ m: 5, k: 0, n: 9 });
    run({ m: 5, k: 0, n: 9, accumulate: true }, { bias: true, act: call('sigmoid') });
    run({ m: 0, k: 4, n: 3 });
    run({ m: 3, k: 4, n: 0 });
  });

  for (const spec of ACTIVATIONS) {
    test(`epilogue ${spec.id}: bias and activation fused, equal to applying them after the product`, () => {
      const act = kernelOf(spec);
      for (const [m, k, n] of [[13, 21, 19], [4, 8, 8]] as const) {
        for (const accumulate of [false, true]) {
          run({ m, k, n, accumulate }, { bias: true, act });
        }
      }
      // The fused epilogue runs the same vector code as the elementwise kernel: bit for bit the same.
      const [m, k, n] = [9, 30, 21];
      const a = randomStorage(m * k, 3);
      const b = randomStorage(k * n, 3);
      const bias = randomStorage(n, 3);
      const fused = backend.allocate(m * n, 'float32');
      const plain = backend.allocate(m * n, 'float32');
      backend.matmul(a, b, fused, { m, k, n }, { bias, activation: act });
      backend.matmul(a, b, plain, { m, k, n }, { bias });
      backend.unary(act, plain, plain);
      const f = fused.f32();
      const p = plain.f32();
      for (let i = 0; i < m * n; i++) {
        if (!Object.is(f[i], p[i])) assert.fail(`element ${i}: fused ${f[i]}, separate ${p[i]}`);
      }
      for (const s of [a, b, bias, fused, plain]) backend.release(s);
    });
  }

  test('an activation that is not a table row is applied after the product', () => {
    const base = ACTIVATIONS.find((s) => s.id === 'linear')!;
    const custom = kernelOf({ ...base, id: 'square', f: (x: number) => x * x }, {});
    run({ m: 7, k: 5, n: 11 }, { bias: true, act: custom });
  });
});

describe('wasm matmul argument checks', () => {
  test('sizes, flags, aliasing and bias length are validated by name', () => {
    const a = backend.allocate(6, 'float32');
    const b = backend.allocate(6, 'float32');
    const out = backend.allocate(4, 'float32');
    assert.throws(() => backend.matmul(a, b, out, { m: 2, k: 4, n: 2 }), /matmul: a must hold at least m·k = 2·4 = 8 values, got 6/);
    assert.throws(() => backend.matmul(a, b, out, { m: 2, k: 3, n: 3 }), /matmul: b must hold at least k·n = 3·3 = 9 values, got 6/);
    assert.throws(() => backend.matmul(a, b, out, { m: 3, k: 2, n: 3 }), /matmul: out must hold at least m·n = 3·3 = 9 values, got 4/);
    assert.throws(() => backend.matmul(a, b, out, { m: -1, k: 2, n: 2 }), /matmul: shape.m must be a non-negative integer, got -1/);
    assert.throws(() => backend.matmul(a, b, out, { m: 2, k: 3, n: 2, transposeA: 1 as unknown as boolean }), /shape.transposeA must be a boolean/);
    assert.throws(() => backend.matmul(a, b, a, { m: 2, k: 3, n: 2 }), /out must not share memory with a/);
    assert.throws(
      () => backend.matmul(a, b, out, { m: 2, k: 3, n: 2 }, { bias: backend.allocate(1, 'float32') }),
      /epilogue.bias must hold at least n = 2 = 2 values, got 1/,
    );
  });
});
