/** `rectifier evaluate` and `rectifier predict`: a saved model on a named dataset's test split. */
import { loadModel, type Sequential } from '../../nn/index.js';
import type { Dataset } from '../../data/index.js';
import { formatTable } from '../../report/index.js';
import { fitsModel, loadDatasetByName } from '../datasets.js';

/** Loads the model and the test split and checks that they fit; the caller disposes the model. */
async function modelAndTestSet(modelPath: string, dataset: string): Promise<{ model: Sequential; test: Dataset }> {
  const model = await loadModel(modelPath);
  try {
    const { test } = await loadDatasetByName(dataset);
    if (!fitsModel(test.sampleShape, model.inputShape)) {
      throw new Error(`${modelPath} takes samples of shape [${model.inputShape.join(', ')}] but ${dataset} has samples of shape [${test.sampleShape.join(', ')}]`);
    }
    const outputs = model.outputShape.reduce((a, b) => a * b, 1);
    if (outputs !== test.numClasses) {
      throw new Error(`${modelPath} has ${outputs} outputs but ${dataset} has ${test.numClasses} classes`);
    }
    return { model, test };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The model's outputs (logits) for the first `n` test samples, checked to be finite: a model whose weights
 * hold NaN or Infinity has no prediction to report, and an accuracy computed from NaN is meaningless.
 */
function finiteOutputs(command: string, modelPath: string, model: Sequential, test: Dataset, n: number): Float32Array {
  const size = test.sampleShape.reduce((a, b) => a * b, 1);
  const logits = model.predict(test.x.subarray(0, n * size));
  const values = logits.data as Float32Array;
  logits.dispose();
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const k = values.length / n;
    throw new Error(
      `${command}: ${modelPath} outputs ${values[bad]} for test sample ${Math.floor(bad / k)} (output ${bad % k}); its outputs are not finite, ` +
        'so there is nothing to report (the weights may hold NaN or Infinity: retrain, or check how the file was made)',
    );
  }
  return values;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

export interface EvaluateResult {
  model: string;
  dataset: string;
  samples: number;
  loss: number;
  accuracy: number;
  seconds: number;
  /** Set when the model was saved without compile settings and the loss is the default for its outputs. */
  defaultLoss?: 'softmax_cross_entropy';
}

export async function runEvaluate(modelPath: string, opts: { dataset: string; json?: boolean }): Promise<EvaluateResult> {
  const { model, test } = await modelAndTestSet(modelPath, opts.dataset);
  try {
    const t0 = performance.now();
    // A model saved without compile settings has no loss; its outputs are one per class (checked above),
    // so the loss for them is softmax cross-entropy.
    const defaulted = model.optimizer === null;
    if (defaulted) model.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' });
    const values = finiteOutputs('evaluate', modelPath, model, test, test.length);
    const k = test.numClasses;
    let correct = 0;
    for (let i = 0; i < test.length; i++) if (argmax(values.subarray(i * k, (i + 1) * k)) === test.y[i]) correct++;
    const logs = model.evaluate(test.x, test.y);
    const result: EvaluateResult = {
      model: modelPath, dataset: test.name, samples: test.length, loss: logs.loss, accuracy: correct / test.length,
      seconds: (performance.now() - t0) / 1000,
      ...(defaulted ? { defaultLoss: 'softmax_cross_entropy' as const } : {}),
    };
    if (opts.json) console.log(JSON.stringify(result));
    else console.log(formatTable(['model', 'dataset', 'samples', 'loss', 'accuracy'], [[modelPath, test.name, test.length, result.loss, result.accuracy]]) + (defaulted ? '\n(loss: softmax cross-entropy; the model was saved without compile settings)' : ''));
    return result;
  } finally {
    model.dispose();
  }
}

export async function runPredict(modelPath: string, opts: { dataset: string; samples?: number; json?: boolean }): Promise<number[]> {
  const count = opts.samples ?? 10;
  if (!Number.isInteger(count) || count <= 0) throw new Error(`--samples must be a positive integer, got ${opts.samples}`);
  const { model, test } = await modelAndTestSet(modelPath, opts.dataset);
  try {
    const n = Math.min(count, test.length);
    const values = finiteOutputs('predict', modelPath, model, test, n);
    const k = test.numClasses;
    const rows = [];
    const predicted: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = values.subarray(i * k, (i + 1) * k);
      const best = argmax(row);
      // Softmax probability of the best class, computed stably from the logits.
      const max = row[best]!;
      let total = 0;
      for (const v of row) total += Math.exp(v - max);
      predicted.push(best);
      rows.push({ index: i, predicted: best, predictedName: test.classNames[best]!, probability: 1 / total, label: test.y[i]!, labelName: test.classNames[test.y[i]!]! });
    }
    if (opts.json) console.log(JSON.stringify(rows));
    else console.log(formatTable(['#', 'predicted', 'p', 'true label'], rows.map((r) => [r.index, r.predictedName, r.probability, r.labelName + (r.label === r.predicted ? '' : '  ✗')])));
    return predicted;
  } finally {
    model.dispose();
  }
}
