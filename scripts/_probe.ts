import { addingProblem, layers, sequential, optimizers, setBackend, getThreads } from 'rectifier';
await setBackend('wasm');
const T = Number(process.argv[2] ?? 30);
const kind = process.argv[3] ?? 'irnn';
const { train, test } = addingProblem({ steps: T, trainSize: Number(process.env.N ?? 4000), testSize: 500, seed: 1 });
const rnn = kind === 'irnn' ? layers.simpleRnn({ units: Number(process.env.U ?? 64), activation: 'relu', recurrentInitializer: 'identity', kernelInitializer: { id: 'normal', stddev: 0.001 } })
  : kind === 'lstm' ? layers.lstm({ units: Number(process.env.U ?? 64) })
  : kind === 'tanh' ? layers.simpleRnn({ units: Number(process.env.U ?? 64), activation: 'tanh' })
  : layers.simpleRnn({ units: Number(process.env.U ?? 64), activation: 'relu', recurrentInitializer: { id: 'normal', stddev: 0.001 }, kernelInitializer: { id: 'normal', stddev: 0.001 } });
const model = sequential({ inputShape: [T, 2], seed: 1, layers: [rnn, layers.dense({ units: 1 })] });
const lr = Number(process.argv[4] ?? 0.001);
model.compile({ optimizer: optimizers.adam({ learningRate: lr, clipNorm: 1 }), loss: 'mse' });
const t0 = performance.now();
for (let e = 0; e < Number(process.argv[5] ?? 5); e++) {
  const h = await model.fit(train.x, train.targets, { epochs: 1, batchSize: 32 });
  console.log(kind, T, 'epoch', e, 'train', h.history.loss[0]!.toFixed(4), 'test', model.evaluate(test.x, test.targets).loss.toFixed(4), ((performance.now() - t0) / 1000).toFixed(1), 's', getThreads());
}
