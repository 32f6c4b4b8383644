/**
 * The block of i32 in linear memory through which a convolution's or a pooling's geometry reaches the
 * kernels (written by writeGeometry in ../backend.ts), which keeps the exports' signatures short.
 * Pooling reads the same fields as inH, inW, channels, poolH, poolW, strides, padding, outH, outW.
 */
export const G_IN_H = 0;
export const G_IN_W = 1;
export const G_IN_C = 2;
export const G_KH = 3;
export const G_KW = 4;
export const G_STRIDE_H = 5;
export const G_STRIDE_W = 6;
export const G_PAD_TOP = 7;
export const G_PAD_LEFT = 8;
export const G_OUT_H = 9;
export const G_OUT_W = 10;
export const G_OUT_C = 11;
/** Non-zero when the JS side chose the direct kernels of conv-direct.ts (small patches). */
export const G_DIRECT = 12;
/** Non-zero when relu is fused into the forward's epilogue (the layer's activation, applied in registers). */
export const G_RELU = 13;

@inline export function field(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}
