/** `rectifier evaluate` and `rectifier predict`: a saved model on a named dataset's test split. */
import { loadModel, type Sequential } from '../../nn/index.js';
import type { Dataset } from '../../data/index.js';
import { formatTable } from '../../report/index.js';
import { fitsModel, loadDatasetByName } from '../datasets.js';

async function modelAndTestSet(modelPath: string, dataset: string): Promise<{ model: Sequential; test: Dataset }> {
  const model = await loadModel(modelPath);
  const { test } = await loadDatasetByName(dataset);
  if (!fitsModel(test.sampleShape, model.inputShape)) {
    throw new Error(`${modelPath} takes samples of shape [${model.inputShape.join(', ')}] but ${dataset} has samples of shape [${test.sampleShape.join(', ')}]`);
  }
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  if (outputs !== test.numClasses) {
    throw new Error(`${modelPath} has ${outputs} outputs but ${dataset} has ${test.numClasses} classes`);
  }
  return { model, test };
}

export async function runEvaluate(modelPath: string, opts: { dataset: string; json?: boolean }): Promise<{ loss: number; accuracy: number }> {
  const { model, test } = await modelAndTestSet(modelPath, opts.dataset);
  const t0 = performance.now();
  const logs = model.evaluate(test.x, test.y);
  const result = { model: modelPath, dataset: test.name, samples: test.length, loss: logs.loss, accuracy: logs.accuracy ?? NaN, seconds: (performance.now() - t0) / 1000 };
  if (opts.json) console.log(JSON.stringify(result));
  else console.log(formatTable(['model', 'dataset', 'samples', 'loss', 'accuracy'], [[modelPath, test.name, test.length, result.loss, result.accuracy]]));
  model.dispose();
  return result;
}

export async function runPredict(modelPath: string, opts: { dataset: string; samples?: number; json?: boolean }): Promise<number[]> {
  const count = opts.samples ?? 10;
  if (!Number.isInteger(count) || count <= 0) throw new Error(`--samples must be a positive integer, got ${opts.samples}`);
  const { model, test } = await modelAndTestSet(modelPath, opts.dataset);
  const n = Math.min(count, test.length);
  const size = test.sampleShape.reduce((a, b) => a * b, 1);
  const logits = model.predict(test.x.subarray(0, n * size));
  const values = logits.data as Float32Array;
  logits.dispose();
  const k = test.numClasses;
  const rows = [];
  const predicted: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = values.subarray(i * k, (i + 1) * k);
    const max = Math.max(...row);
    const exps = Array.from(row, (v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    const best = exps.indexOf(Math.max(...exps));
    predicted.push(best);
    rows.push({ index: i, predicted: best, predictedName: test.classNames[best]!, probability: exps[best]! / total, label: test.y[i]!, labelName: test.classNames[test.y[i]!]! });
  }
  if (opts.json) console.log(JSON.stringify(rows));
  else console.log(formatTable(['#', 'predicted', 'p', 'true label'], rows.map((r) => [r.index, r.predictedName, r.probability, r.labelName + (r.label === r.predicted ? '' : '  ✗')])));
  model.dispose();
  return predicted;
}
