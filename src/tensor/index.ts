/**
 * tensor/ — Tensor (a shape over a block of backend memory), making tensors, and the tidy scopes and
 * counts that keep WebAssembly memory from leaking.
 */
export { Tensor, tidy, keep, dispose, memory, installGradientTape } from './tensor.js';
export type { GradientTape, Shape } from './tensor.js';
export { tensor, empty, zeros, ones, full, shapeSize } from './create.js';
