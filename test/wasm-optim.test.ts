import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsKernels } from '../src/backend/js.js';

const jsKernels = new JsKernels();
import type { Storage } from '../src/backend/types.js';
import { createWasmBackendSync } from '../src/wasm/index.js';
import { Rng } from '../src/util/random.js';

const wasm = createWasmBackendSync();
const rng = new Rng(9);

function pair(n: number, scale = 1): { w: Storage; j: Float32Array } {
  const j = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const w = wasm.allocate(n, 'float32');
  w.f32().set(j);
  return { w, j };
}

const js = (a: Float32Array): Storage => ({ length: a.length, dtype: 'float32', ptr: 0, f32: () => a, i32: () => { throw new Error('f32'); } });
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

test('wasm sgdStep gives the reference bits (plain, momentum, nesterov, weight decay; odd lengths)', () => {
  for (const [momentum, nesterov, weightDecay, n] of [[0, false, 0, 101], [0.9, false, 1e-4, 64], [0.9, true, 0.01, 7], [0.5, false, 0, 1]] as const) {
    const p = pair(n), g = pair(n), v = pair(n, 0.1);
    const options = { lr: 0.05, momentum, nesterov, weightDecay };
    for (let step = 0; step < 3; step++) {
      wasm.sgdStep(p.w, g.w, momentum > 0 ? v.w : undefined, options);
      jsKernels.sgdStep(js(p.j), js(g.j), momentum > 0 ? js(v.j) : undefined, options);
    }
    assert.deepEqual(bits(p.w.f32()), bits(p.j), `param, momentum ${momentum} nesterov ${nesterov}`);
    assert.deepEqual(bits(v.w.f32()), bits(v.j), 'velocity');
  }
  const p = pair(4), g = pair(5);
  assert.throws(() => wasm.sgdStep(p.w, g.w, undefined, { lr: 1, momentum: 0, nesterov: false, weightDecay: 0 }), /sgdStep: grad must have as many elements as param \(4\), got 5/);
  assert.throws(() => wasm.sgdStep(p.w, p.w, undefined, { lr: 1, momentum: 0.9, nesterov: false, weightDecay: 0 }), /momentum > 0 needs a velocity buffer/);
});

test('wasm adamStep gives the reference bits (Adam with L2, AdamW decoupled)', () => {
  for (const [decoupled, weightDecay, n] of [[false, 0, 99], [false, 1e-3, 8], [true, 0.01, 33]] as const) {
    const p = pair(n), g = pair(n), m = pair(n, 0.01), v = pair(n, 0.01);
    v.j.forEach((x, i) => (v.j[i] = Math.abs(x)));
    v.w.f32().set(v.j);
    for (let step = 1; step <= 3; step++) {
      const options = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step };
      wasm.adamStep(p.w, g.w, m.w, v.w, options);
      jsKernels.adamStep(js(p.j), js(g.j), js(m.j), js(v.j), options);
    }
    assert.deepEqual(bits(p.w.f32()), bits(p.j), `param, decoupled ${decoupled}`);
    assert.deepEqual(bits(m.w.f32()), bits(m.j), 'm');
    assert.deepEqual(bits(v.w.f32()), bits(v.j), 'v');
  }
});

test('wasm sumAxis (bias gradients) gives the reference bits: float64 sums in row order, accumulate, −0', () => {
  for (const [outer, n, inner] of [[1, 128, 256], [1, 43264, 16], [3, 5, 7], [2, 1, 1], [1, 0, 4], [4, 9, 1]] as const) {
    for (const accumulate of [false, true]) {
      const x = pair(outer * n * inner, 10);
      const out = pair(outer * inner);
      if (n === 1) x.w.f32().fill(-0), x.j.fill(-0);
      wasm.sumAxis(x.w, out.w, outer, n, inner, accumulate);
      jsKernels.sumAxis(js(x.j), js(out.j), outer, n, inner, accumulate);
      assert.deepEqual(bits(out.w.f32()), bits(out.j), `[${outer}, ${n}, ${inner}] accumulate ${accumulate}`);
    }
  }
});
