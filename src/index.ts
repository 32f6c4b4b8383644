/**
 * Rectifier: the rectified linear unit and its family, exact and fast, in the networks where they work.
 *
 * The package entry re-exports each folder's public surface, bottom of the stack first (see
 * docs/ARCHITECTURE.md): the activation table, the backends, tensors, autograd, ops, then the engine.
 */
export * from './activations/index.js';
export type {
  Backend, BackendName, DType, KernelActivation, Kernels, MatmulEpilogue, MatmulShape, Storage,
} from './backend/index.js';
export { JsBackend, JsKernels, arrayStorage, matmulReference } from './backend/index.js';
export * from './runtime/index.js';
export { Rng, describe } from './util/index.js';
export type { RngState } from './util/index.js';
export * from './tensor/index.js';
export * from './autograd/index.js';
export { Activation, getActivation, toActivation, activate, linear, matmul, add, sub, mul, div, sum, mean, reshape } from './ops/index.js';
export type { ActivationOptions, ActivationRunOptions, Conv2dOptions, Pool2dOptions } from './ops/index.js';
export * as ops from './ops/index.js';
export * as data from './data/index.js';
export { fashionMnist, mnist, spiral, circles, xor, gaussians, loadCsv, batches } from './data/index.js';
export type { Dataset, Split, Batch } from './data/index.js';
// The training engine. Keras style: sequential → compile → fit/evaluate/predict → save/loadModel.
// PyTorch style: model.forward(x, { training: true }) → loss → loss.backward() → optimizer.step(params)
// → optimizer.zeroGrad(), inside tidy() so each step's intermediates are freed. See src/nn/index.ts.
export * from './io/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './monitors/index.js';
export * from './onnx/index.js';
