import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWasmBackendSync, type WasmBackend } from '../src/wasm/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// A child process, since the relaxed-SIMD flag of Node 20 must be given at start-up.
const PROBE = `
const { createWasmBackendSync } = await import('./src/wasm/index.ts');
const { matmulReference } = await import('./src/backend/js-gemm.ts');
const be = createWasmBackendSync({ relaxedSimd: true, threads: 1 });
const m = 67, k = 300, n = 45;
const a = be.allocate(m * k, 'float32'), b = be.allocate(k * n, 'float32'), c = be.allocate(m * n, 'float32');
a.f32().forEach((_, i, v) => (v[i] = Math.sin(i)));
b.f32().forEach((_, i, v) => (v[i] = Math.cos(i)));
be.matmul(a, b, c, { m, k, n });
const want = new Float32Array(m * n);
matmulReference(a.f32(), b.f32(), want, { m, k, n });
// Float32 rounding of a k-term dot product (fused or not) is at most γ_k·Σ|a||b|, γ_k = k·u/(1 − k·u),
// u = 2^−24 (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): the worst error as a
// fraction of that bound must stay ≤ 1.
const absA = a.f32().map(Math.abs), absB = b.f32().map(Math.abs), bound = new Float32Array(m * n);
matmulReference(absA, absB, bound, { m, k, n });
const u = 2 ** -24, gamma = (k * u) / (1 - k * u);
let worst = 0;
c.f32().forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]) / (gamma * bound[i]))));
console.log(JSON.stringify({ info: be.info, worst }));
`;

function probe(flags: string[]): { info: WasmBackend['info']; worst: number } {
  const r = spawnSync(process.execPath, [...flags, '--conditions=source', '--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('relaxed SIMD (opt-in fused multiply-add)', () => {
  test('is off by default', (t) => {
    if (process.env.RECTIFIER_RELAXED_SIMD === '1') {
      t.skip('RECTIFIER_RELAXED_SIMD=1 is set: the default cannot be observed');
      return;
    }
    const be = createWasmBackendSync() as WasmBackend;
    assert.equal(be.info.relaxedSimd, false);
  });

  test('with the engine flag, the relaxed build loads and its GEMM agrees with the reference to float32 rounding', () => {
    const r = probe(['--experimental-wasm-relaxed-simd']);
    assert.equal(r.info.relaxedSimd, true);
    assert.equal(r.info.module, 'rectifier-mt-relaxed.wasm');
    assert.ok(r.worst <= 1, `worst error ${r.worst} of the float32 rounding bound`);
  });

  test('without engine support it falls back to the default build and says why', () => {
    const r = probe([]);
    assert.equal(r.info.relaxedSimd, false);
    assert.match(r.info.relaxedSimdFailure ?? '', /--experimental-wasm-relaxed-simd/);
    assert.ok(r.worst <= 1, `worst error ${r.worst} of the float32 rounding bound`);
  });
});
