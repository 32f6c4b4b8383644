/**
 * tensor/ — Tensor (a shape over backend memory), creation, tidy scopes and leak accounting, and the
 * project's one seeded RNG.
 */
export { Tensor, tensor, empty, zeros, ones, full, tidy, keep, dispose, memory, shapeSize, describe } from './tensor.js';
export type { Shape } from './tensor.js';
export { Rng } from './random.js';
