// The training run of the browser tests, the same in the page (bundled into the app) and in Node (the
// reference the page's bits are compared with): a 2-256-256-3 ReLU network on the spiral set, large
// enough that its products are split over two threads.
import { encodeModel, getThreads, layers, optimizers, sequential, spiral, tensor, tidy } from 'rectifier';

/** FNV-1a of bytes, as hex: a short fingerprint of a model's bits. */
export function fingerprint(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export async function trainSpiral() {
  const data = spiral({ n: 1500, seed: 0 });
  const model = sequential({
    inputShape: [2], seed: 7,
    layers: [layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 256, activation: 'relu' }), layers.dense({ units: 3 })],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.005 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const history = await model.fit(data.train.x, data.train.y, { epochs: 12, batchSize: 128 });
  const seconds = (performance.now() - t0) / 1000;
  const test = model.evaluate(data.test.x, data.test.y);
  const predict = (m) => tidy(() => Float32Array.from(m.predict(tensor(data.test.x, [data.test.length, 2])).toArray()));
  const predictions = predict(model);
  const bytes = encodeModel(model);
  return {
    model, predict, threads: getThreads(), seconds,
    summary: {
      losses: history.history.loss, accuracy: test.accuracy,
      predictions: fingerprint(new Uint8Array(predictions.buffer)), model: fingerprint(bytes), modelBytes: bytes.length,
    },
  };
}
