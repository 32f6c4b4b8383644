/**
 * The table itself: invariants every row must keep, conventions users check (PyTorch defaults and kink
 * values, torch gains), and the errors of the lookup API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SELU_ALPHA,
  SELU_LAMBDA,
  activationIds,
  getActivation,
  getSpec,
  listActivations,
  maxAbsDerivative,
  resolveParams,
} from 'rectifier';
import { parameterSets } from './helpers/activations.js';

const REQUIRED_IDS = [
  'relu', 'relu6', 'leaky_relu', 'prelu', 'rrelu', 'elu', 'selu', 'celu', 'gelu', 'gelu_tanh', 'silu', 'mish',
  'softplus', 'sigmoid', 'tanh', 'hard_sigmoid', 'hard_swish', 'softsign', 'thresholded_relu', 'linear',
];

test('the table holds exactly the family, in snake_case, each with documentation', () => {
  assert.deepEqual([...activationIds()].sort(), [...REQUIRED_IDS].sort());
  for (const spec of listActivations()) {
    assert.match(spec.id, /^[a-z][a-z0-9_]*$/, spec.id);
    assert.ok(spec.summary.length > 20, `${spec.id} summary`);
    assert.ok(spec.latex.length > 0, `${spec.id} latex`);
    assert.match(spec.paper, /^https?:\/\//, `${spec.id} paper`);
    assert.ok(spec.onnx.description.length > 0 && typeof spec.onnx.write === 'function', `${spec.id} onnx`);
    assert.ok(spec.plotRange[0] < spec.plotRange[1], `${spec.id} plotRange`);
    assert.equal(spec.backwardFrom === 'y', typeof spec.dfFromY === 'function', `${spec.id}: dfFromY present exactly when backward reads y`);
  }
});

test('defaults follow PyTorch', () => {
  const defaults = (id: string) => resolveParams(getSpec(id));
  assert.equal(defaults('leaky_relu').alpha, 0.01);
  assert.equal(defaults('prelu').alpha, 0.25);
  assert.deepEqual({ ...defaults('rrelu') }, { lower: 1 / 8, upper: 1 / 3 });
  assert.equal(defaults('elu').alpha, 1);
  assert.equal(defaults('celu').alpha, 1);
  assert.deepEqual({ ...defaults('softplus') }, { beta: 1, threshold: 20 });
  assert.equal(defaults('thresholded_relu').theta, 1);
  assert.equal(SELU_LAMBDA, 1.0507009873554805);
  assert.equal(SELU_ALPHA, 1.6732632423543772);
  // hard_sigmoid is x/6 + 1/2 (PyTorch), not Keras's 0.2x + 0.5
  assert.equal(getSpec('hard_sigmoid').f(1.5, {}), 0.75);
});

test('aliases resolve to their rows', () => {
  assert.equal(getSpec('swish').id, 'silu');
  assert.equal(getSpec('hardswish').id, 'hard_swish');
  assert.equal(getSpec('Leaky-ReLU'.toLowerCase()).id, 'leaky_relu');
  assert.equal(getActivation('swish').spec.id, 'silu');
});

test('gains are those of torch.nn.init.calculate_gain where it defines one', () => {
  const gain = (id: string, p = {}) => getSpec(id).gain(resolveParams(getSpec(id), p));
  assert.equal(gain('relu'), Math.SQRT2);
  assert.equal(gain('linear'), 1);
  assert.equal(gain('sigmoid'), 1);
  assert.equal(gain('tanh'), 5 / 3);
  assert.equal(gain('selu'), 3 / 4);
  assert.ok(Math.abs(gain('leaky_relu') - Math.sqrt(2 / (1 + 0.01 ** 2))) < 1e-15);
  assert.ok(Math.abs(gain('leaky_relu', { alpha: 0.2 }) - Math.sqrt(2 / 1.04)) < 1e-15);
});

test('default initialisation follows the activation: He for the ReLU family, Glorot for sigmoid/tanh, LeCun for SELU', () => {
  assert.equal(getSpec('relu').defaultInit, 'he');
  assert.equal(getSpec('leaky_relu').defaultInit, 'he');
  assert.equal(getSpec('sigmoid').defaultInit, 'glorot');
  assert.equal(getSpec('tanh').defaultInit, 'glorot');
  assert.equal(getSpec('selu').defaultInit, 'lecun');
});

test("each kink's stated derivative is what the reference df gives there, and PyTorch's value", () => {
  // PyTorch's values at the kinks, written out independently of the table.
  const expected: Record<string, Array<[number, number]>> = {
    relu: [[0, 0]],
    relu6: [[0, 0], [6, 0]],
    leaky_relu: [[0, 0.01]],
    prelu: [[0, 0.25]],
    rrelu: [[0, (1 / 8 + 1 / 3) / 2]],
    elu: [[0, 1]],
    selu: [[0, SELU_LAMBDA * SELU_ALPHA]],
    hard_sigmoid: [[-3, 0], [3, 0]],
    hard_swish: [[-3, -0.5], [3, 1.5]],
    thresholded_relu: [[1, 0]],
  };
  for (const spec of listActivations()) {
    for (const params of parameterSets(spec)) {
      for (const k of spec.kinks) {
        const x = k.x(params);
        assert.equal(spec.df(x, params), k.derivative(params), `${spec.id} at ${x}`);
      }
    }
    const want = expected[spec.id];
    if (want) {
      const p = resolveParams(spec);
      assert.deepEqual(spec.kinks.map((k) => [k.x(p), k.derivative(p)]), want, spec.id);
    }
  }
});

test('dfFromY agrees with df wherever the backward reads y', () => {
  for (const spec of listActivations()) {
    if (!spec.dfFromY) continue;
    for (const params of parameterSets(spec)) {
      for (let x = -9; x <= 9; x += 0.125) {
        const y = Math.fround(spec.f(x, params));
        const a = spec.df(x, params);
        const b = spec.dfFromY(y, params);
        assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)), `${spec.id}: df(${x}) = ${a}, dfFromY(${y}) = ${b}`);
      }
    }
  }
});

test('saturation thresholds come from the largest derivative', () => {
  assert.ok(Math.abs(maxAbsDerivative(getSpec('sigmoid')) - 0.25) < 1e-9);
  assert.ok(Math.abs(maxAbsDerivative(getSpec('tanh')) - 1) < 1e-9);
  assert.equal(maxAbsDerivative(getSpec('hard_sigmoid')), 1 / 6);
});

test('an unknown id lists the valid ids and the nearest match', () => {
  assert.throws(() => getActivation('rleu'), (e: Error) => {
    assert.match(e.message, /unknown activation "rleu"/);
    assert.match(e.message, /did you mean "relu"\?/);
    for (const id of REQUIRED_IDS) assert.ok(e.message.includes(id), `lists ${id}`);
    return true;
  });
  assert.throws(() => getActivation('gelu_tahn'), /did you mean "gelu_tanh"/);
  assert.throws(() => getActivation(42 as unknown as string), /activation id must be a string, got 42/);
});

test('an invalid parameter names the parameter, the value and the rule; nothing is clamped', () => {
  assert.throws(() => getActivation('leaky_relu', { alpha: NaN }), /leaky_relu: parameter alpha must be a finite number, got NaN/);
  assert.throws(() => getActivation('rrelu', { lower: 0.5, upper: 0.1 }), /rrelu: lower \(0.5\) must be <= upper \(0.1\)/);
  assert.throws(() => getActivation('softplus', { threshold: -1 }), /softplus: parameter threshold must be a finite number >= 0, got -1/);
  assert.throws(() => getActivation('softplus', { beta: 0 }), /parameter beta must be a finite number > 0, got 0/);
  assert.throws(() => getActivation('celu', { alpha: 0 }), /celu: parameter alpha must be a finite number other than 0, got 0/);
  assert.throws(() => getActivation('thresholded_relu', { theta: -0.5 }), /theta must be a finite number >= 0, got -0.5/);
  assert.throws(() => getActivation('elu', { alpha: Infinity }), /alpha must be a finite number, got Infinity/);
  assert.throws(() => getActivation('relu', { alpha: 0.1 }), /relu: unknown parameter "alpha" \(its parameters: none\)/);
  assert.throws(() => getActivation('elu', { alfa: 0.1 }), /elu: unknown parameter "alfa" \(its parameters: alpha\)/);
  assert.throws(() => getActivation('elu', { alpha: '1' as unknown as number }), /alpha must be a finite number, got "1"/);
});

test('mismatched lengths of x, dy and out name both lengths', () => {
  const relu = getActivation('relu');
  assert.throws(() => relu.forward(new Float32Array(4), new Float32Array(3)), /relu.forward: x has 4 elements but out has 3/);
  assert.throws(() => relu.backward(new Float32Array(4), new Float32Array(5)), /relu.backward: x has 4 elements but dy has 5/);
  assert.throws(() => relu.backward(new Float32Array(4), new Float32Array(4), new Float32Array(2)), /x has 4 elements but out has 2/);
  assert.throws(() => relu.forward([1, 2] as unknown as Float32Array), /x must be a Float32Array or a Tensor, got \[1, 2\]/);
  assert.throws(() => relu.forward(new Float64Array(2) as unknown as Float32Array), /got a Float64Array of length 2/);
});
