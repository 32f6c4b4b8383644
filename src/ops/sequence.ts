/**
 * Sequence plumbing for bidirectional layers: reversing the time axis of [batch, time, features] and
 * joining two tensors along their last axis. Backward: the gradient reversed back; split in two.
 */
import { record, willRecord } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { alloc, check, sameBackend } from './check.js';

/** x [batch, time, ...] with its time axis reversed. Keeps nothing. */
export function reverseTime(x: Tensor): Tensor {
  check('reverseTime', 'x', x);
  if (x.rank < 2) throw new RangeError(`reverseTime: x must be [batch, time, ...], got shape [${x.shape.join(', ')}]`);
  const be = x.backend;
  const [batch, steps] = x.shape as [number, number];
  const inner = x.size / (batch * steps);
  const flip = (src: Tensor, dst: Tensor) => {
    for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) {
      be.copyRange(src.storage, (b * steps + t) * inner, dst.storage, (b * steps + steps - 1 - t) * inner, inner);
    }
  };
  const out = alloc(x.shape, be);
  flip(x, out);
  if (!willRecord([x])) return out;
  return record('reverseTime', out, [x], (dy) => {
    const g = alloc(x.shape, be);
    flip(dy, g);
    return [g];
  });
}

/** [..., m] and [..., n] → [..., m + n] (the leading axes equal). Keeps nothing. */
export function concatLast(a: Tensor, b: Tensor): Tensor {
  check('concatLast', 'a', a);
  check('concatLast', 'b', b);
  const be = sameBackend('concatLast', a, b);
  if (a.rank !== b.rank || a.rank === 0 || a.shape.slice(0, -1).join() !== b.shape.slice(0, -1).join()) {
    throw new RangeError(`concatLast: a and b must agree on every axis but the last, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const m = a.shape[a.rank - 1]!;
  const n = b.shape[b.rank - 1]!;
  const rows = a.size / m;
  const out = alloc([...a.shape.slice(0, -1), m + n], be);
  for (let r = 0; r < rows; r++) {
    be.copyRange(a.storage, r * m, out.storage, r * (m + n), m);
    be.copyRange(b.storage, r * n, out.storage, r * (m + n) + m, n);
  }
  if (!willRecord([a, b])) return out;
  return record('concatLast', out, [a, b], (dy) => {
    const da = a.requiresGrad ? alloc(a.shape, be) : null;
    const db = b.requiresGrad ? alloc(b.shape, be) : null;
    for (let r = 0; r < rows; r++) {
      if (da) be.copyRange(dy.storage, r * (m + n), da.storage, r * m, m);
      if (db) be.copyRange(dy.storage, r * (m + n) + m, db.storage, r * n, n);
    }
    return [da, db];
  });
}
