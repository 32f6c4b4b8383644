/**
 * The data movement of NHWC convolution and pooling (src/backend/conv.ts is the reference; the same
 * conventions hold here): im2col writes the patches of a range of output pixels as rows of kh·kw·inC
 * floats in (ky, kx, c) order, the HWIO filter's row order, so that one GEMM gives the output; col2im
 * adds them back. A patch row is, per kernel row ky, one contiguous run of kw·inC input floats (clipped
 * at the image border), which is what makes this a copy of runs rather than a gather of floats.
 *
 * The geometry travels as a block of i32 in linear memory (geometry.ts).
 */
import { Linear, Relu } from './activations';
import { ACCUMULATE, TRANSPOSE_A, TRANSPOSE_B, gemm } from './gemm';
import { directFilterRows, directForwardRows } from './conv-direct';
import {
  G_DIRECT, G_IN_C, G_IN_H, G_IN_W, G_KH, G_KW, G_OUT_C, G_OUT_H, G_OUT_W, G_PAD_LEFT, G_PAD_TOP, G_RELU, G_STRIDE_H, G_STRIDE_W, field,
} from './geometry';

/**
 * Copies `count` floats. Runs are short (a 3×3 kernel over one channel is three floats; over 16 channels
 * 48), where memory.copy's call costs more than the copy, so vectors up to a few hundred floats.
 */
@inline function copyRun(dst: usize, src: usize, count: i32): void {
  if (count >= 512) {
    memory.copy(dst, src, <usize>count << 2);
    return;
  }
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
    v128.store(dst + o, v128.load(src + o, 16), 16);
  }
  if (i + 4 <= count) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
    i += 4;
  }
  const rest = count - i;
  if (rest == 0) return;
  const o = <usize>i << 2;
  store<f32>(dst + o, load<f32>(src + o));
  if (rest > 1) store<f32>(dst + o, load<f32>(src + o, 4), 4);
  if (rest > 2) store<f32>(dst + o, load<f32>(src + o, 8), 8);
}

/** dst[i] += src[i] for i < count. */
@inline function addRun(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const d = dst + (<usize>i << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>i << 2))));
  }
  for (; i < count; i++) {
    const d = dst + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>i << 2)));
  }
}

/** Patches of output pixels rowStart … rowStart+rowCount−1 of x into cols (rowCount × kh·kw·inC); padding is 0. */
export function im2colRows(x: usize, cols: usize, g: usize, rowStart: i32, rowCount: i32): void {
  const inH = field(g, G_IN_H), inW = field(g, G_IN_W), inC = field(g, G_IN_C);
  const kh = field(g, G_KH), kw = field(g, G_KW);
  const strideH = field(g, G_STRIDE_H), strideW = field(g, G_STRIDE_W);
  const padTop = field(g, G_PAD_TOP), padLeft = field(g, G_PAD_LEFT);
  const outH = field(g, G_OUT_H), outW = field(g, G_OUT_W);
  const rowLen = kw * inC;
  const rowBytes = <usize>rowLen << 2;
  let ox = rowStart % outW;
  let oy = (rowStart / outW) % outH;
  let n = rowStart / (outW * outH);
  let d = cols;
  for (let r = 0; r < rowCount; r++) {
    const iy0 = oy * strideH - padTop;
    const ix0 = ox * strideW - padLeft;
    const kx0 = max(0, -ix0);
    const kx1 = min(kw, inW - ix0);
    for (let ky = 0; ky < kh; ky++, d += rowBytes) {
      const iy = iy0 + ky;
      if (iy < 0 || iy >= inH || kx1 <= kx0) {
        memory.fill(d, 0, rowBytes);
        continue;
      }
      if (kx0 > 0) memory.fill(d, 0, <usize>(kx0 * inC) << 2);
      const src = x + (<usize>(((n * inH + iy) * inW + ix0 + kx0) * inC) << 2);
      copyRun(d + (<usize>(kx0 * inC) << 2), src, (kx1 - kx0) * inC);
      if (kx1 < kw) memory.fill(d + (<usize>(kx1 * inC) << 2), 0, <usize>((kw - kx1) * inC) << 2);
    }
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        n++;
      }
    }
  }
}

/** The adjoint of im2colRows: adds each patch value of cols into dx where it came from (padding dropped). */
export function col2imRows(cols: usize, dx: usize, g: usize, rowStart: i32, rowCount: i32): void {
  const inH = field(g, G_IN_H), inW = field(g, G_IN_W), inC = field(g, G_IN_C);
  const kh = field(g, G_KH), kw = field(g, G_KW);
  const strideH = field(g, G_STRIDE_H), strideW = field(g, G_STRIDE_W);
  const padTop = field(g, G_PAD_TOP), padLeft = field(g, G_PAD_LEFT);
  const outH = field(g, G_OUT_H), outW = field(g, G_OUT_W);
  const rowLen = kw * inC;
  const patchBytes = <usize>(kh * rowLen) << 2;
  let ox = rowStart % outW;
  let oy = (rowStart / outW) % outH;
  let n = rowStart / (outW * outH);
  let s = cols;
  for (let r = 0; r < rowCount; r++, s += patchBytes) {
    const iy0 = oy * strideH - padTop;
    const ix0 = ox * strideW - padLeft;
    const kx0 = max(0, -ix0);
    const kx1 = min(kw, inW - ix0);
    if (kx1 > kx0) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky;
        if (iy < 0 || iy >= inH) continue;
        const src = s + (<usize>(ky * rowLen + kx0 * inC) << 2);
        const dst = dx + (<usize>(((n * inH + iy) * inW + ix0 + kx0) * inC) << 2);
        addRun(dst, src, (kx1 - kx0) * inC);
      }
    }
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        n++;
      }
    }
  }
}

// Pooling. Same geometry block, read as: inH, inW, channels, poolH, poolW, strideH, strideW, padTop,
// padLeft, outH, outW. Windows are clipped to the image, so padding never takes part.

/**
 * Max pooling of images [n0, n1) with the first maximum winning and NaN propagating (the first NaN is
 * recorded), four channels per vector; argmax[i] is the flat index into x of out[i]'s winner.
 */
export function maxPoolImages(x: usize, out: usize, argmax: usize, g: usize, n0: i32, n1: i32): void {
  const inH = field(g, G_IN_H), inW = field(g, G_IN_W), C = field(g, G_IN_C);
  const poolH = field(g, G_KH), poolW = field(g, G_KW);
  const strideH = field(g, G_STRIDE_H), strideW = field(g, G_STRIDE_W);
  const padTop = field(g, G_PAD_TOP), padLeft = field(g, G_PAD_LEFT);
  const outH = field(g, G_OUT_H), outW = field(g, G_OUT_W);
  const cv = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const ys = oy * strideH - padTop;
      const y0 = max(0, ys), y1 = min(inH, ys + poolH);
      for (let ox = 0; ox < outW; ox++) {
        const xs = ox * strideW - padLeft;
        const x0 = max(0, xs), x1 = min(inW, xs + poolW);
        const inBase = ((n * inH + y0) * inW + x0) * C;
        const o = ((n * outH + oy) * outW + ox) * C;
        let c = 0;
        for (; c < cv; c += 4) {
          let bestIdx = i32x4.add(i32x4.splat(inBase + c), lanes);
          let best = v128.load(x + (<usize>(inBase + c) << 2));
          for (let y = y0; y < y1; y++) {
            let i = ((n * inH + y) * inW + x0) * C + c;
            for (let xx = x0; xx < x1; xx++, i += C) {
              const v = v128.load(x + (<usize>i << 2));
              // v wins when best is still a number and v is not <= best: greater, or the first NaN.
              const take = v128.andnot(f32x4.eq(best, best), f32x4.le(v, best));
              best = v128.bitselect(v, best, take);
              bestIdx = v128.bitselect(i32x4.add(i32x4.splat(i), lanes), bestIdx, take);
            }
          }
          v128.store(out + (<usize>(o + c) << 2), best);
          v128.store(argmax + (<usize>(o + c) << 2), bestIdx);
        }
        for (; c < C; c++) {
          let bestI = inBase + c;
          let best = load<f32>(x + (<usize>bestI << 2));
          for (let y = y0; y < y1; y++) {
            for (let xx = x0; xx < x1; xx++) {
              const i = ((n * inH + y) * inW + xx) * C + c;
              const v = load<f32>(x + (<usize>i << 2));
              if (v > best || (v != v && best == best)) {
                best = v;
                bestI = i;
              }
            }
          }
          store<f32>(out + (<usize>(o + c) << 2), best);
          store<i32>(argmax + (<usize>(o + c) << 2), bestI);
        }
      }
    }
  }
}

/**
 * dx[argmax[i]] += dy[i] for outputs [i0, i1); dx must be zeroed first. Overlapping windows send several
 * outputs to one input, so this stays a scalar scatter, in output order.
 */
export function maxPoolBackwardRange(dy: usize, argmax: usize, dx: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    const d = dx + (<usize>j << 2);
    store<f32>(d, load<f32>(d) + load<f32>(dy + (<usize>i << 2)));
  }
}

/**
 * Max pooling's backward when the windows do not overlap (stride = pool size, no padding), for images
 * [n0, n1): every input element is in at most one window, so dx = dy where the element is its window's
 * recorded winner and 0 elsewhere, written once, four channels per vector; the rows and columns no
 * window covers (inH − outH·poolH, inW − outW·poolW) are zeroed. No zeroing pass over all of dx and no
 * scattered read-modify-write, which the general path needs.
 */
export function maxPoolBackwardTiled(dy: usize, argmax: usize, dx: usize, g: usize, n0: i32, n1: i32): void {
  const inH = field(g, G_IN_H), inW = field(g, G_IN_W), C = field(g, G_IN_C);
  const poolH = field(g, G_KH), poolW = field(g, G_KW);
  const outH = field(g, G_OUT_H), outW = field(g, G_OUT_W);
  const cv = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  const zero = f32x4.splat(0);
  const coveredH = outH * poolH, coveredW = outW * poolW;
  for (let n = n0; n < n1; n++) {
    if (coveredW < inW) {
      for (let y = 0; y < coveredH; y++) memory.fill(dx + (<usize>(((n * inH + y) * inW + coveredW) * C) << 2), 0, <usize>((inW - coveredW) * C) << 2);
    }
    if (coveredH < inH) memory.fill(dx + (<usize>((n * inH + coveredH) * inW * C) << 2), 0, <usize>((inH - coveredH) * inW * C) << 2);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((n * outH + oy) * outW + ox) * C;
        const inBase = ((n * inH + oy * poolH) * inW + ox * poolW) * C;
        let c = 0;
        for (; c < cv; c += 4) {
          const d = v128.load(dy + (<usize>(o + c) << 2));
          const winner = v128.load(argmax + (<usize>(o + c) << 2));
          for (let y = 0; y < poolH; y++) {
            for (let x = 0; x < poolW; x++) {
              const i = inBase + (y * inW + x) * C + c;
              const here = i32x4.eq(winner, i32x4.add(i32x4.splat(i), lanes));
              v128.store(dx + (<usize>i << 2), v128.bitselect(d, zero, here));
            }
          }
        }
        for (; c < C; c++) {
          const d = load<f32>(dy + (<usize>(o + c) << 2));
          const winner = load<i32>(argmax + (<usize>(o + c) << 2));
          for (let y = 0; y < poolH; y++) {
            for (let x = 0; x < poolW; x++) {
              const i = inBase + (y * inW + x) * C + c;
              store<f32>(dx + (<usize>i << 2), winner == i ? d : 0);
            }
          }
        }
      }
    }
  }
}

/** Σ over rows of x [rows × n] into out [n] (float32, in row order), or added to out when accumulate. */
export function sumRows(x: usize, out: usize, rows: i32, n: i32, accumulate: bool): void {
  if (!accumulate) memory.fill(out, 0, <usize>n << 2);
  const nv = n & ~3;
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++, x += rowBytes) {
    addRun(out, x, nv);
    for (let j = nv; j < n; j++) {
      const d = out + (<usize>j << 2);
      store<f32>(d, load<f32>(d) + load<f32>(x + (<usize>j << 2)));
    }
  }
}

// Convolution as im2col + GEMM over a range of output pixels (rows), block by block through a panel of
// blockRows patch rows. Each is one call a thread makes for its share of the work.

/** out rows [rowStart, rowEnd) = patches · filter + bias, then relu when G_RELU is set. */
export function conv2dForwardRows(
  x: usize, filter: usize, out: usize, bias: usize, g: usize, rowStart: i32, rowEnd: i32, panel: usize, blockRows: i32, scratch: usize,
): void {
  if (field(g, G_DIRECT) != 0) {
    directForwardRows(x, filter, out, bias, g, rowStart, rowEnd, panel);
    return;
  }
  const outC = field(g, G_OUT_C);
  const patch = field(g, G_KH) * field(g, G_KW) * field(g, G_IN_C);
  const relu = field(g, G_RELU) != 0;
  for (let r0 = rowStart; r0 < rowEnd; r0 += blockRows) {
    const rc = min(blockRows, rowEnd - r0);
    im2colRows(x, panel, g, r0, rc);
    const o = out + (<usize>(r0 * outC) << 2);
    if (relu) gemm<Relu>(panel, filter, o, rc, patch, outC, 0, bias, 0, 0, scratch, 0, 0, 0);
    else gemm<Linear>(panel, filter, o, rc, patch, outC, 0, bias, 0, 0, scratch, 0, 0, 0);
  }
}

/**
 * dx += col2im(dy · filterᵀ) for output rows [rowStart, rowEnd); the caller zeroes dx. Rows are whole
 * images when threads split the work, so no two threads add into the same dx element.
 */
export function conv2dBackwardInputRows(
  dy: usize, filter: usize, dx: usize, g: usize, rowStart: i32, rowEnd: i32, panel: usize, blockRows: i32, scratch: usize,
): void {
  const outC = field(g, G_OUT_C);
  const patch = field(g, G_KH) * field(g, G_KW) * field(g, G_IN_C);
  for (let r0 = rowStart; r0 < rowEnd; r0 += blockRows) {
    const rc = min(blockRows, rowEnd - r0);
    gemm<Linear>(dy + (<usize>(r0 * outC) << 2), filter, panel, rc, outC, patch, TRANSPOSE_B, 0, 0, 0, scratch, 0, 0, 0);
    col2imRows(panel, dx, g, r0, rc);
  }
}

/** dFilter [+]= Σ over rows [rowStart, rowEnd) of patchᵀ · dy, block by block in row order. */
export function conv2dBackwardFilterRows(
  x: usize, dy: usize, dFilter: usize, g: usize, rowStart: i32, rowEnd: i32, panel: usize, blockRows: i32, scratch: usize,
  accumulate: bool,
): void {
  if (field(g, G_DIRECT) != 0) {
    directFilterRows(x, dy, dFilter, g, rowStart, rowEnd, panel, accumulate);
    return;
  }
  const outC = field(g, G_OUT_C);
  const patch = field(g, G_KH) * field(g, G_KW) * field(g, G_IN_C);
  for (let r0 = rowStart; r0 < rowEnd; r0 += blockRows) {
    const rc = min(blockRows, rowEnd - r0);
    im2colRows(x, panel, g, r0, rc);
    const flags = TRANSPOSE_A | (accumulate || r0 > rowStart ? ACCUMULATE : 0);
    gemm<Linear>(panel, dy + (<usize>(r0 * outC) << 2), dFilter, patch, rc, outC, flags, 0, 0, 0, scratch, 0, 0, 0);
  }
}

/**
 * The filter gradient of chunks [c0, c1) of chunkRows output rows each (the last chunk ends at rows),
 * chunk c into partials + c·filterFloats. The chunking depends on the geometry only, never on the
 * number of threads, and the chunks are summed in order afterwards (sumRows), so the result has the
 * same bits on any number of threads.
 */
export function conv2dBackwardFilterChunks(
  x: usize, dy: usize, partials: usize, g: usize, rows: i32, chunkRows: i32, c0: i32, c1: i32, panel: usize, blockRows: i32, scratch: usize,
): void {
  const filterBytes = <usize>(field(g, G_KH) * field(g, G_KW) * field(g, G_IN_C) * field(g, G_OUT_C)) << 2;
  for (let c = c0; c < c1; c++) {
    const r0 = c * chunkRows;
    conv2dBackwardFilterRows(x, dy, partials + <usize>c * filterBytes, g, r0, min(rows, r0 + chunkRows), panel, blockRows, scratch, false);
  }
}

/** The first i < count whose argmax[i] is outside [0, limit), or −1 when all are inside. */
export function maxPoolCheck(argmax: usize, count: i32, limit: i32): i32 {
  for (let i = 0; i < count; i++) {
    if (<u32>load<i32>(argmax + (<usize>i << 2)) >= <u32>limit) return i;
  }
  return -1;
}
