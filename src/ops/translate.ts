/**
 * Whole-pixel shifts of NHWC images, zero-filled (the op behind Keras' RandomTranslation with
 * fill_mode='constant'). Its adjoint is the opposite shift, zero-filled, so the backward is the same
 * kernel with the signs flipped.
 */
import { record, willRecord } from '../autograd/tape.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { check } from './check.js';

/** out[b, y, x, c] = x[b, y − dy_b, x − dx_b, c], zero outside the image; shifts = [dy_0, dx_0, dy_1, dx_1 …]. */
export function translateImages(x: Tensor, shifts: Int32Array): Tensor {
  check('translateImages', 'x', x);
  if (x.rank !== 4) throw new RangeError(`translateImages: x must be [batch, height, width, channels], got shape [${x.shape.join(', ')}]`);
  if (!(shifts instanceof Int32Array) || shifts.length !== 2 * x.shape[0]!) {
    throw new TypeError(`translateImages: shifts must be an Int32Array of 2 values per image (${2 * x.shape[0]!}), got ${describe(shifts)}`);
  }
  const out = empty(x.shape, 'float32', x.backend);
  shiftInto(x, out, shifts, 1);
  if (!willRecord([x])) return out;
  return record('translateImages', out, [x], (dy) => {
    const dx = empty(x.shape, 'float32', x.backend);
    shiftInto(dy, dx, shifts, -1);
    return [dx];
  });
}

function shiftInto(src: Tensor, out: Tensor, shifts: Int32Array, sign: 1 | -1): void {
  const [n, h, w, c] = src.shape as [number, number, number, number];
  const s = src.storage.f32();
  const o = out.storage.f32();
  const row = w * c;
  o.fill(0);
  for (let b = 0; b < n; b++) {
    const sy = sign * shifts[2 * b]!;
    const sx = sign * shifts[2 * b + 1]!;
    const base = b * h * row;
    const x0 = Math.max(0, sx);
    const x1 = Math.min(w, w + sx);
    if (x1 <= x0) continue;
    for (let y = Math.max(0, sy); y < Math.min(h, h + sy); y++) {
      const from = base + (y - sy) * row + (x0 - sx) * c;
      o.set(s.subarray(from, from + (x1 - x0) * c), base + y * row + x0 * c);
    }
  }
}
