/**
 * The reference pooling kernels over float32 arrays (NHWC; geometry in ./geometry.ts). Padded positions
 * never take part: max ignores them, average divides by the count of real elements, as TensorFlow.
 */
import { describe } from '../util/describe.js';
import { checkPoolGeometry, type Pool2dGeometry } from './geometry.js';
import { checkF32 } from './js-checks.js';

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
  const s = checkPoolGeometry(fn, g);
  checkF32(fn, 'x', x, s.input, POOL_IN_DESC);
  checkF32(fn, 'out', out, s.output, POOL_OUT_DESC);
  if (argmax !== undefined) {
    if (!(argmax instanceof Int32Array)) throw new TypeError(`${fn}: argmax must be an Int32Array, got ${describe(argmax)}`);
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
  if (!(dy instanceof Float32Array)) throw new TypeError(`${fn}: dy must be a Float32Array, got ${describe(dy)}`);
  if (!(argmax instanceof Int32Array)) throw new TypeError(`${fn}: argmax must be an Int32Array, got ${describe(argmax)}`);
  if (!(dx instanceof Float32Array)) throw new TypeError(`${fn}: dx must be a Float32Array, got ${describe(dx)}`);
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
  const s = checkPoolGeometry(fn, g);
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
  const s = checkPoolGeometry(fn, g);
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
