/**
 * Direct convolution for small patches: a first layer over grayscale or RGB images (3×3×1 is 9 taps,
 * 3×3×3 is 27), where im2col + GEMM spends most of its time on the data movement (im2col's runs are one
 * to three floats long, and the GEMM packs and unpacks a K of 9). These kernels read the input in place
 * and keep the output channels of one or two pixels in registers, so the patches never exist.
 *
 * Used when kh·kw·inC <= 32 and outC is a multiple of 4 (the JS side decides, src/wasm/backend.ts,
 * and writes the choice into the geometry block). Same conventions and results as the im2col path
 * (conv.ts): NHWC input, HWIO filter, taps in (ky, kx, c) order, the bias added after the sum.
 *
 * relu, the one activation fused here (G_RELU in the geometry block), is applied to the
 * sums in registers before they are stored.
 *
 * Padding: an image that needs any is first copied, zero-padded, into the caller's panel, so the
 * kernels only ever see interior pixels and have no bounds checks.
 */

import { Relu } from './activations';
import {
  G_IN_C, G_IN_H, G_IN_W, G_KH, G_KW, G_OUT_C, G_OUT_H, G_OUT_W, G_PAD_LEFT, G_PAD_TOP, G_RELU, G_STRIDE_H, G_STRIDE_W, field,
} from './geometry';

/** Height of the input region the outputs read: rows (outH − 1)·strideH + kh, padding included. */
@inline function spanH(g: usize): i32 {
  return (field(g, G_OUT_H) - 1) * field(g, G_STRIDE_H) + field(g, G_KH);
}

@inline function spanW(g: usize): i32 {
  return (field(g, G_OUT_W) - 1) * field(g, G_STRIDE_W) + field(g, G_KW);
}

/** Whether the outputs read outside the image, so that images must be copied with zero padding first. */
@inline function needsPadding(g: usize): bool {
  return field(g, G_PAD_TOP) > 0 || field(g, G_PAD_LEFT) > 0 || spanH(g) > field(g, G_IN_H) || spanW(g) > field(g, G_IN_W);
}

/** Floats of the zero-padded image, 0 when the kernels read x in place. */
@inline function paddedFloats(g: usize): i32 {
  return needsPadding(g) ? spanH(g) * spanW(g) * field(g, G_IN_C) : 0;
}

/** Sums of taps past the patch land here (filterTaps3), after the padded image in the panel. */
const DUMMY_FLOATS = 8;
/** Then the tap offset table of the forward, one i32 per tap. */
const MAX_TAPS = 64;

/** Floats of the panel the direct kernels need: the padded image, the dummy sums, the tap offsets. */
export function directPanelFloats(g: usize): i32 {
  return paddedFloats(g) + DUMMY_FLOATS + MAX_TAPS;
}

/**
 * Image n of x as the kernels read it: x itself, or its zero-padded copy written into panel. The row
 * stride in floats is rowFloatsOf(g).
 */
function imageSource(x: usize, n: i32, g: usize, panel: usize): usize {
  const inH = field(g, G_IN_H), inW = field(g, G_IN_W), inC = field(g, G_IN_C);
  const image = x + (<usize>(n * inH * inW * inC) << 2);
  if (!needsPadding(g)) return image;
  const ph = spanH(g), pw = spanW(g);
  const padTop = field(g, G_PAD_TOP), padLeft = field(g, G_PAD_LEFT);
  const rowBytes = <usize>(pw * inC) << 2;
  const copyFloats = (min(pw, inW + padLeft) - padLeft) * inC;
  memory.fill(panel, 0, <usize>ph * rowBytes);
  for (let py = 0; py < ph; py++) {
    const iy = py - padTop;
    if (iy < 0 || iy >= inH || copyFloats <= 0) continue;
    memory.copy(panel + <usize>py * rowBytes + (<usize>(padLeft * inC) << 2), image + (<usize>(iy * inW * inC) << 2), <usize>copyFloats << 2);
  }
  return panel;
}

@inline function rowFloatsOf(g: usize): i32 {
  return (needsPadding(g) ? spanW(g) : field(g, G_IN_W)) * field(g, G_IN_C);
}

@inline function biasAt(bias: usize, c: i32): v128 {
  return bias != 0 ? v128.load(bias + (<usize>c << 2)) : f32x4.splat(0);
}

/** The stored value: sum + bias, then relu when the layer's activation is fused (Relu.forward). */
@inline function finish(sum: v128, bias: v128, relu: bool): v128 {
  const z = f32x4.add(sum, bias);
  return relu ? changetype<Relu>(0).forward(z, z, z) : z;
}

@inline function madd(acc: v128, x: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, w));
}

/**
 * Sums of two horizontally adjacent pixels (patches at a and b) for output channels [c, c + 16), 8
 * accumulators, each tap's filter row loaded once for both. One flat loop over the taps, whose input
 * offsets come from the table `offsets` (bytes, i32): V8 keeps loop-carried vectors in registers in a
 * single loop, where nested loops made it spill them (2.5× slower, measured).
 */
function pairSums16(a: usize, b: usize, oa: usize, ob: usize, filter: usize, bias: usize, offsets: usize, patch: i32, tapBytes: usize, c: i32, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  let f = filter + (<usize>c << 2);
  for (let t = 0; t < patch; t++, f += tapBytes) {
    const off = <usize>load<i32>(offsets + (<usize>t << 2));
    const xa = v128.load32_splat(a + off), xb = v128.load32_splat(b + off);
    let w = v128.load(f);
    a0 = madd(a0, xa, w); b0 = madd(b0, xb, w);
    w = v128.load(f, 16);
    a1 = madd(a1, xa, w); b1 = madd(b1, xb, w);
    w = v128.load(f, 32);
    a2 = madd(a2, xa, w); b2 = madd(b2, xb, w);
    w = v128.load(f, 48);
    a3 = madd(a3, xa, w); b3 = madd(b3, xb, w);
  }
  const k0 = biasAt(bias, c), k1 = biasAt(bias, c + 4), k2 = biasAt(bias, c + 8), k3 = biasAt(bias, c + 12);
  const pa = oa + (<usize>c << 2), pb = ob + (<usize>c << 2);
  // One storing branch per case, no value merged after the loop: the pattern that kept V8 from spilling
  // the GEMM micro-kernel's sums (gemm.ts); here a precaution, not separately measured.
  if (relu) {
    v128.store(pa, finish(a0, k0, true)); v128.store(pa, finish(a1, k1, true), 16); v128.store(pa, finish(a2, k2, true), 32); v128.store(pa, finish(a3, k3, true), 48);
    v128.store(pb, finish(b0, k0, true)); v128.store(pb, finish(b1, k1, true), 16); v128.store(pb, finish(b2, k2, true), 32); v128.store(pb, finish(b3, k3, true), 48);
  } else {
    v128.store(pa, finish(a0, k0, false)); v128.store(pa, finish(a1, k1, false), 16); v128.store(pa, finish(a2, k2, false), 32); v128.store(pa, finish(a3, k3, false), 48);
    v128.store(pb, finish(b0, k0, false)); v128.store(pb, finish(b1, k1, false), 16); v128.store(pb, finish(b2, k2, false), 32); v128.store(pb, finish(b3, k3, false), 48);
  }
}

/** pairSums16 for channels [c, c + 4); b == a sums one pixel twice (the last pixel of a range). */
function pairSums4(a: usize, b: usize, oa: usize, ob: usize, filter: usize, bias: usize, offsets: usize, patch: i32, tapBytes: usize, c: i32, relu: bool): void {
  let a0 = f32x4.splat(0), b0 = a0;
  let f = filter + (<usize>c << 2);
  for (let t = 0; t < patch; t++, f += tapBytes) {
    const off = <usize>load<i32>(offsets + (<usize>t << 2));
    const w = v128.load(f);
    a0 = madd(a0, v128.load32_splat(a + off), w);
    b0 = madd(b0, v128.load32_splat(b + off), w);
  }
  const k0 = biasAt(bias, c);
  v128.store(oa + (<usize>c << 2), finish(a0, k0, relu));
  v128.store(ob + (<usize>c << 2), finish(b0, k0, relu));
}

/** All output channels of the pixels at a and b (b == a: one pixel, written twice to oa == ob). */
@inline function pixelPair(a: usize, b: usize, oa: usize, ob: usize, filter: usize, bias: usize, offsets: usize, patch: i32, outC: i32, relu: bool): void {
  const tapBytes = <usize>outC << 2;
  let c = 0;
  for (; c + 16 <= outC; c += 16) pairSums16(a, b, oa, ob, filter, bias, offsets, patch, tapBytes, c, relu);
  for (; c < outC; c += 4) pairSums4(a, b, oa, ob, filter, bias, offsets, patch, tapBytes, c, relu);
}

/** The byte offset of each tap's input from the patch's first float, (ky, kx, c) order, into offsets. */
function writeTapOffsets(g: usize, rowFloats: i32, offsets: usize): void {
  const kh = field(g, G_KH), rowLen = field(g, G_KW) * field(g, G_IN_C);
  for (let ky = 0, t = 0; ky < kh; ky++) {
    for (let j = 0; j < rowLen; j++, t++) store<i32>(offsets + (<usize>t << 2), (ky * rowFloats + j) << 2);
  }
}

/** out rows [rowStart, rowEnd) (output pixels in NHWC order) = conv(x, filter) + bias [then relu]. */
export function directForwardRows(x: usize, filter: usize, out: usize, bias: usize, g: usize, rowStart: i32, rowEnd: i32, panel: usize): void {
  const inC = field(g, G_IN_C), strideH = field(g, G_STRIDE_H), strideW = field(g, G_STRIDE_W);
  const outH = field(g, G_OUT_H), outW = field(g, G_OUT_W), outC = field(g, G_OUT_C);
  const patch = field(g, G_KH) * field(g, G_KW) * inC;
  const relu = field(g, G_RELU) != 0;
  const perImage = outH * outW;
  const rowFloats = rowFloatsOf(g);
  const offsets = panel + (<usize>(paddedFloats(g) + DUMMY_FLOATS) << 2);
  writeTapOffsets(g, rowFloats, offsets);
  const pixelBytes = <usize>(strideW * inC) << 2;
  const outBytes = <usize>outC << 2;
  let r = rowStart;
  while (r < rowEnd) {
    const n = r / perImage;
    const imageEnd = min(rowEnd, (n + 1) * perImage);
    const src = imageSource(x, n, g, panel);
    let p = r - n * perImage;
    let oy = p / outW, ox = p % outW;
    let o = out + <usize>r * outBytes;
    while (r < imageEnd) {
      const a = src + (<usize>(oy * strideH * rowFloats + ox * strideW * inC) << 2);
      if (ox + 1 < outW && r + 1 < imageEnd) {
        pixelPair(a, a + pixelBytes, o, o + outBytes, filter, bias, offsets, patch, outC, relu);
        r += 2; ox += 2; o += outBytes << 1;
      } else {
        pixelPair(a, a, o, o, filter, bias, offsets, patch, outC, relu);
        r++; ox++; o += outBytes;
      }
      if (ox >= outW) {
        ox = 0;
        oy++;
      }
    }
  }
}

/**
 * f0, f1, f2 (three taps' rows of dFilter, channels [c, c + 8)) += Σ over `run` pixels of one output row
 * of x[s + off]·dy[q]. Three taps by eight channels is six accumulators: with the two dy vectors and
 * the three inputs it stays inside the 15 vector registers V8 allocates on x64. The sums start at zero
 * in a loop of their own, as in the GEMM's micro-kernel: V8 keeps them in registers then.
 */
function filterRun3x8(s: usize, q: usize, run: i32, off0: usize, off1: usize, off2: usize, pixelBytes: usize, tapBytes: usize, f0: usize, f1: usize, f2: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0;
  for (let i = 0; i < run; i++) {
    const g0 = v128.load(q), g1 = v128.load(q, 16);
    let x = v128.load32_splat(s + off0);
    a0 = madd(a0, x, g0); a1 = madd(a1, x, g1);
    x = v128.load32_splat(s + off1);
    b0 = madd(b0, x, g0); b1 = madd(b1, x, g1);
    x = v128.load32_splat(s + off2);
    d0 = madd(d0, x, g0); d1 = madd(d1, x, g1);
    s += pixelBytes;
    q += tapBytes;
  }
  v128.store(f0, f32x4.add(v128.load(f0), a0)); v128.store(f0, f32x4.add(v128.load(f0, 16), a1), 16);
  v128.store(f1, f32x4.add(v128.load(f1), b0)); v128.store(f1, f32x4.add(v128.load(f1, 16), b1), 16);
  v128.store(f2, f32x4.add(v128.load(f2), d0)); v128.store(f2, f32x4.add(v128.load(f2, 16), d1), 16);
}

/**
 * dFilter rows [t0, t0 + 3) (taps), channels [c, c + 8) (or [c, c + 4) when not wide), += Σ over output pixels [p0, p1) of image src
 * of x[pixel + tap]·dy[pixel], one output row at a time. Taps past the patch (t >= patch) read a valid
 * address and add into a dummy row of the scratch block instead.
 */
function filterTaps3(src: usize, dy: usize, dF: usize, g: usize, rowFloats: i32, p0: i32, p1: i32, t0: i32, c: i32, wide: bool, dummy: usize): void {
  const inC = field(g, G_IN_C), rowLen = field(g, G_KW) * inC, patch = field(g, G_KH) * rowLen;
  const strideH = field(g, G_STRIDE_H), strideW = field(g, G_STRIDE_W), outW = field(g, G_OUT_W), outC = field(g, G_OUT_C);
  const t1 = min(t0 + 1, patch - 1), t2 = min(t0 + 2, patch - 1);
  const off0 = <usize>((t0 / rowLen) * rowFloats + t0 % rowLen) << 2;
  const off1 = <usize>((t1 / rowLen) * rowFloats + t1 % rowLen) << 2;
  const off2 = <usize>((t2 / rowLen) * rowFloats + t2 % rowLen) << 2;
  const tapBytes = <usize>outC << 2;
  const f0 = dF + <usize>t0 * tapBytes + (<usize>c << 2);
  const f1 = t0 + 1 < patch ? f0 + tapBytes : dummy;
  const f2 = t0 + 2 < patch ? f0 + (tapBytes << 1) : dummy;
  const pixelBytes = <usize>(strideW * inC) << 2;
  let oy = p0 / outW, ox = p0 % outW;
  let q = dy + <usize>p0 * tapBytes + (<usize>c << 2);
  for (let p = p0; p < p1;) {
    const run = min(outW - ox, p1 - p);
    const s = src + (<usize>(oy * strideH * rowFloats + ox * strideW * inC) << 2);
    if (wide) filterRun3x8(s, q, run, off0, off1, off2, pixelBytes, tapBytes, f0, f1, f2);
    else filterRun3x4(s, q, run, off0, off1, off2, pixelBytes, tapBytes, f0, f1, f2);
    q += <usize>run * tapBytes;
    p += run;
    ox = 0;
    oy++;
  }
}

/** filterRun3x8 for four channels. */
function filterRun3x4(s: usize, q: usize, run: i32, off0: usize, off1: usize, off2: usize, pixelBytes: usize, tapBytes: usize, f0: usize, f1: usize, f2: usize): void {
  let a0 = f32x4.splat(0), b0 = a0, d0 = a0;
  for (let i = 0; i < run; i++) {
    const g0 = v128.load(q);
    a0 = madd(a0, v128.load32_splat(s + off0), g0);
    b0 = madd(b0, v128.load32_splat(s + off1), g0);
    d0 = madd(d0, v128.load32_splat(s + off2), g0);
    s += pixelBytes;
    q += tapBytes;
  }
  v128.store(f0, f32x4.add(v128.load(f0), a0));
  v128.store(f1, f32x4.add(v128.load(f1), b0));
  v128.store(f2, f32x4.add(v128.load(f2), d0));
}

/** dFilter [+]= Σ over output rows [rowStart, rowEnd) of patchᵀ·dy, image by image in row order. */
export function directFilterRows(x: usize, dy: usize, dFilter: usize, g: usize, rowStart: i32, rowEnd: i32, panel: usize, accumulate: bool): void {
  const patch = field(g, G_KH) * field(g, G_KW) * field(g, G_IN_C), outC = field(g, G_OUT_C);
  const perImage = field(g, G_OUT_H) * field(g, G_OUT_W);
  if (!accumulate) memory.fill(dFilter, 0, <usize>(patch * outC) << 2);
  const rowFloats = rowFloatsOf(g);
  const dummy = panel + (<usize>paddedFloats(g) << 2);
  let r = rowStart;
  while (r < rowEnd) {
    const n = r / perImage;
    const imageEnd = min(rowEnd, (n + 1) * perImage);
    const src = imageSource(x, n, g, panel);
    const dyImage = dy + (<usize>(n * perImage * outC) << 2);
    const p0 = r - n * perImage, p1 = imageEnd - n * perImage;
    for (let c = 0; c < outC; c += 8) {
      const wide = c + 8 <= outC;
      for (let t = 0; t < patch; t += 3) filterTaps3(src, dyImage, dFilter, g, rowFloats, p0, p1, t, c, wide, dummy);
    }
    r = imageEnd;
  }
}
