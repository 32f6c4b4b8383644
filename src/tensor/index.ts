/**
 * tensor/ — Tensor (a shape over backend memory), creation, tidy scopes and leak accounting, and the
 * project's one seeded RNG.
 */
export { Tensor, tensor, empty, zeros, ones, full, tidy, keep, dispose, memory, shapeSize, describe } from './tensor.js';
export type { Shape } from './tensor.js';
export { Rng } from './random.js';
export { add, sub, mul, div, matmul, sum, mean, reshape, activate, linear } from './ops.js';
export * as ops from './ops-all.js';
export type { ActivationRunOptions } from './ops.js';
export type { Conv2dOptions, Pool2dOptions } from './ops-conv.js';
