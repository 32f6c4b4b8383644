/**
 * `rectifier inspect <model file> --dataset … [--samples N] [--split test|train] [--json]`: loads a saved
 * model, runs `inspect` on samples of a dataset, and prints the per-layer report and the advice.
 */
import { existsSync } from 'node:fs';
import { advise, inspect } from '../../monitors/index.js';
import type { Finding, LayerReport } from '../../monitors/index.js';
import { loadModel } from '../../nn/index.js';
import { shapeSize } from '../../tensor/create.js';
import { loadDatasetByName } from '../datasets.js';
import { formatAdvice, formatInspectTable } from './monitor-print.js';

export const INSPECT_DEFAULT_SAMPLES = 1000;

export interface InspectOutcome {
  model: string;
  dataset: string;
  split: 'train' | 'test';
  samples: number;
  layers: LayerReport[];
  findings: Finding[];
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v === 'number' ? String(v) : typeof v;
}

/** Inspects a saved model on the first `samples` samples of a dataset's split and prints the report. */
export async function runInspect(
  modelPath: string,
  opts: { dataset: string; samples?: number; json?: boolean; split?: 'train' | 'test' },
): Promise<InspectOutcome> {
  if (typeof modelPath !== 'string' || modelPath.trim() === '') throw new TypeError(`inspect: expected a path to a saved model (.safetensors), got ${show(modelPath)}`);
  if (!opts || typeof opts !== 'object') throw new TypeError(`inspect: expected options { dataset, samples?, json?, split? }, got ${show(opts)}`);
  if (typeof opts.dataset !== 'string' || opts.dataset.trim() === '') throw new TypeError(`inspect: --dataset must name a dataset (fashion-mnist, mnist, spiral, circles, xor, gaussians) or a .csv file, got ${show(opts.dataset)}`);
  const split = opts.split ?? 'test';
  if (split !== 'train' && split !== 'test') throw new TypeError(`inspect: --split must be "train" or "test", got ${show(split)}`);
  const wanted = opts.samples ?? INSPECT_DEFAULT_SAMPLES;
  if (!Number.isInteger(wanted) || wanted <= 0) throw new RangeError(`inspect: --samples must be a positive integer, got ${show(opts.samples)}`);
  if (!existsSync(modelPath)) throw new Error(`inspect: no such model file: ${modelPath}`);

  const model = loadModel(modelPath);
  try {
    const data = (await loadDatasetByName(opts.dataset))[split];
    const inSize = shapeSize(model.inputShape);
    const sampleSize = shapeSize(data.sampleShape);
    // Samples are row-major and channels-last, so equal sizes mean the same values in the same order:
    // [28, 28, 1] images feed a [784] MLP and the other way round.
    if (sampleSize !== inSize) {
      throw new RangeError(
        `inspect: dataset ${opts.dataset} has samples of shape [${data.sampleShape.join(', ')}] (${sampleSize} values) but the model ${modelPath} ` +
          `takes inputs of shape [${model.inputShape.join(', ')}] (${inSize} values); use the dataset the model was trained on`,
      );
    }
    const n = Math.min(wanted, data.length);
    const layers = inspect(model, data.x.subarray(0, n * inSize));
    const findings = advise({ report: layers });
    const outcome: InspectOutcome = { model: modelPath, dataset: opts.dataset, split, samples: n, layers, findings };
    if (opts.json) {
      console.log(JSON.stringify(outcome, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
    } else {
      console.log(`${modelPath}: ${model.name}, input [${model.inputShape.join(', ')}], ${model.layers.length} layers; ${n} ${split} samples of ${opts.dataset}${n < wanted ? ` (all there are)` : ''}`);
      console.log(formatInspectTable(layers));
      console.log(formatAdvice(findings));
    }
    return outcome;
  } finally {
    model.dispose();
  }
}
