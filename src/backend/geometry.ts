/**
 * The geometry of 2-D convolution and pooling over channels-last (NHWC) inputs with HWIO filters
 * ([kh, kw, inChannels, outChannels]), the layouts of Keras and TensorFlow.js, so weights move between
 * them without transposition. 'same' padding follows TensorFlow: out = ceil(in/stride), and an odd padding
 * total puts the extra row/column at the bottom/right.
 *
 * A geometry is validated once, where it is made (`conv2dGeometry`, `pool2dGeometry`, at the public edge
 * of the ops that use it), and only those functions can make one: the kernels of every backend take it as
 * proof that its fields are consistent and check just that it came from here (one lookup), not its fields.
 */
import { describe } from '../util/describe.js';

export type Padding = 'valid' | 'same';

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

/** Every geometry made by conv2dGeometry and by pool2dGeometry; a kernel given anything else refuses it. */
const madeConv = new WeakSet<object>();
const madePool = new WeakSet<object>();

const show = (shape: unknown): string => (Array.isArray(shape) ? `[${shape.join(', ')}]` : describe(shape));

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
  const g: Conv2dGeometry = Object.freeze({
    batch: batch!, inH: inH!, inW: inW!, inC: inC!, outC: outC!, kh: kh!, kw: kw!, strideH, strideW,
    padTop: h.before, padLeft: w.before, padBottom: h.after, padRight: w.after, outH: h.out, outW: w.out,
  });
  madeConv.add(g);
  return g;
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
  const g: Pool2dGeometry = Object.freeze({
    batch: batch!, inH: inH!, inW: inW!, channels: channels!, poolH, poolW, strideH, strideW,
    padTop: h.before, padLeft: w.before, padBottom: h.after, padRight: w.after, outH: h.out, outW: w.out,
  });
  madePool.add(g);
  return g;
}

// ---------------------------------------------------------------------------------------------------
const convSizes = (g: Conv2dGeometry) => ({
  input: g.batch * g.inH * g.inW * g.inC,
  output: g.batch * g.outH * g.outW * g.outC,
  filter: g.kh * g.kw * g.inC * g.outC,
  patch: g.kh * g.kw * g.inC,
  rows: g.batch * g.outH * g.outW,
});

const poolSizes = (g: Pool2dGeometry) => ({
  input: g.batch * g.inH * g.inW * g.channels,
  output: g.batch * g.outH * g.outW * g.channels,
});

function checkMade(fn: string, what: 'Conv2dGeometry' | 'Pool2dGeometry', g: unknown): void {
  const made = what === 'Conv2dGeometry' ? madeConv : madePool;
  if (typeof g !== 'object' || g === null || !made.has(g)) {
    const maker = what === 'Conv2dGeometry' ? 'conv2dGeometry' : 'pool2dGeometry';
    throw new TypeError(`${fn}: g must be a ${what} made by ${maker}(inputShape, …), got ${describe(g)}`);
  }
}

/** Checks that `g` came from conv2dGeometry() and returns its sizes (input, output, filter, patch, rows). */
export function checkConvGeometry(fn: string, g: Conv2dGeometry): ReturnType<typeof convSizes> {
  checkMade(fn, 'Conv2dGeometry', g);
  return convSizes(g);
}

/** Checks that `g` came from pool2dGeometry() and returns its sizes (input, output). */
export function checkPoolGeometry(fn: string, g: Pool2dGeometry): ReturnType<typeof poolSizes> {
  checkMade(fn, 'Pool2dGeometry', g);
  return poolSizes(g);
}
