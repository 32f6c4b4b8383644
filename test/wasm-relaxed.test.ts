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
const be = createWasmBackendSync({ ...JSON.parse(process.env.PROBE_OPTIONS ?? '{}'), threads: 1 });
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

function probe(flags: string[], options: object = {}, env: Record<string, string> = {}): { info: WasmBackend['info']; worst: number } {
  const r = spawnSync(process.execPath, [...flags, '--conditions=source', '--import', 'tsx', '--input-type=module', '-e', PROBE], {
    cwd: root, encoding: 'utf8', env: { ...process.env, RECTIFIER_RELAXED_SIMD: '', ...env, PROBE_OPTIONS: JSON.stringify(options) },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('relaxed SIMD (fused multiply-add), used wherever the engine has it', () => {
  test('in this process, it is used exactly when the engine passes the feature test', (t) => {
    if (process.env.RECTIFIER_RELAXED_SIMD !== undefined && process.env.RECTIFIER_RELAXED_SIMD !== '') {
      t.skip(`RECTIFIER_RELAXED_SIMD=${process.env.RECTIFIER_RELAXED_SIMD} is set: the default cannot be observed`);
      return;
    }
    const be = createWasmBackendSync() as WasmBackend;
    const supported = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
    ]));
    assert.equal(be.info.relaxedSimd, supported);
    assert.equal(be.info.module, supported ? 'rectifier-mt-relaxed.wasm' : 'rectifier-mt.wasm');
  });

  test('with engine support (the flag on Node 20), the relaxed build loads by default and its GEMM agrees with the reference to float32 rounding', () => {
    const r = probe(['--experimental-wasm-relaxed-simd']);
    assert.equal(r.info.relaxedSimd, true);
    assert.equal(r.info.module, 'rectifier-mt-relaxed.wasm');
    assert.equal(r.info.relaxedSimdFailure, null);
    assert.ok(r.worst <= 1, `worst error ${r.worst} of the float32 rounding bound`);
  });

  test('RECTIFIER_RELAXED_SIMD=0 and relaxedSimd: false turn it off, and info says which did', () => {
    const byEnv = probe(['--experimental-wasm-relaxed-simd'], {}, { RECTIFIER_RELAXED_SIMD: '0' });
    assert.equal(byEnv.info.relaxedSimd, false);
    assert.equal(byEnv.info.module, 'rectifier-mt.wasm');
    assert.match(byEnv.info.relaxedSimdFailure ?? '', /RECTIFIER_RELAXED_SIMD=0/);
    const byOption = probe(['--experimental-wasm-relaxed-simd'], { relaxedSimd: false });
    assert.equal(byOption.info.relaxedSimd, false);
    assert.match(byOption.info.relaxedSimdFailure ?? '', /relaxedSimd: false/);
  });

  test('without engine support it falls back to the default build and says why, even when asked for', () => {
    for (const r of [probe([]), probe([], {}, { RECTIFIER_RELAXED_SIMD: '1' })]) {
      assert.equal(r.info.relaxedSimd, false);
      assert.equal(r.info.module, 'rectifier-mt.wasm');
      assert.match(r.info.relaxedSimdFailure ?? '', /--experimental-wasm-relaxed-simd/);
      assert.ok(r.worst <= 1, `worst error ${r.worst} of the float32 rounding bound`);
    }
  });

  test('a mistyped RECTIFIER_RELAXED_SIMD is an error, not a silent choice', () => {
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', PROBE], {
      cwd: root, encoding: 'utf8', env: { ...process.env, RECTIFIER_RELAXED_SIMD: 'yes' },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /RECTIFIER_RELAXED_SIMD must be 1 \(use relaxed SIMD\) or 0 \(do not\), got "yes"/);
  });
});
