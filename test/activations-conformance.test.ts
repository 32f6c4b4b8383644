/**
 * Layers 2 and 3 of the activation tests, run once per backend: values and derivatives against
 * independent float64 references (scripts/reference-values.py), exact values at kinks and special
 * values, the overflow cases, and agreement between the backends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BACKEND_NAMES,
  SELU_ALPHA,
  SELU_LAMBDA,
  Tensor,
  backendInstance,
  getActivation,
  getBackend,
  getSpec,
  memory,
  resolveParams,
  setBackend,
  tensor,
  tidy,
  type BackendName,
} from 'rectifier';
import { ABS, GRAD_REL, VALUE_REL, allSpecs, close, kernelOf, parameterSets } from './helpers/activations.js';

interface ReferenceCase { id: string; params: Record<string, number>; x: number[]; y: number[]; dy: number[] }
const reference: { cases: ReferenceCase[] } = JSON.parse(
  readFileSync(new URL('./fixtures/activation-reference.json', import.meta.url), 'utf8'),
);

/** [f(−∞), f(+∞), f(0), f'(−∞), f'(+∞)] with default parameters, written from the definitions. */
const LIMITS: Record<string, [number, number, number, number, number]> = {
  relu: [0, Infinity, 0, 0, 1],
  relu6: [0, 6, 0, 0, 0],
  leaky_relu: [-Infinity, Infinity, 0, 0.01, 1],
  prelu: [-Infinity, Infinity, 0, 0.25, 1],
  rrelu: [-Infinity, Infinity, 0, (1 / 8 + 1 / 3) / 2, 1],
  elu: [-1, Infinity, 0, 0, 1],
  selu: [-SELU_LAMBDA * SELU_ALPHA, Infinity, 0, 0, SELU_LAMBDA],
  celu: [-1, Infinity, 0, 0, 1],
  gelu: [0, Infinity, 0, 0, 1],
  gelu_tanh: [0, Infinity, 0, 0, 1],
  silu: [0, Infinity, 0, 0, 1],
  mish: [0, Infinity, 0, 0, 1],
  softplus: [0, Infinity, Math.LN2, 0, 1],
  sigmoid: [0, 1, 0.5, 0, 0],
  tanh: [-1, 1, 0, 0, 0],
  hard_sigmoid: [0, 1, 0.5, 0, 0],
  hard_swish: [0, Infinity, 0, 0, 1],
  softsign: [-1, 1, 0, 0, 0],
  thresholded_relu: [0, Infinity, 0, 0, 1],
  linear: [-Infinity, Infinity, 0, 1, 1],
};

/** Inputs where a naive formula overflows to NaN although the function is finite. */
const OVERFLOW_CASES: Array<[string, number, number]> = [
  ['softplus', 89, 89],
  ['softplus', 1e30, 1e30],
  ['mish', 1e30, 1e30],
  ['mish', -1e30, 0],
  ['gelu_tanh', 1e30, 1e30],
  ['gelu_tanh', -1e30, 0],
  ['gelu', -1e30, 0],
  ['silu', -1e30, 0],
  ['silu', 1e30, 1e30],
  ['sigmoid', -100, Math.exp(-100)],
  ['sigmoid', 100, 1],
  ['elu', -1e30, -1],
  ['selu', -1e30, -SELU_LAMBDA * SELU_ALPHA],
  ['celu', -1e30, -1],
  ['softsign', 3e38, 1],
  ['tanh', 1e30, 1],
];

function fwd(id: string, xs: number[], params?: Record<string, number>): Float32Array {
  return getActivation(id, params).forward(Float32Array.from(xs));
}
function grad(id: string, xs: number[], dys?: number[], params?: Record<string, number>): Float32Array {
  const dy = dys ? Float32Array.from(dys) : new Float32Array(xs.length).fill(1);
  return getActivation(id, params).backward(Float32Array.from(xs), dy);
}

for (const name of BACKEND_NAMES) {
  describe(`activations on the ${name} backend`, () => {
    let previous: BackendName;
    before(async () => {
      previous = getBackend();
      await setBackend(name);
    });
    after(async () => {
      await setBackend(previous);
    });

    test('values and derivatives match the independent float64 references', () => {
      for (const c of reference.cases) {
        const act = getActivation(c.id, c.params);
        const x = Float32Array.from(c.x);
        const y = act.forward(x);
        const d = act.backward(x, new Float32Array(x.length).fill(1));
        // a dy that is not 1, so a kernel that forgets to multiply by dy is caught
        const dy = Float32Array.from(x, (_, i) => 0.5 + (i % 7) * 0.25);
        const d2 = act.backward(x, dy);
        for (let i = 0; i < x.length; i++) {
          assert.ok(close(y[i]!, c.y[i]!, VALUE_REL), `${c.id} ${JSON.stringify(c.params)} f(${x[i]}) = ${y[i]}, want ${c.y[i]}`);
          assert.ok(close(d[i]!, c.dy[i]!, GRAD_REL), `${c.id} ${JSON.stringify(c.params)} f'(${x[i]}) = ${d[i]}, want ${c.dy[i]}`);
          assert.ok(close(d2[i]!, c.dy[i]! * dy[i]!, GRAD_REL), `${c.id} dy·f'(${x[i]}) = ${d2[i]}, want ${c.dy[i]! * dy[i]!}`);
        }
      }
    });

    test('every row of the table is covered by the independent references', () => {
      const covered = new Set(reference.cases.map((c) => c.id));
      for (const spec of allSpecs()) assert.ok(covered.has(spec.id), `${spec.id} has no reference values`);
    });

    test('limits at ±Inf and values at ±0', () => {
      for (const [id, [fNeg, fPos, f0, dNeg, dPos]] of Object.entries(LIMITS)) {
        const y = fwd(id, [-Infinity, Infinity, 0, -0]);
        const d = grad(id, [-Infinity, Infinity]);
        assert.ok(close(y[0]!, fNeg, VALUE_REL), `${id}(-Inf) = ${y[0]}, want ${fNeg}`);
        assert.ok(close(y[1]!, fPos, VALUE_REL), `${id}(+Inf) = ${y[1]}, want ${fPos}`);
        assert.ok(close(y[2]!, f0, VALUE_REL), `${id}(0) = ${y[2]}, want ${f0}`);
        assert.ok(close(y[3]!, f0, VALUE_REL), `${id}(-0) = ${y[3]}, want ${f0}`);
        assert.ok(close(d[0]!, dNeg, GRAD_REL), `${id}'(-Inf) = ${d[0]}, want ${dNeg}`);
        assert.ok(close(d[1]!, dPos, GRAD_REL), `${id}'(+Inf) = ${d[1]}, want ${dPos}`);
      }
    });

    test('relu(−0) is +0', () => {
      assert.ok(Object.is(fwd('relu', [-0])[0], 0));
      assert.ok(Object.is(fwd('relu6', [-0])[0], 0));
    });

    test('NaN in gives NaN out, forward and backward, for every activation and parameter set', () => {
      for (const spec of allSpecs()) {
        for (const params of parameterSets(spec)) {
          const y = getActivation(spec.id, params).forward(Float32Array.of(NaN, 1, NaN));
          const d = getActivation(spec.id, params).backward(Float32Array.of(NaN, 1, NaN), Float32Array.of(1, 1, 1));
          assert.ok(Number.isNaN(y[0]!) && Number.isNaN(y[2]!), `${spec.id} ${JSON.stringify(params)} forward(NaN) = ${y[0]}`);
          assert.ok(Number.isNaN(d[0]!) && Number.isNaN(d[2]!), `${spec.id} ${JSON.stringify(params)} backward(NaN) = ${d[0]}`);
          assert.ok(!Number.isNaN(y[1]!) && !Number.isNaN(d[1]!), `${spec.id}: NaN leaked into a neighbour`);
        }
      }
    });

    test('the derivative at each kink is exactly the table’s (PyTorch’s) value', () => {
      for (const spec of allSpecs()) {
        for (const params of parameterSets(spec)) {
          for (const k of spec.kinks) {
            const x = k.x(params);
            if (Math.fround(x) !== x) continue; // a kink between float32 values cannot be hit exactly
            const d = getActivation(spec.id, params).backward(Float32Array.of(x), Float32Array.of(1));
            assert.equal(d[0], Math.fround(k.derivative(params)), `${spec.id} ${JSON.stringify(params)} at ${x}`);
          }
        }
      }
    });

    test('no NaN or overflow where the function is finite', () => {
      for (const [id, x, want] of OVERFLOW_CASES) {
        const y = fwd(id, [x])[0]!;
        const d = grad(id, [x])[0]!;
        assert.ok(close(y, want, VALUE_REL), `${id}(${x}) = ${y}, want ${want}`);
        assert.ok(Number.isFinite(d), `${id}'(${x}) = ${d}`);
      }
      for (const spec of allSpecs()) {
        const xs = [-3e38, -1e30, -1e10, -100, -89, 89, 100, 1e10, 1e30, 3e38];
        const y = fwd(spec.id, xs);
        const d = grad(spec.id, xs);
        for (let i = 0; i < xs.length; i++) {
          assert.ok(!Number.isNaN(y[i]!), `${spec.id}(${xs[i]}) is NaN`);
          assert.ok(Number.isFinite(d[i]!), `${spec.id}'(${xs[i]}) = ${d[i]}`);
        }
      }
    });

    test('subnormal inputs: exact where the function is the identity, accurate elsewhere', () => {
      const tiny = [1.4e-45, 1e-40, 1e-39, 1.1754942e-38].map(Math.fround);
      for (const id of ['relu', 'relu6', 'leaky_relu', 'prelu', 'elu', 'celu', 'linear', 'softplus']) {
        const y = fwd(id, tiny);
        for (let i = 0; i < tiny.length; i++) {
          const want = getSpec(id).f(tiny[i]!, resolveParams(getSpec(id)));
          if (['relu', 'relu6', 'leaky_relu', 'prelu', 'elu', 'celu', 'linear'].includes(id)) assert.equal(y[i], tiny[i], `${id}(${tiny[i]})`);
          else assert.ok(close(y[i]!, want, VALUE_REL), `${id}(${tiny[i]}) = ${y[i]}`);
        }
        const yn = fwd(id, tiny.map((v) => -v));
        for (let i = 0; i < tiny.length; i++) {
          const want = getSpec(id).f(-tiny[i]!, resolveParams(getSpec(id)));
          assert.ok(close(yn[i]!, want, VALUE_REL, 1e-44), `${id}(${-tiny[i]!}) = ${yn[i]}, want ${want}`);
        }
      }
    });

    test('in flat regions the gradient is exactly 0 whatever dy holds (PyTorch threshold_backward)', () => {
      const cases: Array<[string, number]> = [['relu', -1], ['relu6', 7], ['relu6', -1], ['hard_sigmoid', 5], ['hard_swish', -4], ['thresholded_relu', 0.5]];
      for (const [id, x] of cases) {
        const d = grad(id, [x, x], [Infinity, NaN]);
        assert.ok(Object.is(d[0], 0) && Object.is(d[1], 0), `${id} at ${x}: ${d[0]}, ${d[1]}`);
      }
    });

    test('tensors in, tensors out, on this backend, with no copy through JS; out may alias x', () => {
      tidy(() => {
        const act = getActivation('leaky_relu', { alpha: 0.5 });
        const x = tensor(Float32Array.of(-2, -1, 0, 1, 2, 3), [2, 3]);
        const y = act.forward(x);
        assert.ok(y instanceof Tensor);
        assert.equal(y.backend.name, name);
        assert.deepEqual(y.shape, [2, 3]);
        assert.deepEqual(y.toArray(), [-1, -0.5, 0, 1, 2, 3]);
        const dx = act.backward(x, tensor(Float32Array.of(1, 1, 1, 2, 2, 2), [2, 3]));
        assert.deepEqual(dx.toArray(), [0.5, 0.5, 0.5, 2, 2, 2]);
        act.forward(x, x);
        assert.deepEqual(x.toArray(), [-1, -0.5, 0, 1, 2, 3]);
        assert.throws(() => act.forward(x, new Float32Array(6) as unknown as Tensor), /out must be a Tensor like x, got a Float32Array/);
      });
    });

    test('rrelu draws a slope in [lower, upper] per element in training, reuses it backward, and is seeded', () => {
      const x = Float32Array.from({ length: 1000 }, (_, i) => (i % 2 ? -1 - (i % 5) : 1 + (i % 3)));
      const train = getActivation('rrelu', { lower: 0.1, upper: 0.3 }, { training: true, seed: 7 });
      const y = train.forward(x);
      const d = train.backward(x, new Float32Array(x.length).fill(1));
      const slopes = new Set<number>();
      for (let i = 0; i < x.length; i++) {
        if (x[i]! > 0) {
          assert.equal(y[i], x[i]);
          assert.equal(d[i], 1);
        } else {
          const s = y[i]! / x[i]!;
          assert.ok(s >= 0.1 - 1e-6 && s <= 0.3 + 1e-6, `slope ${s}`);
          assert.ok(Math.abs(d[i]! - s) < 1e-6, `backward slope ${d[i]} vs forward ${s}`);
          slopes.add(Math.round(s * 1e6));
        }
      }
      assert.ok(slopes.size > 100, `slopes vary: ${slopes.size} distinct`);
      const again = getActivation('rrelu', { lower: 0.1, upper: 0.3 }, { training: true, seed: 7 }).forward(x);
      assert.deepEqual(again, y);
      const other = getActivation('rrelu', { lower: 0.1, upper: 0.3 }, { training: true, seed: 8 }).forward(x);
      assert.notDeepEqual(other, y);
      const evalMode = getActivation('rrelu', { lower: 0.1, upper: 0.3 }).forward(Float32Array.of(-2));
      assert.ok(Math.abs(evalMode[0]! - -0.4) < 1e-7);
      assert.throws(() => getActivation('rrelu', {}, { training: true }).backward(x, x), /call forward\(x\) first/);
    });

    test('tidy disposes what it created and memory returns to where it was', () => {
      const before = memory();
      const kept = tidy(() => {
        const a = tensor(new Float32Array(1000).fill(-1));
        getActivation('relu').forward(a);
        getActivation('gelu').backward(a, a);
        return getActivation('sigmoid').forward(a);
      });
      assert.equal(memory().numTensors, before.numTensors + 1);
      kept.dispose();
      assert.equal(memory().numTensors, before.numTensors);
      assert.equal(memory().backend.bytes, before.backend.bytes);
      assert.throws(() => kept.toArray(), /used after dispose/);
    });
  });
}

test('the two backends agree with each other on every activation', async () => {
  const js = await backendInstance('js');
  const wasm = await backendInstance('wasm');
  const n = 4099; // not a multiple of the vector width, so tails are exercised
  const xs = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sinh((i / n - 0.5) * 12) * 3));
  const dy = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i)));
  for (const spec of allSpecs()) {
    for (const params of parameterSets(spec)) {
      const call = kernelOf(spec, params);
      const run = (b: typeof js) => {
        const x = b.allocate(n, 'float32');
        const g = b.allocate(n, 'float32');
        const y = b.allocate(n, 'float32');
        const dx = b.allocate(n, 'float32');
        x.f32().set(xs);
        g.f32().set(dy);
        b.unary(call, x, y);
        b.unaryGrad(call, x, g, dx);
        const out = { y: y.f32().slice(), dx: dx.f32().slice() };
        for (const s of [x, g, y, dx]) b.release(s);
        return out;
      };
      const a = run(js);
      const w = run(wasm);
      for (let i = 0; i < n; i++) {
        assert.ok(close(w.y[i]!, a.y[i]!, 2 * VALUE_REL, 2 * ABS), `${spec.id} ${JSON.stringify(params)} f(${xs[i]}): wasm ${w.y[i]}, js ${a.y[i]}`);
        assert.ok(close(w.dx[i]!, a.dx[i]!, 2 * GRAD_REL, 2 * ABS), `${spec.id} ${JSON.stringify(params)} dx(${xs[i]}): wasm ${w.dx[i]}, js ${a.dx[i]}`);
      }
    }
  }
});

test('the two backends agree on the leaky rows for every kind of slope, where each input sits in an array', async () => {
  // The wasm kernels take one loop for slopes in (0, 1] and another for the rest (0, above 1,
  // negative); the specials sit at every offset of a block of 16 and in the tail.
  const js = await backendInstance('js');
  const wasm = await backendInstance('wasm');
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 2 ** -126, -(2 ** -126), 3.4e38, -3.4e38, 1, -1, 0.5, -2];
  const xs = Float32Array.from({ length: 16 * specials.length + 3 }, (_, i) => specials[(i + (i >> 4)) % specials.length]!);
  const dy = Float32Array.from(xs, (_, i) => [1, -0.5, Infinity, -Infinity, NaN, 3][i % 6]!);
  const cases: Array<[string, Record<string, number>]> = [
    ['leaky_relu', { alpha: 0.01 }], ['leaky_relu', { alpha: 1 }], ['leaky_relu', { alpha: 2 ** -149 }], ['leaky_relu', { alpha: 0 }],
    ['leaky_relu', { alpha: 1.5 }], ['leaky_relu', { alpha: -0.5 }], ['prelu', { alpha: 0.25 }], ['rrelu', { lower: 0.5, upper: 2 }],
  ];
  for (const [id, given] of cases) {
    const spec = getSpec(id);
    const call = kernelOf(spec, resolveParams(spec, given));
    const run = (b: typeof js) => {
      const [x, g, y, dx] = [0, 1, 2, 3].map(() => b.allocate(xs.length, 'float32'));
      x!.f32().set(xs);
      g!.f32().set(dy);
      b.unary(call, x!, y!);
      b.unaryGrad(call, x!, g!, dx!);
      const out = { y: y!.f32().slice(), dx: dx!.f32().slice() };
      for (const s of [x!, g!, y!, dx!]) b.release(s);
      return out;
    };
    const a = run(js);
    const w = run(wasm);
    for (let i = 0; i < xs.length; i++) {
      const where = `${id} ${JSON.stringify(given)} at ${xs[i]} (index ${i}), dy ${dy[i]}`;
      assert.ok(close(w.y[i]!, a.y[i]!, 2 * VALUE_REL, 2 * ABS), `f ${where}: wasm ${w.y[i]}, js ${a.y[i]}`);
      if (a.y[i] === 0) assert.ok(Object.is(w.y[i], a.y[i]), `sign of zero, f ${where}: wasm ${w.y[i]}, js ${a.y[i]}`);
      assert.ok(close(w.dx[i]!, a.dx[i]!, 2 * GRAD_REL, 2 * ABS), `dx ${where}: wasm ${w.dx[i]}, js ${a.dx[i]}`);
    }
  }
});

test('backwardFromOutput gives what backward gives, for every activation whose derivative reads y', () => {
  const x = Float32Array.from({ length: 257 }, (_, i) => (i - 128) / 16);
  const dy = Float32Array.from(x, (_, i) => 1 + (i % 5) / 4);
  for (const spec of allSpecs()) {
    const act = getActivation(spec.id);
    if (spec.backwardFrom !== 'y') {
      assert.throws(() => act.backwardFromOutput(x, dy), /cannot be read from its output; use backward\(x, dy\)/);
      continue;
    }
    const fromX = act.backward(x, dy);
    const fromY = act.backwardFromOutput(act.forward(x), dy);
    for (let i = 0; i < x.length; i++) {
      assert.ok(close(fromY[i]!, fromX[i]!, GRAD_REL, 1e-6), `${spec.id} at ${x[i]}: from y ${fromY[i]}, from x ${fromX[i]}`);
    }
  }
});
