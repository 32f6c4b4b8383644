/**
 * Rectifier: the rectified linear unit and its family, exact and fast, in the networks where they work.
 */
export * from './activations/index.js';
export * from './backend/index.js';
export * from './tensor/index.js';
export * as data from './data/index.js';
export { fashionMnist, mnist, spiral, circles, xor, gaussians, loadCsv, batches } from './data/index.js';
export type { Dataset, Split, Batch } from './data/index.js';
