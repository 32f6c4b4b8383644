/**
 * backend/ — the kernel interface (`Kernels`, `Backend`), the conv/pool geometry, and the JS reference
 * kernels that define every kernel and back every other backend. No tensors here: kernels take `Storage`.
 */
export type {
  AdamStepOptions, Backend, BackendName, BinaryOp, DType, KernelActivation, Kernels, MathOp, MatmulEpilogue, MatmulShape, SgdStepOptions, Storage,
} from './types.js';
export type { Conv2dGeometry, Padding, Pool2dGeometry } from './geometry.js';
export { checkConvGeometry, checkPoolGeometry, conv2dGeometry, pool2dGeometry } from './geometry.js';
export { JsBackend, JsKernels, arrayStorage } from './js.js';
export { matmulReference } from './js-gemm.js';
export type { Gemm } from './js-gemm.js';
export { BLOCK_ROWS, col2im, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, im2col } from './js-conv.js';
export { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './js-pool.js';
