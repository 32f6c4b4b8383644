/**
 * The exports of rectifier.wasm. For every row of the activation table (src/activations/table.ts),
 * generated into table.generated.ts by scripts/build-wasm.mjs:
 *
 *   <id>_forward(x, out, n, p0, p1)
 *   <id>_backward(x, dy, dx, n, p0, p1)
 *   <id>_backward_y(y, dy, dx, n, p0, p1)          rows whose backwardFrom is 'y'
 *   <id>_matmul(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc)   with <id> as the fused epilogue
 *
 * The other exports come from: gemm.ts (the blocked GEMM with its fused epilogue), conv.ts (im2col
 * convolution, pooling), conv-direct.ts (convolution without im2col for small patches: first layers),
 * reduce.ts (float64 norms, max |x|), optim.ts (optimizer steps, bias-gradient sums), prelu.ts. The
 * per-activation kernels are built from activations.ts (one class per row), elementwise.ts (the loops)
 * and vmath.ts (exp, log1p, erf's Mills ratio … on four lanes).
 *
 * Pointers are byte offsets into the imported memory; p0, p1 are the row's parameters in the order of
 * its `params` (0 where it has fewer). The loader (../index.ts) binds these by id from the table and
 * refuses to load if a row has no export, so adding a row to the table without its kernel fails loudly.
 */
export { gemmScratchBytes, TRANSPOSE_A, TRANSPOSE_B, ACCUMULATE } from './gemm';
export { preluChannels, preluChannelsGrad } from './prelu';
export { sgdUpdate, adamUpdate, sumAxisF64 } from './optim';
export { sumSquaresF64, squaredDistanceF64, absMaxF32 } from './reduce';
export {
  im2colRows, col2imRows, maxPoolImages, maxPoolBackwardRange, maxPoolBackwardTiled, maxPoolCheck, sumRows, conv2dForwardRows, conv2dBackwardInputRows, conv2dBackwardFilterRows,
  conv2dBackwardFilterChunks,
} from './conv';
export { directPanelFloats } from './conv-direct';

/** First byte after the module's own static data: where the JS allocator may start. */
export function heapBase(): usize {
  return __heap_base;
}

export * from './table.generated';
