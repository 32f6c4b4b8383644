/**
 * Convolution and pooling kernels over float32 arrays, channels-last (NHWC) with HWIO filters
 * ([kh, kw, inChannels, outChannels]), the layouts of Keras and TensorFlow.js, so weights move between
 * them without transposition.
 *
 * Convolution is lowered to GEMM through im2col: the patches of a block of output pixels form a matrix
 * [pixels, kh·kw·inC] whose product with the filter (seen as [kh·kw·inC, outC]) is that block of the
 * output. Blocks are at most BLOCK_ROWS pixels so the patches buffer stays a few hundred kilobytes even
 * for a 60,000-image batch, and the GEMM is a parameter so that a faster backend can pass its own.
 * 'same' padding follows TensorFlow: out = ceil(in/stride), and an odd padding total puts the extra
 * row/column at the bottom/right.
 */
import { matmulReference } from './js.js';
import type { MatmulShape } from './types.js';

export type Padding = 'valid' | 'same';

/** out[m×n] = op(a)·op(b) as `matmulReference` defines it (flags in `shape`), on plain arrays. */
export type Gemm = (a: Float32Array, b: Float32Array, out: Float32Array, shape: MatmulShape) => void;

export interface Conv2dGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kh: number;
  readonly kw: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  /** Not read by the kernels (out sizes imply them); kept for backends and for display. */
  readonly padBottom: number;
  readonly padRight: number;
  readonly outH: number;
  readonly outW: number;
}

export interface Pool2dGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly poolH: number;
  readonly poolW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
  readonly outH: number;
  readonly outW: number;
}

/** Output pixels per im2col panel: enough rows for the GEMM to run at speed, few enough to stay in cache. */
export const BLOCK_ROWS = 256;
/** Upper bound on the panel, in floats, for very deep patches (kh·kw·inC in the thousands). */
const MAX_PANEL_FLOATS = 1 << 20;

// ---------------------------------------------------------------------------------------------------
// Geometry

const show = (shape: unknown): string => (Array.isArray(shape) ? `[${shape.join(', ')}]` : JSON.stringify(shape) ?? String(shape));

/** `context` names the other arguments, so an error about one shape shows what it was meant to match. */
function checkShape4(fn: string, name: string, shape: unknown, meaning: string, context: string): readonly number[] {
  const ok =
    Array.isArray(shape) &&
    shape.length === 4 &&
    shape.every((d, i) => Number.isInteger(d) && (d > 0 || (i === 0 && d === 0)));
  if (!ok) {
    const rank = Array.isArray(shape) ? `rank ${shape.length} ` : '';
    throw new Error(
      `${fn}: ${name} must be ${meaning} (rank 4, positive integers, batch may be 0), got ${rank}${show(shape)}${context}`,
    );
  }
  return shape as readonly number[];
}

function pair(fn: string, name: string, value: unknown, context: string): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`${fn}: ${name} must be a positive integer or a pair of positive integers, got ${show(value)}${context}`);
  }
  return [v[0], v[1]];
}

function checkPadding(fn: string, padding: unknown, context: string): Padding {
  if (padding !== 'valid' && padding !== 'same') {
    throw new Error(`${fn}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}${context}`);
  }
  return padding;
}

/** Output size and leading/trailing padding along one axis, as TensorFlow computes them. */
function axis(size: number, window: number, stride: number, padding: Padding): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - window) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/**
 * The geometry of a 2-D convolution of an NHWC input with an HWIO filter. Strides are one number for
 * both axes or [strideH, strideW]; 'same' padding is TensorFlow's (see the module comment).
 */
export function conv2dGeometry(
  inputShape: readonly [number, number, number, number] | readonly number[],
  filterShape: readonly [number, number, number, number] | readonly number[],
  strides: number | readonly [number, number] = 1,
  padding: Padding = 'valid',
): Conv2dGeometry {
  const fn = 'conv2dGeometry';
  const context = ` (inputShape ${show(inputShape)}, filterShape ${show(filterShape)})`;
  const [batch, inH, inW, inC] = checkShape4(fn, 'inputShape', inputShape, '[batch, height, width, channels]', ` (filterShape ${show(filterShape)})`);
  const [kh, kw, ci, outC] = checkShape4(fn, 'filterShape', filterShape, '[kernelHeight, kernelWidth, inChannels, outChannels]', ` (inputShape ${show(inputShape)})`);
  if (kh === 0 || kw === 0 || ci === 0 || outC === 0) throw new Error(`${fn}: filterShape must have positive sizes, got ${show(filterShape)}${context}`);
  const [strideH, strideW] = pair(fn, 'strides', strides, context);
  const pad = checkPadding(fn, padding, context);
  if (ci !== inC) {
    throw new Error(
      `${fn}: filterShape ${show(filterShape)} expects ${ci} input channels but inputShape ${show(inputShape)} has ${inC}`,
    );
  }
  if (pad === 'valid' && (kh! > inH! || kw! > inW!)) {
    throw new Error(
      `${fn}: with 'valid' padding the ${kh}×${kw} kernel of filterShape ${show(filterShape)} must fit inside the ` +
        `${inH}×${inW} image of inputShape ${show(inputShape)}; use 'same' padding or a smaller kernel`,
    );
  }
  const h = axis(inH!, kh!, strideH, pad);
  const w = axis(inW!, kw!, strideW, pad);
  return {
    batch: batch!, inH: inH!, inW: inW!, inC: inC!, outC: outC!, kh: kh!, kw: kw!, strideH, strideW,
    padTop: h.before, padLeft: w.before, padBottom: h.after, padRight: w.after, outH: h.out, outW: w.out,
  };
}

/**
 * The geometry of 2-D pooling over an NHWC input. `strides` defaults to the pool size (Keras); padded
 * positions never take part (max ignores them, average divides by the count of real elements, as TF).
 */
export function pool2dGeometry(
  inputShape: readonly [number, number, number, number] | readonly number[],
  poolSize: number | readonly [number, number],
  strides?: number | readonly [number, number] | null,
  padding: Padding = 'valid',
): Pool2dGeometry {
  const fn = 'pool2dGeometry';
  const context = ` (inputShape ${show(inputShape)}, poolSize ${show(poolSize)})`;
  const [batch, inH, inW, channels] = checkShape4(fn, 'inputShape', inputShape, '[batch, height, width, channels]', ` (poolSize ${show(poolSize)})`);
  const [poolH, poolW] = pair(fn, 'poolSize', poolSize, ` (inputShape ${show(inputShape)})`);
  const [strideH, strideW] = strides === undefined || strides === null ? [poolH, poolW] : pair(fn, 'strides', strides, context);
  const pad = checkPadding(fn, padding, context);
  if (pad === 'valid' && (poolH > inH! || poolW > inW!)) {
    throw new Error(
      `${fn}: with 'valid' padding the ${poolH}×${poolW} pool (poolSize ${show(poolSize)}) must fit inside the ` +
        `${inH}×${inW} image of inputShape ${show(inputShape)}; use 'same' padding or a smaller pool`,
    );
  }
  const h = axis(inH!, poolH, strideH, pad);
  const w = axis(inW!, poolW, strideW, pad);
  return {
    batch: batch!, inH: inH!, inW: inW!, channels: channels!, poolH, poolW, strideH, strideW,
    padTop: h.before, padLeft: w.before, padBottom: h.after, padRight: w.after, outH: h.out, outW: w.out,
  };
}

// ---------------------------------------------------------------------------------------------------
// Argument checks shared by the kernels

const CONV_FIELDS = ['batch', 'inH', 'inW', 'inC', 'outC', 'kh', 'kw', 'strideH', 'strideW', 'padTop', 'padLeft', 'outH', 'outW'] as const;
const POOL_FIELDS = ['batch', 'inH', 'inW', 'channels', 'poolH', 'poolW', 'strideH', 'strideW', 'padTop', 'padLeft', 'outH', 'outW'] as const;

function checkGeometry(fn: string, what: string, g: unknown, fields: readonly string[]): void {
  const rec = g as Record<string, unknown> | null;
  const least = (f: string) => (f === 'batch' || f === 'padTop' || f === 'padLeft' ? 0 : 1);
  const bad =
    typeof rec !== 'object' || rec === null ? fields[0] : fields.find((f) => !Number.isInteger(rec[f]) || (rec[f] as number) < least(f));
  if (bad !== undefined) {
    throw new Error(`${fn}: g must be a ${what} (from ${what === 'Conv2dGeometry' ? 'conv2dGeometry' : 'pool2dGeometry'}()), ` +
      `but its field "${bad}" is ${typeof rec === 'object' && rec !== null ? show(rec[bad]) : show(g)}`);
  }
}

function checkF32(fn: string, name: string, a: unknown, expected: number, meaning: string): void {
  if (!(a instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${name} must be a Float32Array of ${meaning} = ${expected} elements, got ${describeValue(a)}`);
  }
  if (a.length !== expected) {
    throw new Error(`${fn}: ${name} must have ${meaning} = ${expected} elements, got ${a.length}`);
  }
}

function describeValue(a: unknown): string {
  if (a === null || a === undefined) return String(a);
  if (ArrayBuffer.isView(a)) return `${a.constructor.name}(${(a as unknown as { length: number }).length})`;
  return typeof a;
}

const convSizes = (g: Conv2dGeometry) => ({
  input: g.batch * g.inH * g.inW * g.inC,
  output: g.batch * g.outH * g.outW * g.outC,
  filter: g.kh * g.kw * g.inC * g.outC,
  patch: g.kh * g.kw * g.inC,
  rows: g.batch * g.outH * g.outW,
});

/**
 * Checks a convolution geometry and returns its sizes (for backends whose kernels do not go through the
 * functions below but must reject the same bad arguments with the same messages).
 */
export function checkConvGeometry(fn: string, g: Conv2dGeometry): ReturnType<typeof convSizes> {
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  return convSizes(g);
}

/** The same for pooling. */
export function checkPoolGeometry(fn: string, g: Pool2dGeometry): { input: number; output: number } {
  checkGeometry(fn, 'Pool2dGeometry', g, POOL_FIELDS);
  return poolSizes(g);
}

const IN_DESC = 'batch·inH·inW·inC';
const OUT_DESC = 'batch·outH·outW·outC';
const FILTER_DESC = 'kh·kw·inC·outC';

function checkGemm(fn: string, gemm: unknown): void {
  if (typeof gemm !== 'function') throw new TypeError(`${fn}: gemm must be a function (a, b, out, shape), got ${describeValue(gemm)}`);
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
  if (!(cols instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array, got ${describeValue(cols)}`);
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
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  const s = convSizes(g);
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
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  const s = convSizes(g);
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
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  const s = convSizes(g);
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
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  const s = convSizes(g);
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
 * `accumulate` is set (gradients accumulate, DESIGN.md principle 4).
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
  checkGeometry(fn, 'Conv2dGeometry', g, CONV_FIELDS);
  const s = convSizes(g);
  checkF32(fn, 'x', x, s.input, IN_DESC);
  checkF32(fn, 'dy', dy, s.output, OUT_DESC);
  checkF32(fn, 'dFilter', dFilter, s.filter, FILTER_DESC);
  if (typeof accumulate !== 'boolean') throw new TypeError(`${fn}: accumulate must be a boolean, got ${describeValue(accumulate)}`);
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

// ---------------------------------------------------------------------------------------------------
// Pooling

const poolSizes = (g: Pool2dGeometry) => ({
  input: g.batch * g.inH * g.inW * g.channels,
  output: g.batch * g.outH * g.outW * g.channels,
});
const POOL_IN_DESC = 'batch·inH·inW·channels';
const POOL_OUT_DESC = 'batch·outH·outW·channels';

/**
 * Visits every output pixel with the window clipped to the image: rows [y0, y1), columns [x0, x1), and
 * the flat offsets of the pixel's first input channel (`inBase` at (n, y0, x0)) and output channel.
 */
function forEachWindow(
  g: Pool2dGeometry,
  visit: (inBase: number, outBase: number, rows: number, cols: number) => void,
): void {
  const { batch, inH, inW, channels, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  let outBase = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const yStart = oy * strideH - padTop;
      const y0 = Math.max(0, yStart);
      const y1 = Math.min(inH, yStart + poolH);
      for (let ox = 0; ox < outW; ox++, outBase += channels) {
        const xStart = ox * strideW - padLeft;
        const x0 = Math.max(0, xStart);
        const x1 = Math.min(inW, xStart + poolW);
        visit(((n * inH + y0) * inW + x0) * channels, outBase, y1 - y0, x1 - x0);
      }
    }
  }
}

/**
 * out = the maximum of each window over the real (unpadded) elements, so padding never wins, even over
 * negative inputs. Ties go to the first maximum in row-major window order (TF, PyTorch); a NaN in the
 * window makes the output NaN (PyTorch), and the first NaN is the one recorded. When given, argmax[i] is
 * the flat index into x of the element out[i] came from, for the backward.
 */
export function maxPool2dForward(x: Float32Array, out: Float32Array, g: Pool2dGeometry, argmax?: Int32Array): void {
  const fn = 'maxPool2dForward';
  checkGeometry(fn, 'Pool2dGeometry', g, POOL_FIELDS);
  const s = poolSizes(g);
  checkF32(fn, 'x', x, s.input, POOL_IN_DESC);
  checkF32(fn, 'out', out, s.output, POOL_OUT_DESC);
  if (argmax !== undefined) {
    if (!(argmax instanceof Int32Array)) throw new TypeError(`${fn}: argmax must be an Int32Array, got ${describeValue(argmax)}`);
    if (argmax.length !== s.output) throw new Error(`${fn}: argmax must have ${POOL_OUT_DESC} = ${s.output} elements (one per output), got ${argmax.length}`);
  }
  const C = g.channels;
  const rowStep = g.inW * C;
  forEachWindow(g, (inBase, outBase, rows, cols) => {
    for (let c = 0; c < C; c++) {
      let best = inBase + c;
      let bestValue = x[best]!;
      for (let r = 0; r < rows; r++) {
        for (let q = 0, i = inBase + r * rowStep + c; q < cols; q++, i += C) {
          const v = x[i]!;
          if (v > bestValue || (v !== v && bestValue === bestValue)) {
            bestValue = v;
            best = i;
          }
        }
      }
      out[outBase + c] = bestValue;
      if (argmax) argmax[outBase + c] = best;
    }
  });
}

/** dx = 0, then dx[argmax[i]] += dy[i]: each output's gradient goes to the input that won its window. */
export function maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  const fn = 'maxPool2dBackward';
  if (!(dy instanceof Float32Array)) throw new TypeError(`${fn}: dy must be a Float32Array, got ${describeValue(dy)}`);
  if (!(argmax instanceof Int32Array)) throw new TypeError(`${fn}: argmax must be an Int32Array, got ${describeValue(argmax)}`);
  if (!(dx instanceof Float32Array)) throw new TypeError(`${fn}: dx must be a Float32Array, got ${describeValue(dx)}`);
  if (argmax.length !== dy.length) {
    throw new Error(`${fn}: argmax must have one entry per element of dy (${dy.length}), got ${argmax.length}`);
  }
  dx.fill(0);
  for (let i = 0; i < dy.length; i++) {
    const j = argmax[i]!;
    if (j < 0 || j >= dx.length) {
      throw new Error(`${fn}: argmax[${i}] must index dx (0 … ${dx.length - 1}), got ${j}; was it recorded for an input of this size?`);
    }
    dx[j]! += dy[i]!;
  }
}

/** out = the mean of each window over its real (unpadded) elements only, as TensorFlow's 'same' padding. */
export function avgPool2dForward(x: Float32Array, out: Float32Array, g: Pool2dGeometry): void {
  const fn = 'avgPool2dForward';
  checkGeometry(fn, 'Pool2dGeometry', g, POOL_FIELDS);
  const s = poolSizes(g);
  checkF32(fn, 'x', x, s.input, POOL_IN_DESC);
  checkF32(fn, 'out', out, s.output, POOL_OUT_DESC);
  const C = g.channels;
  const rowStep = g.inW * C;
  forEachWindow(g, (inBase, outBase, rows, cols) => {
    const count = rows * cols;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        for (let q = 0, i = inBase + r * rowStep + c; q < cols; q++, i += C) sum += x[i]!;
      }
      out[outBase + c] = sum / count;
    }
  });
}

/**
 * dx = 0, then each output's gradient is spread evenly over the real elements of its window: the exact
 * adjoint of avgPool2dForward, as TF's AvgPoolGrad. (tfjs-backend-cpu 4.x divides by the full window
 * size instead, which disagrees with its own forward at 'same'-padded borders; compare against TF.)
 */
export function avgPool2dBackward(dy: Float32Array, dx: Float32Array, g: Pool2dGeometry): void {
  const fn = 'avgPool2dBackward';
  checkGeometry(fn, 'Pool2dGeometry', g, POOL_FIELDS);
  const s = poolSizes(g);
  checkF32(fn, 'dy', dy, s.output, POOL_OUT_DESC);
  checkF32(fn, 'dx', dx, s.input, POOL_IN_DESC);
  const C = g.channels;
  const rowStep = g.inW * C;
  dx.fill(0);
  forEachWindow(g, (inBase, outBase, rows, cols) => {
    const count = rows * cols;
    for (let c = 0; c < C; c++) {
      const share = dy[outBase + c]! / count;
      for (let r = 0; r < rows; r++) {
        for (let q = 0, i = inBase + r * rowStep + c; q < cols; q++, i += C) dx[i]! += share;
      }
    }
  });
}
