/**
 * Zero padding of NHWC images: rows above and below, columns left and right. Its adjoint crops the same
 * window out of the gradient.
 */
import { record, willRecord } from '../autograd/tape.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { check } from './check.js';

/** [[top, bottom], [left, right]]. */
export type ImagePadding = readonly [readonly [number, number], readonly [number, number]];

/** out[b, y + top, x + left, c] = x[b, y, x, c], zeros elsewhere. */
export function padImages(x: Tensor, padding: ImagePadding): Tensor {
  check('padImages', 'x', x);
  if (x.rank !== 4) throw new RangeError(`padImages: x must be [batch, height, width, channels], got shape [${x.shape.join(', ')}]`);
  const ok = Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (!ok) throw new TypeError(`padImages: padding must be [[top, bottom], [left, right]] of integers >= 0, got ${describe(padding)}`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [[t, b], [l, r]] = padding;
  const out = empty([n, h + t + b, w + l + r, c], 'float32', x.backend);
  copyWindow(x, out, t, l, 'pad');
  if (!willRecord([x])) return out;
  return record('padImages', out, [x], (dy) => {
    const dx = empty(x.shape, 'float32', x.backend);
    copyWindow(dx, dy, t, l, 'crop');
    return [dx];
  });
}

/**
 * Copies between an image batch and the window of a larger batch that starts at (top, left): 'pad'
 * writes `small` into `large` (zeros around it), 'crop' reads the window of `large` into `small`.
 */
function copyWindow(small: Tensor, large: Tensor, top: number, left: number, direction: 'pad' | 'crop'): void {
  const [n, h, w, c] = small.shape as [number, number, number, number];
  const [, bigH, bigW] = large.shape as [number, number, number, number];
  const s = small.storage.f32();
  const g = large.storage.f32();
  if (direction === 'pad') g.fill(0);
  const row = w * c;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const from = (i * h + y) * row;
      const to = ((i * bigH + y + top) * bigW + left) * c;
      if (direction === 'pad') g.set(s.subarray(from, from + row), to);
      else s.set(g.subarray(to, to + row), from);
    }
  }
}
