import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, advise, inspect, layers, monitor, optimizers, recurrentGradients, sequential, type EpochHealth } from 'rectifier';

function sequences(n: number, steps: number, features: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * steps * features }, () => r.normal());
}

test('inspect: a ReLU RNN reports its hidden state step by step; a born-dead one is dead at every step', () => {
  const steps = 6;
  const x = sequences(40, steps, 3, 1);
  const healthy = sequential({ inputShape: [steps, 3], seed: 1, layers: [layers.simpleRnn({ units: 8, activation: 'relu' }), layers.dense({ units: 1 })] });
  const [rnn] = inspect(healthy, x);
  assert.equal(rnn!.className, 'SimpleRNN');
  const time = rnn!.time!;
  assert.equal(time.steps, steps);
  assert.equal(time.samples, 40);
  assert.equal(time.sparsity.length, steps);
  assert.ok(time.sparsity.every((s) => s > 0 && s < 1), `sparsity per step ${time.sparsity}`);
  assert.equal(time.gradNorm, null);
  const dead = sequential({
    inputShape: [steps, 3], seed: 1,
    layers: [layers.simpleRnn({ units: 8, activation: 'relu', biasInitializer: { id: 'constant', value: -100 } }), layers.dense({ units: 1 })],
  });
  const [d] = inspect(dead, x);
  assert.deepEqual(d!.time!.sparsity, Array(steps).fill(1));
  assert.deepEqual(d!.time!.deadFraction, Array(steps).fill(1));
  assert.equal(d!.time!.deadUnits, 8);
  // Other layers carry no time report, and the probe is detached after inspect.
  assert.equal(inspect(dead, x)[1]!.time, undefined);
  healthy.dispose();
  dead.dispose();
});

test('fit monitor: the gradient per time step; advise flags it vanishing through a tanh RNN and exploding through a ReLU RNN with a large identity', async () => {
  const steps = 30;
  const x = sequences(64, steps, 2, 2);
  const y = Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -1));
  const run = async (rnn: ReturnType<typeof layers.simpleRnn>, lr: number) => {
    const model = sequential({ inputShape: [steps, 2], seed: 3, layers: [rnn, layers.dense({ units: 1 })] });
    model.compile({ optimizer: optimizers.sgd({ learningRate: lr }), loss: 'mse' });
    const m = monitor({ every: 1, probeAtInit: 0 });
    // One step: the gradient of the initial weights is what is looked at.
    await model.fit(x, y, { epochs: 1, batchSize: 64, callbacks: [m] });
    model.dispose();
    return m;
  };
  const vanishing = await run(layers.simpleRnn({ units: 8, activation: 'tanh', recurrentInitializer: { id: 'normal', stddev: 0.05 } }), 1e-3);
  const g = vanishing.epochs[0]!.layers[0]!.time!.gradNorm!;
  assert.equal(g.length, steps);
  assert.ok(g[0]! < 1e-3 * g[steps - 1]!, `first ${g[0]} vs last ${g[steps - 1]}`);
  const v = vanishing.findings().find((f) => f.rule === 'recurrent-gradients');
  assert.equal(v?.severity, 'warning');
  assert.match(v!.message, /vanishes back through time/);

  const exploding = await run(layers.simpleRnn({ units: 8, activation: 'relu', recurrentInitializer: { id: 'identity', gain: 1.6 }, biasInitializer: { id: 'constant', value: 0.5 } }), 1e-12);
  const e = exploding.findings().find((f) => f.rule === 'recurrent-gradients');
  assert.equal(e?.severity, 'error');
  assert.match(e!.message, /explodes back through time/);
  assert.ok(e!.numbers.ratio! > 1e3);
});

test('recurrent-gradients rule: the thresholds on hand-made epochs, and silence for layers without time', () => {
  const epoch = (gradNorm: number[] | null): EpochHealth => ({
    epoch: 0, loss: 1, learningRate: 0.01, steps: 1, monitoredSteps: 1, gradientRatio: null, activationGradientRatio: null, maxAbsActivation: 1, nonFinite: 0, monitorMs: 0,
    layers: [{ name: 'simple_rnn_1', time: gradNorm ? { steps: gradNorm.length, samples: 1, sparsity: [], deadFraction: [], deadUnits: 0, meanAbs: [], gradNorm } : null } as never],
  });
  assert.equal(recurrentGradients.check({ epochs: [epoch([0.5, 0.8, 1])] }), null);
  assert.equal(recurrentGradients.check({ epochs: [epoch(null)] }), null);
  assert.equal(recurrentGradients.check({ epochs: [epoch([1e-4, 1e-2, 1])] })?.severity, 'warning');
  assert.equal(recurrentGradients.check({ epochs: [epoch([2e3, 10, 1])] })?.severity, 'error');
  assert.equal(recurrentGradients.check({ epochs: [epoch([NaN, 1, 1])] })?.severity, 'error');
  assert.ok(advise({ epochs: [epoch([1e-4, 1e-2, 1])] }).some((f) => f.rule === 'recurrent-gradients'));
});
