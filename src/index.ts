/**
 * Rectifier: the rectified linear unit and its family, exact and fast, in the networks where they work.
 */
export * from './activations/index.js';
export * from './backend/index.js';
export * from './tensor/index.js';
export * as data from './data/index.js';
export { fashionMnist, mnist, spiral, circles, xor, gaussians, loadCsv, batches } from './data/index.js';
export type { Dataset, Split, Batch } from './data/index.js';
// The training engine. Keras style: sequential → compile → fit/evaluate/predict → save/loadModel.
// PyTorch style: model.forward(x, { training: true }) → loss → loss.backward() → optimizer.step(params)
// → optimizer.zeroGrad(), inside tidy() so each step's intermediates are freed. See src/nn/index.ts.
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './monitors/index.js';
export * from './onnx/index.js';
