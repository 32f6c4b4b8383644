import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng, Tensor, activationIds, assertGradients, gradcheck, getSpec, memory, noGrad, ops, record, requireGrad, tensor, tidy, zeroGrad,
} from 'rectifier';

const rng = new Rng(42);
function rand(shape: number[], scale = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => offset + rng.normal() * scale), shape);
}
/** A scalar that weights every output differently, so a wrong gradient cannot cancel out. */
function weighted(y: Tensor, seed = 7): Tensor {
  const r = new Rng(seed);
  const w = tensor(Float32Array.from({ length: y.size }, () => r.uniform(0.5, 1.5) * (r.next() < 0.5 ? -1 : 1)), y.shape);
  return ops.sum(ops.mul(y, w));
}
/** Values at least `gap` away from every kink (0 for the ReLU family), so differences do not straddle one. */
function awayFromZero(shape: number[], gap = 0.05): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => { const v = rng.normal() * 1.5; return Math.abs(v) < gap ? (v < 0 ? -gap : gap) * 2 : v; }), shape);
}

test('add, sub, mul, div with equal shapes, a bias row and a scalar', () => {
  for (const op of [ops.add, ops.sub, ops.mul, ops.div]) {
    const a = rand([3, 4]);
    for (const bShape of [[3, 4], [4], [1]]) {
      const b = bShape.length === 1 && bShape[0] === 1 ? rand([1], 0.3, 2) : rand(bShape, 0.5, op === ops.div ? 3 : 0);
      assertGradients((a, b) => weighted(op(a, b)), [a, b]);
    }
  }
});

test('broadcasting rejects shapes that are not trailing axes, naming both', () => {
  assert.throws(() => ops.add(rand([3, 4]), rand([3])), /shapes \[3, 4\] and \[3\] do not broadcast/);
});

test('matmul and linear (bias + activation fused or kept) against central differences', () => {
  const x = rand([5, 3]);
  const w = rand([3, 4]);
  const b = rand([4]);
  assertGradients((x, w) => weighted(ops.matmul(x, w)), [x, w]);
  for (const act of ['relu', 'sigmoid', 'tanh', 'elu', 'gelu', 'leaky_relu', 'silu', 'linear']) {
    assertGradients((x, w, b) => weighted(ops.linear(x, w, b, act)), [x, w, b]);
  }
});

test('linear fused (inference) and unfused (training) forwards agree', () => {
  const x = rand([4, 3]);
  const w = rand([3, 2]);
  const b = rand([2]);
  for (const act of ['relu', 'elu', 'gelu']) {
    const fused = noGrad(() => ops.linear(x, w, b, act)).toArray();
    requireGrad(w);
    const kept = ops.linear(x, w, b, act).toArray();
    requireGrad(w, false);
    for (let i = 0; i < fused.length; i++) assert.ok(Math.abs(fused[i]! - kept[i]!) < 1e-6, `${act}: ${fused[i]} vs ${kept[i]}`);
  }
});

test('every activation of the table has a correct backward through activate()', () => {
  for (const id of activationIds()) {
    const spec = getSpec(id);
    // thresholded_relu and relu6 have kinks away from 0; keep inputs in (0.1, 0.9) and (-0.9, -0.1) when
    // the function is piecewise, and avoid its flat-kink points.
    const x = spec.piecewiseLinear || id.startsWith('hard') ? tensor(Float32Array.from([-0.7, -0.35, -0.15, 0.15, 0.35, 0.7, 0.55, -0.55]), [2, 4]) : awayFromZero([2, 4]);
    assertGradients((x) => weighted(ops.activate(x, id)), [x], { atol: 2e-3 });
  }
});

test('rrelu: training draws slopes in [lower, upper] and backward reuses them; inference uses the mean slope', () => {
  const x = awayFromZero([3, 5]);
  const slopesFrom = (y: number[], xs: number[]) => xs.map((v, i) => (v < 0 ? y[i]! / v : NaN)).filter((s) => !Number.isNaN(s));
  const train = ops.activate(x, 'rrelu', { training: true, rng: new Rng(1) }).toArray();
  for (const s of slopesFrom(train, x.toArray())) assert.ok(s >= 1 / 8 - 1e-6 && s <= 1 / 3 + 1e-6, `slope ${s}`);
  const infer = ops.activate(x, 'rrelu').toArray();
  for (const s of slopesFrom(infer, x.toArray())) assert.ok(Math.abs(s - (1 / 8 + 1 / 3) / 2) < 1e-6);
  assertGradients((x) => weighted(ops.activate(x, 'rrelu', { training: true, rng: new Rng(9) })), [x]);
  assertGradients((x) => weighted(ops.activate(x, 'rrelu')), [x]);
  assert.throws(() => ops.activate(x, 'rrelu', { training: true }), /needs options\.rng/);
});

test('prelu op: gradients for x and for per-channel and shared slopes', () => {
  const x = awayFromZero([4, 3]);
  assertGradients((x, s) => weighted(ops.prelu(x, s)), [x, tensor([0.25, 0.1, -0.2])]);
  assertGradients((x, s) => weighted(ops.prelu(x, s)), [x, tensor([0.3])]);
  assert.throws(() => ops.prelu(x, tensor([0.1, 0.2])), /one per channel \(3/);
});

test('sum and mean, all values and along each axis, and reshape', () => {
  const x = rand([2, 3, 4]);
  assertGradients((x) => weighted(ops.sum(x)), [x]);
  for (const axis of [0, 1, 2, -1]) {
    assertGradients((x) => weighted(ops.sum(x, axis)), [x]);
    assertGradients((x) => weighted(ops.mean(x, axis, true)), [x]);
  }
  assert.deepEqual(ops.mean(x, 1).shape, [2, 4]);
  assert.deepEqual(ops.mean(x, 1, true).shape, [2, 1, 4]);
  assertGradients((x) => weighted(ops.reshape(x, [4, -1])), [x]);
  assert.throws(() => ops.sum(x, 3), /axis must be an integer in \[-3, 2\]/);
  assert.throws(() => ops.reshape(x, [5, -1]), /cannot reshape/);
});

test('elementwise maths: exp, log, sqrt, rsqrt, square, reciprocal, neg, affine', () => {
  const pos = rand([6], 0.3, 1.5);
  const any = rand([6]);
  for (const f of [ops.log, ops.sqrt, ops.rsqrt, ops.reciprocal]) assertGradients((x) => weighted(f(x)), [pos]);
  for (const f of [ops.exp, ops.square, ops.neg, (t: Tensor) => ops.affine(t, -2.5, 0.3)]) assertGradients((x) => weighted(f(x)), [any]);
});

test('softmax cross-entropy with labels and one-hot targets: values, gradients, stability', () => {
  const logits = rand([4, 5], 2);
  const labels = tensor(Int32Array.from([0, 4, 2, 2]));
  const onehot = tensor(Float32Array.from({ length: 20 }, (_, i) => (Math.floor(i / 5) === [0, 4, 2, 2][i % 4] ? 0 : 0)), [4, 5]);
  const oh = onehot.storage.f32();
  [0, 4, 2, 2].forEach((c, r) => { oh[r * 5 + c] = 1; });
  const a = ops.softmaxCrossEntropyPerExample(logits, labels).toArray();
  const b = ops.softmaxCrossEntropyPerExample(logits, onehot).toArray();
  const z = logits.toArray();
  for (let r = 0; r < 4; r++) {
    const row = z.slice(r * 5, r * 5 + 5);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const want = lse - row[[0, 4, 2, 2][r]!]!;
    assert.ok(Math.abs(a[r]! - want) < 1e-5, `row ${r}: ${a[r]} vs ${want}`);
    assert.ok(Math.abs(b[r]! - want) < 1e-5);
  }
  assertGradients((l) => weighted(ops.softmaxCrossEntropyPerExample(l, labels)), [logits]);
  assertGradients((l) => weighted(ops.softmaxCrossEntropyPerExample(l, onehot)), [logits]);
  const huge = tensor([1000, -1000, 0, 500, 500, 500], [2, 3]);
  const l = ops.softmaxCrossEntropyPerExample(huge, tensor(Int32Array.from([1, 0]))).toArray();
  assert.ok(Math.abs(l[0]! - 2000) < 1e-3 && Math.abs(l[1]! - Math.log(3)) < 1e-5, `${l}`);
  assert.throws(() => ops.softmaxCrossEntropyPerExample(logits, tensor(Int32Array.from([0, 5, 1, 1]))), /label 5 at row 1 is out of range/);
});

test('binary cross-entropy from logits: values, gradients, no overflow', () => {
  const x = rand([3, 2], 2);
  const t = tensor([1, 0, 0.3, 1, 0, 0.5], [3, 2]);
  assertGradients((x) => weighted(ops.sigmoidCrossEntropyPerElement(x, t)), [x]);
  const v = ops.sigmoidCrossEntropyPerElement(tensor([100, -100, 0]), tensor([0, 0, 1])).toArray();
  assert.ok(Math.abs(v[0]! - 100) < 1e-4 && v[1]! < 1e-30 && Math.abs(v[2]! - Math.log(2)) < 1e-6, `${v}`);
});

test('dropout: zeroes about `rate` of values, scales the rest, and its gradient uses the same mask', () => {
  const x = tensor(new Float32Array(10000).fill(1), [100, 100]);
  const y = ops.dropout(x, 0.3, new Rng(3)).toArray();
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / 10000 - 0.3) < 0.02, `dropped ${zeros}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  const small = rand([4, 4]);
  assertGradients((x) => weighted(ops.dropout(x, 0.5, new Rng(11))), [small]);
});

test('conv2d (valid and same, strides), max and average pooling against central differences', () => {
  const x = rand([2, 5, 5, 2]);
  const f = rand([3, 3, 2, 3], 0.5);
  const b = rand([3]);
  for (const padding of ['valid', 'same'] as const) {
    for (const strides of [1, 2]) {
      assertGradients((x, f, b) => weighted(ops.conv2d(x, f, b, { strides, padding })), [x, f, b], { maxPerInput: 60 });
    }
  }
  // distinct values so no window has a tie at its maximum
  const distinct = tensor(Float32Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => ((i * 37) % 64) / 8 - 4), [2, 4, 4, 2]);
  assertGradients((x) => weighted(ops.maxPool2d(x, { poolSize: 2 })), [distinct]);
  assertGradients((x) => weighted(ops.maxPool2d(x, { poolSize: 3, strides: 1, padding: 'same' })), [distinct]);
  assertGradients((x) => weighted(ops.avgPool2d(x, { poolSize: 2, strides: 1 })), [distinct]);
  assertGradients((x) => weighted(ops.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' })), [distinct]);
});

test('conv2d with an activation: relu fused gives the bits of conv then relu, others against central differences', () => {
  // outC 4 takes the direct kernels on wasm (small patch), outC 3 im2col + GEMM.
  for (const outC of [4, 3]) {
    const x = rand([2, 6, 6, 2]);
    const f = rand([3, 3, 2, outC], 0.5);
    const b = rand([outC], 0.3);
    for (const padding of ['valid', 'same'] as const) {
      const run = (fused: boolean) => {
        const [xv, fv, bv] = [x, f, b].map((t) => requireGrad(tensor(t.toArray() as number[], t.shape)));
        const y = fused ? ops.conv2d(xv!, fv!, bv!, { padding, activation: 'relu' }) : ops.activate(ops.conv2d(xv!, fv!, bv!, { padding }), 'relu');
        const values = y.toArray();
        tidy(() => weighted(y).backward());
        return { values, grads: [xv!, fv!, bv!].map((t) => t.grad!.toArray()) };
      };
      const fused = run(true);
      const separate = run(false);
      assert.deepEqual(fused.values, separate.values, `relu values, outC ${outC} ${padding}`);
      assert.ok((fused.values as number[]).some((v) => v === 0) && (fused.values as number[]).some((v) => v > 0), 'both sides of the kink are exercised');
      assert.deepEqual(fused.grads, separate.grads, `relu gradients, outC ${outC} ${padding}`);
    }
    assertGradients((x, f, b) => weighted(ops.conv2d(x, f, b, { padding: 'same', activation: 'gelu' })), [x, f, b], { maxPerInput: 40 });
    assertGradients((x, f, b) => weighted(ops.conv2d(x, f, b, { strides: 2, activation: 'elu' })), [x, f, b], { maxPerInput: 40 });
  }
  // rrelu in training draws slopes: not fused, and needs its generator.
  const y = ops.conv2d(rand([1, 4, 4, 1]), rand([3, 3, 1, 4]), null, { activation: 'rrelu', training: true, rng: new Rng(3) });
  assert.deepEqual(y.shape, [1, 2, 2, 4]);
  assert.throws(() => ops.conv2d(rand([1, 4, 4, 1]), rand([3, 3, 1, 4]), null, { activation: 'rrelu', training: true }), /needs options.rng/);
  assert.throws(() => ops.conv2d(rand([1, 4, 4, 1]), rand([3, 3, 1, 4]), null, { activation: 'rleu' as never }), /relu/);
});

test('gradients accumulate across backward calls until zeroGrad', () => {
  const w = requireGrad(tensor([1, 2, 3]));
  const x = tensor([0.5, -1, 2]);
  tidy(() => ops.sum(ops.mul(w, x)).backward());
  assert.deepEqual(w.grad!.toArray(), [0.5, -1, 2]);
  tidy(() => ops.sum(ops.mul(w, x)).backward());
  assert.deepEqual(w.grad!.toArray(), [1, -2, 4]);
  zeroGrad([w]);
  assert.equal(w.grad, null);
  // a tensor used twice gets both contributions: d/dw Σ w·w = 2w
  tidy(() => ops.sum(ops.mul(w, w)).backward());
  assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
  zeroGrad([w]);
  // backward on a leaf itself seeds its own gradient
  const scalar = requireGrad(tensor([2]));
  scalar.backward();
  assert.deepEqual(scalar.grad!.toArray(), [1]);
  zeroGrad([scalar]);
  for (const t of [w, x, scalar]) t.dispose();
});

test('no graph without a parameter or inside noGrad; backward says why', () => {
  const w = requireGrad(tensor([1, 2]));
  const plain = tensor([3, 4]);
  const y1 = ops.mul(plain, plain);
  assert.equal(y1.requiresGrad, false);
  const y2 = noGrad(() => ops.mul(w, plain));
  assert.equal(y2.requiresGrad, false);
  assert.throws(() => ops.sum(y2).backward(), /does not require a gradient/);
  const y3 = ops.mul(w, plain);
  assert.equal(y3.requiresGrad, true);
  assert.throws(() => y3.backward(), /root must be a scalar/);
  for (const t of [w, plain, y1, y2, y3]) t.dispose();
});

test('a training step inside tidy leaves only the parameter gradients behind', () => {
  const w = requireGrad(rand([3, 4]));
  const b = requireGrad(rand([4]));
  const x = rand([8, 3]);
  const before = memory().numTensors;
  tidy(() => {
    const y = ops.linear(x, w, b, 'gelu');
    ops.mean(ops.square(y)).backward();
  });
  assert.equal(memory().numTensors, before + 2, 'two gradients (w and b) remain');
  zeroGrad([w, b]);
  assert.equal(memory().numTensors, before);
  for (const t of [w, b, x]) t.dispose();
});

test('gradcheck reports a wrong gradient', () => {
  const x = rand([4]);
  assert.equal(gradcheck((x) => ops.sum(ops.exp(x)), [x]).ok, true);
  // x² with the backward of x²/2: every value must be flagged
  const wrongSquare = (t: Tensor) => record('wrongSquare', noGrad(() => ops.square(t)), [t], (dy) => [noGrad(() => ops.mul(dy, t))]);
  const bad = gradcheck((x) => weighted(wrongSquare(x)), [awayFromZero([4], 0.3)]);
  assert.equal(bad.ok, false);
  assert.equal(bad.mismatches.length, 4);
  assert.throws(() => assertGradients((x) => weighted(wrongSquare(x)), [awayFromZero([4], 0.3)]), /gradient check failed at 4 of 4 values/);
  assert.throws(() => gradcheck((x) => ops.exp(x), [x]), /single value/);
});
