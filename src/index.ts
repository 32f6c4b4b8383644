/**
 * Rectifier: the rectified linear unit and its family, exact and fast, in the networks where they work.
 */
export * from './activations/index.js';
export * from './backend/index.js';
export * from './tensor/index.js';
