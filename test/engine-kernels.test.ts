// The training-engine kernels on every backend that loads, against float64 references written here from
// their definitions, so a backend that overrides one (wasm) is held to the same results as js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_NAMES, Rng, backendInstance, type Backend, type Storage } from 'rectifier';

const rng = new Rng(5);
const randArray = (n: number, lo = -2, hi = 2) => Float64Array.from({ length: n }, () => Math.fround(rng.uniform(lo, hi)));

/** Every backend; one that fails to load fails the test (it would otherwise go untested unseen). */
async function backends(): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const name of BACKEND_NAMES) out.push(await backendInstance(name));
  return out;
}

function put(b: Backend, values: ArrayLike<number>, dtype: 'float32' | 'int32' = 'float32'): Storage {
  const s = b.allocate(values.length, dtype);
  if (dtype === 'float32') s.f32().set(Float32Array.from(values));
  else s.i32().set(Int32Array.from(values));
  return s;
}

function near(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-6): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i]! - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!));
    assert.ok(ok, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('binary (with broadcasting), affine, math', async () => {
  for (const b of await backends()) {
    const a = randArray(12);
    const row = randArray(4, 0.5, 2);
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const f = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y }[op];
      for (const other of [randArray(12, 0.5, 2), row, Float64Array.of(1.5)]) {
        const out = b.allocate(12, 'float32');
        b.binary(op, put(b, a), put(b, other), out);
        near(out.f32(), Array.from(a, (v, i) => f(v, other[i % other.length]!)), `${b.name} ${op} ×${other.length}`);
      }
    }
    const o = put(b, [1, 1, 1]);
    b.affine(put(b, [1, 2, 3]), 2, 0.5, o, true);
    near(o.f32(), [3.5, 5.5, 7.5], `${b.name} affine accumulate`);
    const pos = randArray(8, 0.1, 3);
    const refs = { neg: (v: number) => -v, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, rsqrt: (v: number) => 1 / Math.sqrt(v), square: (v: number) => v * v, abs: Math.abs, reciprocal: (v: number) => 1 / v };
    for (const [op, f] of Object.entries(refs)) {
      const out = b.allocate(8, 'float32');
      b.math(op as keyof typeof refs, put(b, pos), out);
      near(out.f32(), Array.from(pos, f), `${b.name} ${op}`);
    }
  }
});

test('sumAxis, broadcastAxis, sumSquares, copyRange', async () => {
  for (const b of await backends()) {
    const x = randArray(2 * 3 * 4);
    const out = b.allocate(8, 'float32');
    b.sumAxis(put(b, x), out, 2, 3, 4);
    const want = Array.from({ length: 8 }, (_, k) => { const o = Math.floor(k / 4), i = k % 4; let s = 0; for (let j = 0; j < 3; j++) s += x[(o * 3 + j) * 4 + i]!; return s; });
    near(out.f32(), want, `${b.name} sumAxis`);
    const back = b.allocate(24, 'float32');
    b.broadcastAxis(put(b, want), back, 2, 3, 4, 0.5);
    near(back.f32(), Array.from({ length: 24 }, (_, k) => 0.5 * want[Math.floor(k / 12) * 4 + (k % 4)]!), `${b.name} broadcastAxis`);
    assert.ok(Math.abs(b.sumSquares(put(b, [3, 4, 12])) - 169) < 1e-9);
    const dst = put(b, [0, 0, 0, 0, 0]);
    b.copyRange(put(b, [1, 2, 3, 4]), 1, dst, 2, 3);
    near(dst.f32(), [0, 0, 2, 3, 4], `${b.name} copyRange`);
  }
});

test('softmax and sigmoid cross-entropy and their gradients', async () => {
  for (const b of await backends()) {
    const rows = 3;
    const classes = 4;
    const z = randArray(rows * classes, -5, 5);
    const labels = [2, 0, 3];
    const losses = b.allocate(rows, 'float32');
    const probs = b.allocate(rows * classes, 'float32');
    b.softmaxCrossEntropy(put(b, z), put(b, labels, 'int32'), rows, classes, losses, probs);
    const p = new Float64Array(rows * classes);
    const l = labels.map((c, r) => {
      const row = Array.from(z.subarray(r * classes, (r + 1) * classes));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      row.forEach((v, k) => { p[r * classes + k] = Math.exp(v - lse); });
      return lse - row[c]!;
    });
    near(losses.f32(), l, `${b.name} softmax losses`);
    near(probs.f32(), p, `${b.name} softmax probabilities`);
    const dx = b.allocate(rows * classes, 'float32');
    b.softmaxCrossEntropyGrad(probs, put(b, labels, 'int32'), rows, classes, put(b, [1, 0.5, 2]), dx);
    near(dx.f32(), Array.from(p, (v, k) => (v - (labels[Math.floor(k / classes)] === k % classes ? 1 : 0)) * [1, 0.5, 2][Math.floor(k / classes)]!), `${b.name} softmax grad`);
    const x = randArray(6, -30, 30);
    const t = [0, 1, 0.25, 1, 0, 0.5];
    const bl = b.allocate(6, 'float32');
    b.sigmoidCrossEntropy(put(b, x), put(b, t), bl);
    near(bl.f32(), Array.from(x, (v, i) => Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v)))), `${b.name} bce`);
    const bg = b.allocate(6, 'float32');
    b.sigmoidCrossEntropyGrad(put(b, x), put(b, t), put(b, [1, 1, 1, 2, 2, 2]), bg);
    near(bg.f32(), Array.from(x, (v, i) => (1 / (1 + Math.exp(-v)) - t[i]!) * (i < 3 ? 1 : 2)), `${b.name} bce grad`);
  }
});

test('sgdStep and adamStep follow the published rules', async () => {
  for (const b of await backends()) {
    const p0 = [1, -2, 0.5];
    const g = [0.3, -0.1, 0.8];
    const p = put(b, p0);
    const v = put(b, [0.1, 0.2, -0.3]);
    b.sgdStep(p, put(b, g), v, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
    const want = p0.map((w, i) => { const d = g[i]! + 0.01 * w; const vi = 0.9 * [0.1, 0.2, -0.3][i]! + d; return w - 0.1 * (d + 0.9 * vi); });
    near(p.f32(), want, `${b.name} sgd`);
    const q = put(b, p0);
    const m = put(b, [0.01, 0.02, 0.03]);
    const s = put(b, [0.001, 0.002, 0.003]);
    b.adamStep(q, put(b, g), m, s, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 2 });
    const wantQ = p0.map((w0, i) => {
      const w = w0 - 0.01 * 0.1 * w0;
      const mi = 0.9 * [0.01, 0.02, 0.03][i]! + 0.1 * g[i]!;
      const vi = 0.999 * [0.001, 0.002, 0.003][i]! + 0.001 * g[i]! ** 2;
      return w - (0.01 * (mi / (1 - 0.9 ** 2))) / (Math.sqrt(vi / (1 - 0.999 ** 2)) + 1e-8);
    });
    near(q.f32(), wantQ, `${b.name} adamw`);
  }
});
