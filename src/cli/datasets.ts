/**
 * The datasets the CLI knows by name, and fitting a dataset's samples to a model's input shape.
 */
import { existsSync } from 'node:fs';
import { circles, fashionMnist, gaussians, loadCsv, mnist, spiral, trainTestSplit, xor, type Split } from '../data/node.js';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'spiral', 'circles', 'xor', 'gaussians'] as const;

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
  }
  if (name.toLowerCase().endsWith('.csv')) {
    if (!existsSync(name)) throw new Error(`--dataset ${name}: no such CSV file`);
    return trainTestSplit(await loadCsv(name, { header: true }), { testFraction: 0.2, seed });
  }
  throw new Error(`--dataset must be one of ${DATASET_NAMES.join(', ')} or a path to a .csv file, got "${name}"`);
}

/** True when the samples of `sampleShape` can feed a model of `inputShape` (same values, row-major). */
export function fitsModel(sampleShape: readonly number[], inputShape: readonly number[]): boolean {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return size(sampleShape) === size(inputShape);
}
