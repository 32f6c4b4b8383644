import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, layers, memory, optimizers, sequential, softmaxCrossEntropy, tensor, tidy } from 'rectifier';

function snapshot() {
  const m = memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, backendBytes: m.backend.bytes, backendBlocks: m.backend.blocks };
}

test('fit: 1,000 steps with dropout, batch norm, prelu and rrelu do not grow memory after warm-up', async () => {
  const rng = new Rng(1);
  const n = 64;
  const x = Float32Array.from({ length: n * 4 }, () => rng.normal());
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const start = snapshot();
  const model = sequential({
    inputShape: [4],
    seed: 1,
    layers: [
      layers.dense({ units: 8, activation: 'gelu' }),
      layers.batchNorm(),
      layers.prelu(),
      layers.dropout({ rate: 0.2 }),
      layers.dense({ units: 8 }),
      layers.rrelu(),
      layers.dense({ units: 3 }),
    ],
  });
  model.compile({ optimizer: optimizers.adamw({ learningRate: 1e-3, clipNorm: 1 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const perEpoch: Array<ReturnType<typeof snapshot>> = [];
  let steps = 0;
  await model.fit(x, y, {
    epochs: 125, // 8 steps per epoch: 1,000 steps
    batchSize: 8,
    validationData: [x, y],
    callbacks: { onBatchEnd: () => { steps++; }, onEpochEnd: () => { perEpoch.push(snapshot()); } },
  });
  assert.equal(steps, 1000);
  // after the first epoch (optimizer state and the snapshot buffers are created once) nothing changes
  for (const s of perEpoch.slice(1)) assert.deepEqual(s, perEpoch[0]);
  model.dispose();
  assert.deepEqual(snapshot(), start, 'dispose frees weights, optimizer state and snapshots');
});

test('PyTorch-style loop on a conv net: 1,000 steps do not grow memory after warm-up', () => {
  const rng = new Rng(2);
  const model = sequential({
    inputShape: [4, 4, 1],
    seed: 2,
    layers: [
      layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 2 }),
    ],
  });
  const opt = optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true });
  const xb = tensor(Float32Array.from({ length: 4 * 16 }, () => rng.normal()), [4, 4, 4, 1]);
  const yb = tensor(Int32Array.from([0, 1, 1, 0]));
  let warm: ReturnType<typeof snapshot> | null = null;
  for (let step = 0; step < 1000; step++) {
    tidy(() => softmaxCrossEntropy(model.forward(xb, { training: true }), yb).backward());
    opt.step(model.parameters());
    opt.zeroGrad(); // the parameters of the last step, as torch.optim's zero_grad()
    if (step === 10) warm = snapshot();
    if (step > 10 && step % 100 === 0) assert.deepEqual(snapshot(), warm, `step ${step}`);
  }
  assert.deepEqual(snapshot(), warm);
  model.dispose();
  opt.dispose();
  xb.dispose();
  yb.dispose();
});
