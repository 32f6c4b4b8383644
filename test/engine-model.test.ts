import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NonFiniteLossError, Rng, layers, noGrad, optimizers, sequential, softmaxCrossEntropy, tensor, tidy, type Sequential,
} from 'rectifier';

/** XOR-like quadrants: label 1 where x·y > 0, with a margin so the classes are separable. */
function quadrants(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    while (Math.abs(a) < 0.1 || Math.abs(b) < 0.1) [a, b] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x, y };
}

function mlp(seed: number, extra: Parameters<typeof sequential>[0]['layers'] = []): Sequential {
  return sequential({
    inputShape: [2],
    seed,
    layers: [layers.dense({ units: 16, activation: 'relu' }), ...extra, layers.dense({ units: 16, activation: 'tanh' }), layers.dense({ units: 2 })],
  });
}

test('a small model learns XOR-like quadrants to > 0.95 accuracy (fit, evaluate, predict)', async () => {
  const train = quadrants(400, 1);
  const val = quadrants(200, 2);
  const model = mlp(1);
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const history = await model.fit(train.x, train.y, { epochs: 40, batchSize: 32, validationData: [val.x, val.y] });
  assert.deepEqual(history.epoch, Array.from({ length: 40 }, (_, i) => i));
  assert.ok(history.history.loss[39]! < history.history.loss[0]! / 3, `loss ${history.history.loss[0]} → ${history.history.loss[39]}`);
  assert.ok(history.history.accuracy![39]! > 0.95);
  assert.ok(history.history.valAccuracy![39]! > 0.95, `val accuracy ${history.history.valAccuracy![39]}`);
  const ev = model.evaluate(val.x, val.y);
  assert.ok(Math.abs(ev.loss - history.history.valLoss![39]!) < 1e-9);
  const pred = model.predict(val.x, { batchSize: 7 });
  assert.deepEqual(pred.shape, [200, 2]);
  const p = pred.toArray();
  let correct = 0;
  for (let i = 0; i < 200; i++) if ((p[2 * i + 1]! > p[2 * i]! ? 1 : 0) === val.y[i]) correct++;
  assert.equal(correct / 200, ev.accuracy);
  // predict in batches equals one forward over everything
  const whole = noGrad(() => tidy(() => model.forward(tensor(val.x, [200, 2])).toArray()));
  assert.deepEqual(p, whole);
  const fromTensor = tensor(val.x, [200, 2]);
  const pred2 = model.predict(fromTensor, { batchSize: 64 });
  assert.deepEqual(pred2.toArray(), p);
  assert.throws(() => model.predict(tensor(new Float32Array(6), [2, 3])), /x must be a float32 tensor of shape \[samples, 2\], got float32 \[2, 3\]/);
  for (const t of [pred, pred2, fromTensor]) t.dispose();
  model.dispose();
});

test('a conv net learns horizontal versus vertical bars', async () => {
  const rng = new Rng(5);
  const n = 120;
  const x = new Float32Array(n * 36);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const vertical = i % 2;
    const k = rng.int(6);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) x[i * 36 + r * 6 + c] = ((vertical ? c : r) === k ? 1 : 0) + rng.normal(0, 0.1);
    y[i] = vertical;
  }
  const model = sequential({
    inputShape: [6, 6, 1],
    seed: 2,
    layers: [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.batchNorm(),
      layers.flatten(),
      layers.dense({ units: 2 }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const h = await model.fit(x, y, { epochs: 15, batchSize: 16 });
  assert.ok(h.history.accuracy!.at(-1)! > 0.95, `accuracy ${h.history.accuracy}`);
  assert.ok(model.evaluate(x, y).accuracy! > 0.95);
  model.dispose();
});

test('the same seed gives bit-identical weights after training with shuffling, dropout and rrelu', async () => {
  const data = quadrants(100, 3);
  const trainOnce = async (seed: number) => {
    const model = mlp(seed, [layers.dropout({ rate: 0.2 }), layers.rrelu(), layers.prelu()]);
    model.compile({ optimizer: optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'softmax_cross_entropy' });
    await model.fit(data.x, data.y, { epochs: 3, batchSize: 16 });
    const w = model.weights().map((p) => Array.from(new Uint32Array((p.value.data as Float32Array).buffer)));
    model.dispose();
    return w;
  };
  const a = await trainOnce(7);
  const b = await trainOnce(7);
  const c = await trainOnce(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('bad inputs give errors that say what to fix', async () => {
  const model = mlp(1);
  const { x, y } = quadrants(10, 4);
  assert.throws(() => model.trainStep(x, y), /call model\.compile\(\{ optimizer, loss \}\) before training/);
  model.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  await assert.rejects(model.fit(x, Int32Array.from([0, 1, 2, 0, 0, 0, 0, 0, 0, 0])), /label 2 at sample 2 is out of range; labels must be in \[0, 1\]/);
  await assert.rejects(model.fit(x, Int32Array.from([0, -1, 0, 0, 0, 0, 0, 0, 0, 0])), /label -1 at sample 1/);
  const withNaN = x.slice();
  withNaN[7] = NaN;
  await assert.rejects(model.fit(withNaN, y), /x holds NaN at sample 3, value 1; remove or impute/);
  const withInf = x.slice();
  withInf[0] = Infinity;
  await assert.rejects(model.fit(withInf, y), /x holds Infinity at sample 0/);
  await assert.rejects(model.fit(x, Float32Array.from(y)), /looks like class labels .* pass labels as an Int32Array/);
  await assert.rejects(model.fit(new Float32Array(0), new Int32Array(0)), /the dataset is empty/);
  await assert.rejects(model.fit(x, y, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  await assert.rejects(model.fit(x, y, { batchSize: -3 }), /batchSize must be a positive integer/);
  await assert.rejects(model.fit(x, y, { epochs: 1.5 }), /epochs must be a positive integer/);
  await assert.rejects(model.fit(x.subarray(0, 19), y), /x has 19 values, not a multiple of 2/);
  await assert.rejects(model.fit(x, y.subarray(0, 9)), /y has 9 labels but x has 10 samples/);
  await assert.rejects(model.fit(Int32Array.from([1, 2]) as never, y), /x must be a Tensor or a Float32Array/);
  await assert.rejects(model.fit(tensor(Int32Array.from([1, 2]), [1, 2]), y), /x must be float32, got an int32 tensor/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracy'] }), /accuracy needs a classification loss/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'hinge' as 'mse' }), /unknown loss "hinge"; expected one of softmax_cross_entropy, binary_cross_entropy, mse/);
  assert.throws(() => model.forward(tensor(new Float32Array(6), [2, 3])), /x must have shape \[batch, 2\], got \[2, 3\]/);
  assert.throws(() => sequential({ inputShape: [0], layers: [layers.dense({ units: 1 })] }), /inputShape must be a non-empty array of positive integers/);
  const used = layers.dense({ units: 2 });
  sequential({ inputShape: [2], layers: [used] });
  assert.throws(() => sequential({ inputShape: [2], layers: [used] }), /already belongs to a model/);
  model.dispose();
});

test('a loss that becomes non-finite stops training with epoch, step and a hint, keeping finite weights', async () => {
  const rng = new Rng(1);
  const n = 64;
  const x = Float32Array.from({ length: n * 2 }, () => rng.normal(0, 1000));
  const y = Float32Array.from({ length: n }, () => rng.normal(0, 1000));
  const model = sequential({ inputShape: [2], seed: 1, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 1 })] });
  model.compile({ optimizer: optimizers.sgd({ learningRate: 10 }), loss: 'mse' });
  const err = await model.fit(x, y, { epochs: 5, batchSize: 8 }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof NonFiniteLossError, `expected NonFiniteLossError, got ${err}`);
  assert.match(err.message, /the loss became (NaN|Infinity) at epoch 0, step \d+; .*smaller learning rate \(it is 10\)/);
  assert.ok(err.step > 0);
  for (const p of model.weights()) assert.ok((p.value.data as Float32Array).every(Number.isFinite), `${p.name} holds non-finite values`);
  model.dispose();
});

test('callbacks run (async allowed) and can stop training', async () => {
  const { x, y } = quadrants(64, 5);
  const model = mlp(2);
  model.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const seen: string[] = [];
  const h = await model.fit(x, y, {
    epochs: 10,
    batchSize: 32,
    callbacks: {
      onEpochBegin: (e) => { seen.push(`begin ${e}`); },
      onBatchEnd: (b, logs) => { seen.push(`batch ${b} ${Number.isFinite(logs.loss)}`); },
      onEpochEnd: async (e, logs) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(`end ${e} ${typeof logs.accuracy}`);
        if (e === 1) model.stopTraining = true;
      },
    },
  });
  assert.deepEqual(h.epoch, [0, 1]);
  assert.deepEqual(seen, ['begin 0', 'batch 0 true', 'batch 1 true', 'end 0 number', 'begin 1', 'batch 0 true', 'batch 1 true', 'end 1 number']);
  model.dispose();
});

test('PyTorch-style loop and trainStep both reduce the loss; binary cross-entropy and mse train too', () => {
  const { x, y } = quadrants(128, 6);
  const model = mlp(3);
  const opt = optimizers.sgd({ learningRate: 0.1, momentum: 0.9 });
  const xb = tensor(x, [128, 2]);
  const yb = tensor(y);
  const lossNow = () => noGrad(() => tidy(() => softmaxCrossEntropy(model.forward(xb), yb).toArray()[0]!));
  const start = lossNow();
  for (let i = 0; i < 30; i++) {
    tidy(() => softmaxCrossEntropy(model.forward(xb, { training: true }), yb).backward());
    opt.step(model.parameters());
    opt.zeroGrad(model.parameters());
  }
  assert.ok(lossNow() < start * 0.7, `${start} → ${lossNow()}`);

  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const first = model.trainStep(x, y);
  let last = first;
  for (let i = 0; i < 20; i++) last = model.trainStep(x, y);
  assert.ok(last.loss < first.loss && typeof last.accuracy === 'number');

  // one-hot targets (Float32Array) and tensors for x and y train the same way
  const onehot = new Float32Array(128 * 2);
  y.forEach((c, i) => { onehot[i * 2 + c] = 1; });
  const viaOneHot = model.evaluate(x, onehot);
  assert.ok(Math.abs(viaOneHot.loss - model.evaluate(x, y).loss) < 1e-6);
  assert.equal(viaOneHot.accuracy, model.evaluate(x, y).accuracy);
  const xt = tensor(x, [128, 2]);
  const yt = tensor(onehot, [128, 2]);
  assert.ok(Number.isFinite(model.trainStep(xt, yt).loss));
  assert.throws(() => model.trainStep(xt, tensor(new Float32Array(128 * 3), [128, 3])), /one-hot y must hold 128×2 = 256 values, got 384/);
  xt.dispose();
  yt.dispose();

  const bce = sequential({ inputShape: [2], seed: 4, layers: [layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 1 })] });
  bce.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'binary_cross_entropy', metrics: ['accuracy'] });
  const b0 = bce.evaluate(x, y);
  for (let i = 0; i < 40; i++) bce.trainStep(x, y);
  assert.ok(bce.evaluate(x, y).loss < b0.loss * 0.8);
  assert.throws(() => bce.trainStep(x, Int32Array.from(y, (v) => v * 2)), /binary_cross_entropy targets must be in \[0, 1\], got 2/);

  const reg = sequential({ inputShape: [2], seed: 4, layers: [layers.dense({ units: 8, activation: 'gelu' }), layers.dense({ units: 1 })] });
  reg.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
  const target = Float32Array.from({ length: 128 }, (_, i) => x[2 * i]! - 0.5 * x[2 * i + 1]!);
  const r0 = reg.evaluate(x, target).loss;
  for (let i = 0; i < 40; i++) reg.trainStep(x, target);
  assert.ok(reg.evaluate(x, target).loss < r0 * 0.5);
  for (const m of [model, bce, reg]) m.dispose();
  xb.dispose();
  yb.dispose();
});

test('summary lists each layer with output shape, parameters and activation', () => {
  const model = sequential({
    inputShape: [8, 8, 1],
    layers: [
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: { id: 'leaky_relu', params: { alpha: 0.2 } } }),
      layers.prelu(),
      layers.batchNorm(),
    ],
  });
  const s = model.summary();
  assert.match(s, /conv2d_1 \(Conv2D\)\s+\[null, 6, 6, 4\]\s+40\s+relu/);
  assert.match(s, /max_pool2d_1 \(MaxPool2D\)\s+\[null, 3, 3, 4\]\s+0/);
  assert.match(s, /flatten_1 \(Flatten\)\s+\[null, 36\]/);
  assert.match(s, /dense_1 \(Dense\)\s+\[null, 10\]\s+370\s+leaky_relu/);
  assert.match(s, /prelu_1 \(PReLU\)\s+\[null, 10\]\s+10\s+prelu/);
  assert.match(s, /Total params: 460 \(trainable 440, non-trainable 20\)/);
  model.dispose();
});
