/**
 * The reference convolution kernels over float32 arrays (NHWC input, HWIO filter; geometry in
 * ./geometry.ts). Convolution is lowered to GEMM through im2col: the patches of a block of output pixels
 * form a matrix [pixels, kh·kw·inC] whose product with the filter (seen as [kh·kw·inC, outC]) is that block
 * of the output. Blocks are at most BLOCK_ROWS pixels so the patches buffer stays a few hundred kilobytes
 * even for a 60,000-image batch, and the GEMM is a parameter so that a faster backend can pass its own.
 */
import { describe } from '../util/describe.js';
import { checkConvGeometry, type Conv2dGeometry } from './geometry.js';
import { matmulReference, type Gemm } from './js-gemm.js';
import { checkF32 } from './js-checks.js';

/** Output pixels per im2col panel: enough rows for the GEMM to run at speed, few enough to stay in cache. */
export const BLOCK_ROWS = 256;
/** Upper bound on the panel, in floats, for very deep patches (kh·kw·inC in the thousands). */
const MAX_PANEL_FLOATS = 1 << 20;

// ---------------------------------------------------------------------------------------------------

const IN_DESC = 'batch·inH·inW·inC';
const OUT_DESC = 'batch·outH·outW·outC';
const FILTER_DESC = 'kh·kw·inC·outC';

function checkGemm(fn: string, gemm: unknown): void {
  if (typeof gemm !== 'function') throw new TypeError(`${fn}: gemm must be a function (a, b, out, shape), got ${describe(gemm)}`);
}

/** 1×1, stride 1, unpadded: the input already is the patches matrix, so im2col is skipped. */
const isPointwise = (g: Conv2dGeometry) =>
  g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;

const blockRowsFor = (patch: number) => Math.max(1, Math.min(BLOCK_ROWS, Math.floor(MAX_PANEL_FLOATS / patch)));

// One panel buffer reused across calls: the kernels are synchronous and never nest.
let panel = new Float32Array(0);
function panelOf(floats: number): Float32Array {
  if (panel.length < floats) panel = new Float32Array(floats);
  return panel;
}

// ---------------------------------------------------------------------------------------------------
// im2col / col2im

function checkRows(fn: string, g: Conv2dGeometry, rowStart: number, rowCount: number): void {
  const rows = g.batch * g.outH * g.outW;
  if (!Number.isInteger(rowStart) || rowStart < 0 || rowStart > rows) {
    throw new Error(`${fn}: rowStart must be an integer in [0, ${rows}] (batch·outH·outW), got ${rowStart}`);
  }
  if (!Number.isInteger(rowCount) || rowCount < 0 || rowStart + rowCount > rows) {
    throw new Error(`${fn}: rowCount must be an integer in [0, ${rows - rowStart}] (the rows left after rowStart ${rowStart}), got ${rowCount}`);
  }
}

function checkCols(fn: string, name: string, cols: unknown, rowCount: number, patch: number): void {
  if (!(cols instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array, got ${describe(cols)}`);
  if (cols.length < rowCount * patch) {
    throw new Error(`${fn}: ${name} must hold at least rowCount·kh·kw·inC = ${rowCount}·${patch} = ${rowCount * patch} elements, got ${cols.length}`);
  }
}

/**
 * Writes the patches of output pixels rowStart … rowStart+rowCount−1 (pixel = (n·outH + oy)·outW + ox)
 * into cols, one row of kh·kw·inC values per pixel in (ky, kx, c) order, which is the HWIO filter's
 * row order; padded positions are 0.
 */
export function im2col(x: Float32Array, g: Conv2dGeometry, cols: Float32Array, rowStart = 0, rowCount?: number): void {
  const fn = 'im2col';
  const s = checkConvGeometry(fn, g);
  const count = rowCount ?? s.rows - rowStart;
  checkF32(fn, 'x', x, s.input, IN_DESC);
  checkRows(fn, g, rowStart, count);
  checkCols(fn, 'cols', cols, count, s.patch);
  im2colUnchecked(x, g, cols, rowStart, count);
}

function im2colUnchecked(x: Float32Array, g: Conv2dGeometry, cols: Float32Array, rowStart: number, rowCount: number): void {
  const { inH, inW, inC, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  const patch = kh * kw * inC;
  const rowLen = kw * inC;
  let ox = rowStart % outW;
  let oy = Math.floor(rowStart / outW) % outH;
  let n = Math.floor(rowStart / (outW * outH));
  for (let r = 0; r < rowCount; r++) {
    const iy0 = oy * strideH - padTop;
    const ix0 = ox * strideW - padLeft;
    // Kernel columns whose input column exists; consecutive kx read consecutive memory.
    const kx0 = Math.max(0, -ix0);
    const kx1 = Math.min(kw, inW - ix0);
    let d = r * patch;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky;
      const rowEnd = d + rowLen;
      if (iy < 0 || iy >= inH || kx1 <= kx0) {
        for (; d < rowEnd; d++) cols[d] = 0;
        continue;
      }
      const copyStart = d + kx0 * inC;
      const copyEnd = d + kx1 * inC;
      for (; d < copyStart; d++) cols[d] = 0;
      for (let src = ((n * inH + iy) * inW + ix0 + kx0) * inC; d < copyEnd; d++, src++) cols[d] = x[src]!;
      for (; d < rowEnd; d++) cols[d] = 0;
    }
    if (++ox === outW) {
      ox = 0;
      if (++oy === outH) {
        oy = 0;
        n++;
      }
    }
  }
}

/**
 * The adjoint of im2col: adds each patch value of cols back into the input position it came from
 * (padded positions are dropped). It accumulates into dx rather than overwriting, so a caller processing
 * row blocks zeroes dx once and then calls it per block.
 */
export function col2im(cols: Float32Array, g: Conv2dGeometry, dx: Float32Array, rowStart = 0, rowCount?: number): void {
  const fn = 'col2im';
  const s = checkConvGeometry(fn, g);
  const count = rowCount ?? s.rows - rowStart;
  checkF32(fn, 'dx', dx, s.input, IN_DESC);
  checkRows(fn, g, rowStart, count);
  checkCols(fn, 'cols', cols, count, s.patch);
  col2imUnchecked(cols, g, dx, rowStart, count);
}

function col2imUnchecked(cols: Float32Array, g: Conv2dGeometry, dx: Float32Array, rowStart: number, rowCount: number): void {
  const { inH, inW, inC, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  const patch = kh * kw * inC;
  const rowLen = kw * inC;
  let ox = rowStart % outW;
  let oy = Math.floor(rowStart / outW) % outH;
  let n = Math.floor(rowStart / (outW * outH));
  for (let r = 0; r < rowCount; r++) {
    const iy0 = oy * strideH - padTop;
    const ix0 = ox * strideW - padLeft;
    const kx0 = Math.max(0, -ix0);
    const kx1 = Math.min(kw, inW - ix0);
    if (kx1 > kx0) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky;
        if (iy < 0 || iy >= inH) continue;
        const base = r * patch + ky * rowLen;
        const end = base + kx1 * inC;
        for (let d = base + kx0 * inC, dst = ((n * inH + iy) * inW + ix0 + kx0) * inC; d < end; d++, dst++) dx[dst]! += cols[d]!;
      }
    }
    if (++ox === outW) {
      ox = 0;
      if (++oy === outH) {
        oy = 0;
        n++;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Convolution

/** out[n, oy, ox, co] = Σ x[n, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci]·filter[ky, kx, ci, co] + bias[co]. */
export function conv2dForward(
  x: Float32Array,
  filter: Float32Array,
  out: Float32Array,
  g: Conv2dGeometry,
  bias?: Float32Array,
  gemm: Gemm = matmulReference,
): void {
  const fn = 'conv2dForward';
  const s = checkConvGeometry(fn, g);
  checkF32(fn, 'x', x, s.input, IN_DESC);
  checkF32(fn, 'filter', filter, s.filter, FILTER_DESC);
  checkF32(fn, 'out', out, s.output, OUT_DESC);
  if (bias !== undefined) checkF32(fn, 'bias', bias, g.outC, 'outC');
  checkGemm(fn, gemm);
  const { patch, rows } = s;
  const outC = g.outC;
  const pointwise = isPointwise(g);
  const block = blockRowsFor(patch);
  const cols = pointwise ? x : panelOf(block * patch);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const rc = Math.min(block, rows - r0);
    if (!pointwise) im2colUnchecked(x, g, cols, r0, rc);
    const a = pointwise ? x.subarray(r0 * patch, (r0 + rc) * patch) : cols.subarray(0, rc * patch);
    gemm(a, filter, out.subarray(r0 * outC, (r0 + rc) * outC), { m: rc, k: patch, n: outC });
  }
  if (bias) {
    for (let i = 0; i < s.output; i += outC) {
      for (let c = 0; c < outC; c++) out[i + c]! += bias[c]!;
    }
  }
}

/** dx = ∂(Σ dy·conv(x, filter))/∂x, overwriting dx: col2im of dy·filterᵀ. */
export function conv2dBackwardInput(
  dy: Float32Array,
  filter: Float32Array,
  dx: Float32Array,
  g: Conv2dGeometry,
  gemm: Gemm = matmulReference,
): void {
  const fn = 'conv2dBackwardInput';
  const s = checkConvGeometry(fn, g);
  checkF32(fn, 'dy', dy, s.output, OUT_DESC);
  checkF32(fn, 'filter', filter, s.filter, FILTER_DESC);
  checkF32(fn, 'dx', dx, s.input, IN_DESC);
  checkGemm(fn, gemm);
  const { patch, rows } = s;
  const outC = g.outC;
  const block = blockRowsFor(patch);
  // The filter is small next to the panels: transposing it once gives every GEMM call contiguous rows
  // of B instead of a strided transposed read per multiply.
  const filterT = new Float32Array(filter.length);
  for (let p = 0; p < patch; p++) {
    for (let c = 0; c < outC; c++) filterT[c * patch + p] = filter[p * outC + c]!;
  }
  if (isPointwise(g)) {
    // Each input pixel feeds exactly one output pixel, so the product is dx itself.
    for (let r0 = 0; r0 < rows; r0 += block) {
      const rc = Math.min(block, rows - r0);
      gemm(dy.subarray(r0 * outC, (r0 + rc) * outC), filterT, dx.subarray(r0 * patch, (r0 + rc) * patch), { m: rc, k: outC, n: patch });
    }
    return;
  }
  dx.fill(0);
  const dCols = panelOf(block * patch);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const rc = Math.min(block, rows - r0);
    gemm(dy.subarray(r0 * outC, (r0 + rc) * outC), filterT, dCols.subarray(0, rc * patch), { m: rc, k: outC, n: patch });
    col2imUnchecked(dCols, g, dx, r0, rc);
  }
}

/**
 * dFilter = ∂(Σ dy·conv(x, filter))/∂filter = im2col(x)ᵀ·dy, overwriting dFilter, or adding to it when
 * `accumulate` is set (gradients accumulate, as the tape's do).
 */
export function conv2dBackwardFilter(
  x: Float32Array,
  dy: Float32Array,
  dFilter: Float32Array,
  g: Conv2dGeometry,
  accumulate = false,
  gemm: Gemm = matmulReference,
): void {
  const fn = 'conv2dBackwardFilter';
  const s = checkConvGeometry(fn, g);
  checkF32(fn, 'x', x, s.input, IN_DESC);
  checkF32(fn, 'dy', dy, s.output, OUT_DESC);
  checkF32(fn, 'dFilter', dFilter, s.filter, FILTER_DESC);
  if (typeof accumulate !== 'boolean') throw new TypeError(`${fn}: accumulate must be a boolean, got ${describe(accumulate)}`);
  checkGemm(fn, gemm);
  const { patch, rows } = s;
  const outC = g.outC;
  if (rows === 0) {
    if (!accumulate) dFilter.fill(0);
    return;
  }
  const pointwise = isPointwise(g);
  const block = blockRowsFor(patch);
  const cols = pointwise ? x : panelOf(block * patch);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const rc = Math.min(block, rows - r0);
    if (!pointwise) im2colUnchecked(x, g, cols, r0, rc);
    const a = pointwise ? x.subarray(r0 * patch, (r0 + rc) * patch) : cols.subarray(0, rc * patch);
    gemm(a, dy.subarray(r0 * outC, (r0 + rc) * outC), dFilter, {
      m: patch, k: rc, n: outC, transposeA: true, accumulate: accumulate || r0 > 0,
    });
  }
}
