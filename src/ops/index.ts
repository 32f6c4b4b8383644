/**
 * ops/ — the differentiable operations the layers are made of, each with its backward rule beside it:
 * elementwise arithmetic and maths, reshape and reductions, matmul/linear and conv2d with a fused
 * activation epilogue, pooling, zero padding of images, activations (any row of the table, PReLU, dropout) and the per-example
 * losses. Also the `Activation` executor behind `getActivation`, which applies a row of the table to
 * Float32Arrays or Tensors directly.
 */
export { Activation, drawSlopes, getActivation, resolveActivation, toActivation } from './activation.js';
export type { ActivationOptions } from './activation.js';
export { activate, activationGrad, dropout, isStochasticTraining, prelu } from './activate.js';
export type { ActivationRunOptions } from './activate.js';
export { add, addScalar, affine, broadcastShape, div, exp, log, mul, neg, reciprocal, rsqrt, scale, sqrt, square, sub, updateRunningAverage } from './elementwise.js';
export { translateImages } from './translate.js';
export { padImages } from './pad.js';
export type { ImagePadding } from './pad.js';
export { mean, reshape, sum } from './shape.js';
export { linear, matmul } from './linear.js';
export { conv2d } from './conv.js';
export type { Conv2dOptions } from './conv.js';
export { avgPool2d, maxPool2d } from './pool.js';
export type { Pool2dOptions } from './pool.js';
export { sigmoidCrossEntropyPerElement, softmaxCrossEntropyPerExample } from './losses.js';
export { finishEpilogue, planEpilogue } from './epilogue.js';
export type { EpiloguePlan } from './epilogue.js';
