/**
 * The datasets the CLI knows by name, and fitting a dataset's samples to a model's input shape.
 */
import { existsSync } from 'node:fs';
import { addingProblem, charText, circles, fashionMnist, gaussians, loadCsv, mnist, sequentialMnist, spiral, trainTestSplit, xor, type RegressionSplit, type Split } from '../data/node.js';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'spiral', 'circles', 'xor', 'gaussians', 'seq-mnist', 'pixel-mnist', 'pmnist', 'char-text'] as const;
/** Regression sets: the adding problem, at length 100 or any length as adding-<T> (adding-30). */
export const REGRESSION_NAMES = ['adding', 'adding-<T>'] as const;

/**
 * Loads a dataset by name, or a CSV file by path (last column = label, 20% held out). The synthetic sets
 * and the CSV split use a fixed seed, independent of the model's, so that `evaluate` sees the test split
 * that `train` held out.
 */
export async function loadDatasetByName(name: string): Promise<Split> {
  const seed = 0;
  switch (name) {
    case 'fashion-mnist':
    case 'fashion_mnist':
      return fashionMnist();
    case 'mnist':
      return mnist();
    case 'spiral':
      return spiral({ n: 3000, seed });
    case 'circles':
      return circles({ n: 2000, seed });
    case 'xor':
      return xor({ n: 2000, seed, noise: 0.1 });
    case 'gaussians':
      return gaussians({ n: 2000, seed });
    case 'seq-mnist':
      return sequentialMnist({ mode: 'rows' });
    case 'pixel-mnist':
      return sequentialMnist({ mode: 'pixels' });
    case 'pmnist':
      return sequentialMnist({ mode: 'pixels', permuted: true });
    case 'char-text':
      return charText();
  }
  if (name.toLowerCase().endsWith('.csv')) {
    if (!existsSync(name)) throw new Error(`--dataset ${name}: no such CSV file`);
    return trainTestSplit(await loadCsv(name, { header: true }), { testFraction: 0.2, seed });
  }
  throw new Error(`--dataset must be one of ${DATASET_NAMES.join(', ')}, ${REGRESSION_NAMES.join(', ')} or a path to a .csv file, got "${name}"`);
}

/** What `train` trains on: a classification split, or a regression split (the adding problem). */
export type TrainingData = { readonly kind: 'classification'; readonly split: Split } | { readonly kind: 'regression'; readonly split: RegressionSplit };

/** The adding problem by name (adding: T = 100; adding-30: T = 30), seeded like the other synthetic sets. */
export async function loadTrainingData(name: string): Promise<TrainingData> {
  const m = /^adding(?:-(\d+))?$/.exec(name);
  if (m) {
    const steps = m[1] === undefined ? 100 : Number(m[1]);
    if (!(steps >= 2)) throw new Error(`--dataset ${name}: the adding problem needs at least 2 steps (adding-<T> with T >= 2)`);
    return { kind: 'regression', split: addingProblem({ steps, seed: 0 }) };
  }
  return { kind: 'classification', split: await loadDatasetByName(name) };
}

/** True when the samples of `sampleShape` can feed a model of `inputShape` (same values, row-major). */
export function fitsModel(sampleShape: readonly number[], inputShape: readonly number[]): boolean {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return size(sampleShape) === size(inputShape);
}
