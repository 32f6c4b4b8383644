/**
 * The layer families, one file each, every class registered beside its definition (./registry.ts), and
 * `layers`, the Keras-style factories: `layers.dense({ units: 64, activation: 'relu' })`.
 */
import { activationFactories } from './activation.js';
import { augmentFactories } from './augment.js';
import { batchNormFactories } from './batch-norm.js';
import { convFactories } from './conv.js';
import { denseFactories } from './dense.js';
import { dropoutFactories } from './dropout.js';
import { flattenFactories } from './flatten.js';
import { paddingFactories } from './padding.js';
import { poolFactories } from './pool.js';

export const layers = {
  ...denseFactories,
  ...convFactories,
  ...poolFactories,
  ...paddingFactories,
  ...flattenFactories,
  ...dropoutFactories,
  ...batchNormFactories,
  ...activationFactories,
  ...augmentFactories,
} as const;

export { Dense } from './dense.js';
export type { DenseOptions } from './dense.js';
export { Conv2D } from './conv.js';
export type { Conv2dLayerOptions } from './conv.js';
export { TransformLayer } from './transform.js';
export type { TransformOptions } from './transform.js';
export { AvgPool2D, MaxPool2D } from './pool.js';
export type { Pool2dLayerOptions } from './pool.js';
export { ZeroPadding2D } from './padding.js';
export type { ZeroPadding2dOptions } from './padding.js';
export { Flatten } from './flatten.js';
export { Dropout } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { BatchNorm } from './batch-norm.js';
export type { BatchNormOptions } from './batch-norm.js';
export { ActivationLayer, PReLU, RReLU } from './activation.js';
export type { ActivationLayerOptions, PReLUOptions, RReLUOptions } from './activation.js';
export { RandomTranslation } from './augment.js';
export type { RandomTranslationOptions } from './augment.js';
export { layerClassNames, layerFromConfig, registerLayer } from './registry.js';
export type { LayerMaker } from './registry.js';
