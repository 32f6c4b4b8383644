/**
 * The exports of rectifier.wasm. For every row of the activation table (src/activations/table.ts):
 *
 *   <id>_forward(x, out, n, p0, p1)
 *   <id>_backward(x, dy, dx, n, p0, p1)
 *   <id>_backward_y(y, dy, dx, n, p0, p1)          rows whose backwardFrom is 'y'
 *   <id>_matmul(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc)   with <id> as the fused epilogue
 *
 * Pointers are byte offsets into the imported memory; p0, p1 are the row's parameters in the order of
 * its `params` (0 where it has fewer). The loader (../index.ts) binds these by id from the table and
 * refuses to load if a row has no export, so adding a row to the table without its kernel fails loudly.
 */
import {
  Celu, Elu, Gelu, GeluTanh, HardSigmoid, HardSwish, LeakyRelu, Linear, Mish, Relu, Relu6, Rrelu, Selu, Sigmoid, Silu,
  Softplus, Softsign, Tanh, ThresholdedRelu,
} from './activations';
import { FromX, FromY, forwardLoop, gradLoop } from './elementwise';
import { gemm } from './gemm';

export { gemmScratchBytes, TRANSPOSE_A, TRANSPOSE_B, ACCUMULATE, MASK_RELU_A, MASK_RELU_B } from './gemm';

/**
 * out = op(A)·op(B) [+ out] with relu's backward fused into one untransposed operand (MASK_RELU_A or
 * MASK_RELU_B in flags; `mask` is the forward's y laid out like that operand): a dense layer's
 * dx = (dy ⊙ [y > 0])·Wᵀ and dW = xᵀ·(dy ⊙ [y > 0]) without writing dz.
 */
export function matmulReluMasked(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, mask: usize, scratch: usize, lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Linear>(a, b, out, m, k, n, flags, 0, 0, 0, scratch, lda, ldb, ldc, mask);
}
export { preluChannels, preluChannelsGrad } from './prelu';
export { sgdUpdate, adamUpdate, sumAxisF64 } from './optim';
export {
  im2colRows, col2imRows, maxPoolImages, maxPoolBackwardRange, maxPoolCheck, sumRows, conv2dForwardRows, conv2dBackwardInputRows, conv2dBackwardFilterRows,
  conv2dBackwardFilterChunks,
} from './conv';

/** First byte after the module's own static data: where the JS allocator may start. */
export function heapBase(): usize {
  return __heap_base;
}

export function relu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Relu>(x, out, n, p0, p1);
}
export function relu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Relu>>(x, dy, dx, n, p0, p1);
}
export function relu_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<Relu>>(y, dy, dx, n, p0, p1);
}
export function relu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Relu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function relu6_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Relu6>(x, out, n, p0, p1);
}
export function relu6_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Relu6>>(x, dy, dx, n, p0, p1);
}
export function relu6_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<Relu6>>(y, dy, dx, n, p0, p1);
}
export function relu6_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Relu6>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function leaky_relu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<LeakyRelu>(x, out, n, p0, p1);
}
export function leaky_relu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<LeakyRelu>>(x, dy, dx, n, p0, p1);
}
export function leaky_relu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<LeakyRelu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function prelu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<LeakyRelu>(x, out, n, p0, p1);
}
export function prelu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<LeakyRelu>>(x, dy, dx, n, p0, p1);
}
export function prelu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<LeakyRelu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function rrelu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Rrelu>(x, out, n, p0, p1);
}
export function rrelu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Rrelu>>(x, dy, dx, n, p0, p1);
}
export function rrelu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Rrelu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function elu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Elu>(x, out, n, p0, p1);
}
export function elu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Elu>>(x, dy, dx, n, p0, p1);
}
export function elu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Elu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function selu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Selu>(x, out, n, p0, p1);
}
export function selu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Selu>>(x, dy, dx, n, p0, p1);
}
export function selu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Selu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function celu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Celu>(x, out, n, p0, p1);
}
export function celu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Celu>>(x, dy, dx, n, p0, p1);
}
export function celu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Celu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function gelu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Gelu>(x, out, n, p0, p1);
}
export function gelu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Gelu>>(x, dy, dx, n, p0, p1);
}
export function gelu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Gelu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function gelu_tanh_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<GeluTanh>(x, out, n, p0, p1);
}
export function gelu_tanh_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<GeluTanh>>(x, dy, dx, n, p0, p1);
}
export function gelu_tanh_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<GeluTanh>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function silu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Silu>(x, out, n, p0, p1);
}
export function silu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Silu>>(x, dy, dx, n, p0, p1);
}
export function silu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Silu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function mish_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Mish>(x, out, n, p0, p1);
}
export function mish_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Mish>>(x, dy, dx, n, p0, p1);
}
export function mish_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Mish>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function softplus_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Softplus>(x, out, n, p0, p1);
}
export function softplus_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Softplus>>(x, dy, dx, n, p0, p1);
}
export function softplus_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Softplus>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function sigmoid_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Sigmoid>(x, out, n, p0, p1);
}
export function sigmoid_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Sigmoid>>(x, dy, dx, n, p0, p1);
}
export function sigmoid_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<Sigmoid>>(y, dy, dx, n, p0, p1);
}
export function sigmoid_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Sigmoid>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function tanh_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Tanh>(x, out, n, p0, p1);
}
export function tanh_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Tanh>>(x, dy, dx, n, p0, p1);
}
export function tanh_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<Tanh>>(y, dy, dx, n, p0, p1);
}
export function tanh_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Tanh>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function hard_sigmoid_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<HardSigmoid>(x, out, n, p0, p1);
}
export function hard_sigmoid_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<HardSigmoid>>(x, dy, dx, n, p0, p1);
}
export function hard_sigmoid_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<HardSigmoid>>(y, dy, dx, n, p0, p1);
}
export function hard_sigmoid_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<HardSigmoid>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function hard_swish_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<HardSwish>(x, out, n, p0, p1);
}
export function hard_swish_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<HardSwish>>(x, dy, dx, n, p0, p1);
}
export function hard_swish_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<HardSwish>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function softsign_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Softsign>(x, out, n, p0, p1);
}
export function softsign_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Softsign>>(x, dy, dx, n, p0, p1);
}
export function softsign_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Softsign>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function thresholded_relu_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<ThresholdedRelu>(x, out, n, p0, p1);
}
export function thresholded_relu_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<ThresholdedRelu>>(x, dy, dx, n, p0, p1);
}
export function thresholded_relu_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<ThresholdedRelu>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}

export function linear_forward(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  forwardLoop<Linear>(x, out, n, p0, p1);
}
export function linear_backward(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromX<Linear>>(x, dy, dx, n, p0, p1);
}
export function linear_backward_y(y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  gradLoop<FromY<Linear>>(y, dy, dx, n, p0, p1);
}
export function linear_matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, p0: f32, p1: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  gemm<Linear>(a, b, out, m, k, n, flags, bias, p0, p1, scratch, lda, ldb, ldc);
}
