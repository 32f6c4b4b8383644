import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Layer, Rng, Tensor, addingProblem, assertGradients, backendInstance, getBackend, initialize, layers, loadModelFromBytes, ops, optimizers, sequential,
  tensor, tidy, getActivation, noGrad,
} from 'rectifier';
import { encodeModel } from '../src/nn/model/encode.js';

const rng = new Rng(11);
function rand(shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape);
}
function weighted(y: Tensor): Tensor {
  const r = new Rng(3);
  return ops.sum(ops.mul(y, tensor(Float32Array.from({ length: y.size }, () => r.uniform(-1.5, 1.5)), y.shape)));
}
/** Gradient check (central differences, float64 quotients) of a layer's output for its input and every weight. */
function checkLayer(layer: Layer, inputShape: number[], batch: number, options: { x?: Tensor; maxPerInput?: number; weightsOnly?: boolean } = {}): void {
  const model = sequential({ inputShape, layers: [layer], seed: 2 });
  const x = options.x ?? rand([batch, ...inputShape]);
  const weights = layer.parameters().map((p) => p.value);
  if (options.weightsOnly) {
    assertGradients(() => weighted(layer.forward(x, { training: true, rng: new Rng(5) })), weights, { maxPerInput: options.maxPerInput ?? 40 });
  } else {
    assertGradients((x) => weighted(layer.forward(x, { training: true, rng: new Rng(5) })), [x, ...weights], { maxPerInput: options.maxPerInput ?? 40 });
  }
  model.dispose();
}

test('simpleRnn: gradients through time for input, kernel, recurrent kernel and bias, for activations read from y and from x', () => {
  for (const activation of ['tanh', 'relu', 'sigmoid', 'elu', 'gelu', 'linear', { id: 'leaky_relu', params: { alpha: 0.1 } }]) {
    checkLayer(layers.simpleRnn({ units: 4, activation }), [6, 3], 3);
    checkLayer(layers.simpleRnn({ units: 3, activation, returnSequences: true }), [5, 2], 2);
  }
  checkLayer(layers.simpleRnn({ units: 3, useBias: false, recurrentInitializer: 'identity', activation: 'relu' }), [4, 2], 2);
});

test('lstm and gru: gradients for every weight, tanh and relu cells, last state and every state; unit counts on and off the 4-lane kernels', () => {
  for (const units of [3, 4, 8]) {
    checkLayer(layers.lstm({ units }), [5, 3], 3);
    checkLayer(layers.lstm({ units, activation: 'relu', returnSequences: true }), [4, 2], 2);
    checkLayer(layers.gru({ units }), [5, 3], 3);
    checkLayer(layers.gru({ units, activation: 'relu', returnSequences: true }), [4, 2], 2);
  }
  checkLayer(layers.lstm({ units: 3, recurrentActivation: 'hard_sigmoid', unitForgetBias: false }), [4, 2], 2);
  checkLayer(layers.gru({ units: 4, useBias: false }), [3, 2], 2);
});

/** float64 references of the three cells, written from their equations. */
function reference(kind: 'rnn' | 'lstm' | 'gru', layer: Layer, x: Float32Array, batch: number, steps: number, features: number, units: number): Float64Array {
  const w = layer.weights().map((p) => Float64Array.from(p.value.data));
  const [k, r, b, rb] = w as [Float64Array, Float64Array, Float64Array | undefined, Float64Array | undefined];
  const G = kind === 'rnn' ? 1 : kind === 'lstm' ? 4 : 3;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const out = new Float64Array(batch * units);
  for (let s = 0; s < batch; s++) {
    let h = new Float64Array(units);
    let c = new Float64Array(units);
    for (let t = 0; t < steps; t++) {
      const xp = new Float64Array(G * units);
      const hp = new Float64Array(G * units);
      for (let j = 0; j < G * units; j++) {
        let a = b ? b[j]! : 0;
        for (let f = 0; f < features; f++) a += x[(s * steps + t) * features + f]! * k[f * G * units + j]!;
        xp[j] = a;
        let q = rb ? rb[j]! : 0;
        for (let i = 0; i < units; i++) q += h[i]! * r[i * G * units + j]!;
        hp[j] = q;
      }
      const next = new Float64Array(units);
      for (let u = 0; u < units; u++) {
        if (kind === 'rnn') next[u] = Math.tanh(xp[u]! + hp[u]!);
        else if (kind === 'lstm') {
          const [i, f, g, o] = [0, 1, 2, 3].map((q) => xp[q * units + u]! + hp[q * units + u]!) as [number, number, number, number];
          c[u] = sig(f) * c[u]! + sig(i) * Math.tanh(g);
          next[u] = sig(o) * Math.tanh(c[u]!);
        } else {
          const z = sig(xp[u]! + hp[u]!);
          const rr = sig(xp[units + u]! + hp[units + u]!);
          const n = Math.tanh(xp[2 * units + u]! + rr * hp[2 * units + u]!);
          next[u] = (1 - z) * n + z * h[u]!;
        }
      }
      h = next;
      c = kind === 'lstm' ? c : c;
    }
    out.set(h, s * units);
  }
  return out;
}

test('the three cells agree with float64 references of their equations (Keras/PyTorch semantics), on both backends', async () => {
  const original = getBackend();
  for (const name of ['js', 'wasm'] as const) {
    try {
      await backendInstance(name);
    } catch {
      continue;
    }
    const { setBackend } = await import('rectifier');
    await setBackend(name);
    for (const kind of ['rnn', 'lstm', 'gru'] as const) {
      const layer = kind === 'rnn' ? layers.simpleRnn({ units: 8 }) : kind === 'lstm' ? layers.lstm({ units: 8 }) : layers.gru({ units: 8 });
      const model = sequential({ inputShape: [7, 3], layers: [layer], seed: 4 });
      const x = rand([5, 7, 3]);
      const y = noGrad(() => model.predict(x));
      const want = reference(kind, layer, x.data as Float32Array, 5, 7, 3, 8);
      const got = y.data;
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 2e-5, `${name} ${kind}[${i}]: ${got[i]} vs ${want[i]}`);
      model.dispose();
      x.dispose();
      y.dispose();
    }
  }
  const { setBackend } = await import('rectifier');
  await setBackend(original);
});

test('masks: padded steps carry the state, so a padded sequence ends where the short one does; no gradient from padding', () => {
  for (const make of [
    () => layers.simpleRnn({ units: 4, activation: 'relu', maskValue: 0 }),
    () => layers.lstm({ units: 4, maskValue: 0 }),
    () => layers.gru({ units: 4, maskValue: 0 }),
  ]) {
    const short = make();
    const long = make();
    const m1 = sequential({ inputShape: [3, 2], layers: [short], seed: 9 });
    const m2 = sequential({ inputShape: [5, 2], layers: [long], seed: 9 });
    const values = [0.5, -1, 1, 0.25, -0.5, 2];
    const a = m1.predict(tensor(values, [1, 3, 2])).toArray();
    const b = m2.predict(tensor([...values, 0, 0, 0, 0], [1, 5, 2])).toArray();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6, `padded ${b[i]} vs short ${v}`));
    // Padding in the middle of one sample, a full second sample: the weights' gradients still check (the
    // input's cannot: moving a padded value off maskValue unmasks its step, a jump the tape rightly ignores).
    const x = tensor([0.3, -0.7, 0, 0, 1.1, 0.4, 0, 0, -0.2, 0.9, 0.5, 0.5, -1, 0.3, 0.8, -0.6, 0.1, 0.2, 0.7, -0.4], [2, 5, 2]);
    checkLayer(make(), [5, 2], 2, { x, weightsOnly: true });
    const layer = make();
    const m = sequential({ inputShape: [5, 2], layers: [layer], seed: 9 });
    const xi = tensor(x.data as Float32Array, x.shape);
    xi.requiresGrad = true;
    tidy(() => weighted(layer.forward(xi, { training: true, rng: new Rng(1) })).backward());
    const g = xi.grad!.toArray();
    assert.deepEqual([g[2], g[3], g[6], g[7]], [0, 0, 0, 0], 'padded steps get no gradient');
    assert.ok(g.slice(10).some((v) => v !== 0));
    m.dispose();
    m1.dispose();
    m2.dispose();
  }
});

test('truncated BPTT: the recurrent gradient stops at the chunk boundary; truncate ≥ T is full BPTT', () => {
  const x = rand([2, 8, 2]);
  const grads = (truncate: number): number[] => {
    const layer = layers.simpleRnn({ units: 3, truncate });
    const model = sequential({ inputShape: [8, 2], layers: [layer], seed: 3 });
    const xi = tensor(x.data as Float32Array, x.shape);
    xi.requiresGrad = true;
    tidy(() => weighted(layer.forward(xi, { training: true, rng: new Rng(1) })).backward());
    const g = xi.grad!.toArray();
    model.dispose();
    return g;
  };
  const full = grads(0);
  assert.deepEqual(grads(8), full);
  const cut = grads(4);
  // x at steps 0–3 (features 0–1 of each) reaches the last state only through the cut recurrence.
  for (let s = 0; s < 2; s++) for (let t = 0; t < 8; t++) for (let f = 0; f < 2; f++) {
    const i = (s * 8 + t) * 2 + f;
    if (t < 4) assert.equal(cut[i], 0, `step ${t} gets no gradient`);
    else assert.ok(Math.abs(cut[i]! - full[i]!) < 1e-6, `step ${t}: ${cut[i]} vs ${full[i]}`);
  }
  assert.ok(full.slice(0, 8).some((v) => v !== 0));
});

test('embedding and timeDistributed: gradients, padding id 0 stays zero and untrained, shapes', () => {
  {
    const plain = layers.embedding({ inputDim: 6, outputDim: 3 });
    const m = sequential({ inputShape: [4], layers: [plain, layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'tanh' }) })], seed: 1 });
    const ids = tensor([1, 0, 5, 2, 3, 3, 0, 4], [2, 4]);
    assertGradients(() => weighted(m.forward(ids, { training: true })), m.parameters().map((p) => p.value));
    m.dispose();
  }
  const emb = layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true });
  const model = sequential({ inputShape: [4], layers: [emb, layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'tanh' }) })], seed: 1 });
  assert.deepEqual(model.outputShape, [4, 2]);
  const ids = tensor([1, 0, 5, 2, 3, 3, 0, 4], [2, 4]);
  assert.deepEqual(emb.embeddings.value.toArray().slice(0, 3), [0, 0, 0]);
  tidy(() => weighted(model.forward(ids, { training: true })).backward());
  assert.deepEqual(emb.embeddings.grad!.toArray().slice(0, 3), [0, 0, 0]);
  assert.throws(() => model.predict(tensor([1, 2, 9, 0], [1, 4])), /ids must be integers in \[0, 5\]/);
  checkLayer(layers.timeDistributed({ layer: layers.dense({ units: 3, activation: 'relu' }) }), [4, 2], 2);
  model.dispose();
});

test('initializers: identity with gain, orthogonal columns (Saxe et al.), normal and uniform with their parameters', () => {
  const id = initialize({ id: 'identity', gain: 0.5 }, [3, 3]);
  assert.deepEqual(Array.from(id), [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5]);
  for (const [rows, cols] of [[16, 16], [20, 8], [4, 12]] as const) {
    const q = initialize({ id: 'orthogonal', gain: 2 }, [rows, cols], { seed: 3 });
    const tall = rows >= cols;
    const n = tall ? cols : rows;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
      let d = 0;
      for (let i = 0; i < (tall ? rows : cols); i++) d += tall ? q[i * cols + a]! * q[i * cols + b]! : q[a * cols + i]! * q[b * cols + i]!;
      assert.ok(Math.abs(d - (a === b ? 4 : 0)) < 1e-4, `QᵀQ[${a},${b}] = ${d}`);
    }
  }
  const normal = initialize({ id: 'normal', mean: 1, stddev: 0.001 }, [100, 100], { seed: 1 });
  const mean = normal.reduce((a, b) => a + b, 0) / normal.length;
  const sd = Math.sqrt(normal.reduce((a, b) => a + (b - mean) ** 2, 0) / normal.length);
  assert.ok(Math.abs(mean - 1) < 1e-4 && Math.abs(sd - 0.001) < 5e-5, `normal: mean ${mean}, sd ${sd}`);
  const uniform = initialize({ id: 'uniform', min: 2, max: 3 }, [1000], { seed: 1 });
  assert.ok(uniform.every((v) => v >= 2 && v <= 3) && Math.max(...uniform) > 2.99 && Math.min(...uniform) < 2.01);
  assert.throws(() => initialize({ id: 'uniform', min: 1, max: 0 }, [3]), /min must be <= max/);
  // The IRNN: identity recurrent kernel; the LSTM's forget gate starts at 1.
  const irnn = layers.simpleRnn({ units: 3, activation: 'relu', recurrentInitializer: 'identity' });
  const lstm = layers.lstm({ units: 2 });
  sequential({ inputShape: [2, 2], layers: [irnn], seed: 1 });
  sequential({ inputShape: [2, 2], layers: [lstm], seed: 1 });
  assert.deepEqual(irnn.recurrentKernel.value.toArray(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(lstm.bias!.value.toArray(), [0, 0, 1, 1, 0, 0, 0, 0]);
});

test('bad options and inputs fail at the edge, naming what was expected', () => {
  assert.throws(() => layers.simpleRnn({ units: 0 }), /units must be a positive integer, got 0/);
  assert.throws(() => layers.lstm({ units: 2, truncate: -1 }), /truncate must be an integer >= 0/);
  assert.throws(() => layers.simpleRnn({ units: 2, activation: 'rrelu' }), /cannot run inside a recurrence/);
  assert.throws(() => layers.gru({ units: 2, recurrentInitializer: 'identiy' as never }), /unknown initializer "identiy"/);
  assert.throws(() => sequential({ inputShape: [4], layers: [layers.simpleRnn({ units: 2 })] }), /\[time, features\]/);
  assert.throws(() => ops.simpleRnn(rand([2, 3]), rand([3, 2]), rand([2, 2]), null, getActivation('relu')), /x must be \[batch, time, features\]/);
});

test('save and load: recurrent models come back with the same outputs', () => {
  for (const make of [
    () => [layers.simpleRnn({ units: 5, activation: 'relu', recurrentInitializer: 'identity', returnSequences: true }), layers.lstm({ units: 4 }), layers.dense({ units: 2 })],
    () => [layers.gru({ units: 4, returnSequences: true }), layers.timeDistributed({ layer: layers.dense({ units: 3 }) })],
  ]) {
    const model = sequential({ inputShape: [6, 3], layers: make(), seed: 5 });
    model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: 'mse' });
    const x = rand([2, 6, 3]);
    const before = model.predict(x).toArray();
    const loaded = loadModelFromBytes(encodeModel(model));
    assert.deepEqual(loaded.predict(x).toArray(), before);
    assert.deepEqual(loaded.toJSON(), model.toJSON());
    model.dispose();
    loaded.dispose();
  }
});

test('integration: an IRNN learns the adding problem at T = 10 (test MSE far below the 1/6 of predicting the mean)', async () => {
  const { train, test: held } = addingProblem({ steps: 10, trainSize: 2000, testSize: 300, seed: 1 });
  const model = sequential({
    inputShape: [10, 2], seed: 1,
    layers: [layers.simpleRnn({ units: 32, activation: 'relu', recurrentInitializer: 'identity', kernelInitializer: { id: 'normal', stddev: 0.001 } }), layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.003, clipNorm: 1 }), loss: 'mse' });
  const before = model.evaluate(held.x, held.targets).loss;
  await model.fit(train.x, train.targets, { epochs: 15, batchSize: 32 });
  const after = model.evaluate(held.x, held.targets).loss;
  assert.ok(before > 0.1, `before training ${before}`);
  assert.ok(after < 0.02, `IRNN test MSE after training: ${after} (baseline 1/6)`);
  model.dispose();
});

test('bidirectional: gradients of both directions, the backward run reads the sequence reversed, save and load', () => {
  for (const make of [() => layers.simpleRnn({ units: 3, activation: 'relu' }), () => layers.lstm({ units: 4, returnSequences: true }), () => layers.gru({ units: 4 })]) {
    checkLayer(layers.bidirectional({ layer: make() }), [5, 2], 2);
  }
  const bi = layers.bidirectional({ layer: layers.simpleRnn({ units: 3, activation: 'tanh', returnSequences: true }) });
  const model = sequential({ inputShape: [4, 2], layers: [bi, layers.timeDistributed({ layer: layers.dense({ units: 1 }) })], seed: 6 });
  assert.deepEqual(bi.outputShape, [4, 6]);
  assert.deepEqual(bi.weights().map((p) => p.name), ['forward_kernel', 'forward_recurrent_kernel', 'forward_bias', 'backward_kernel', 'backward_recurrent_kernel', 'backward_bias']);
  // Step 0 of the backward half has seen the whole sequence: changing the last step moves it.
  const x = rand([1, 4, 2]);
  const before = bi.forward(x, { training: false, rng: new Rng(1) }).toArray();
  const x2 = tensor(Float32Array.from(x.data as Float32Array, (v, i) => (i >= 6 ? v + 1 : v)), [1, 4, 2]);
  const after = bi.forward(x2, { training: false, rng: new Rng(1) }).toArray();
  assert.deepEqual(after.slice(0, 3), before.slice(0, 3), 'the forward half at step 0 ignores the future');
  assert.notDeepEqual(after.slice(3, 6), before.slice(3, 6), 'the backward half at step 0 sees step 3');
  const loaded = loadModelFromBytes(encodeModel(model));
  assert.deepEqual(loaded.predict(x).toArray(), model.predict(x).toArray());
  assert.throws(() => layers.bidirectional({ layer: layers.dense({ units: 2 }) }), /must be a recurrent layer/);
  model.dispose();
  loaded.dispose();
});
