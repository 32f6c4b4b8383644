/**
 * Shape ops and reductions: reshape (a copy with a new shape), sum and mean over all values or one axis.
 */
import { record, willRecord } from '../autograd/tape.js';
import { empty, shapeSize } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { alloc, check, copyOf } from './check.js';

/** A copy of x with a new shape of the same size; one axis may be −1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  check('reshape', 'x', x, 'any');
  if (!Array.isArray(shape)) throw new TypeError(`reshape: shape must be an array of integers, got ${describe(shape)}`);
  const s = [...shape];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    if (s.indexOf(-1, infer + 1) >= 0) throw new RangeError(`reshape: only one axis may be -1, got [${shape.join(', ')}]`);
    const rest = s.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (rest === 0 || x.size % rest !== 0) throw new RangeError(`reshape: cannot reshape [${x.shape.join(', ')}] (${x.size} values) to [${shape.join(', ')}]`);
    s[infer] = x.size / rest;
  }
  const n = shapeSize(s, 'reshape: shape');
  if (n !== x.size) throw new RangeError(`reshape: cannot reshape [${x.shape.join(', ')}] (${x.size} values) to [${shape.join(', ')}] (${n} values)`);
  const out = empty(s, x.dtype, x.backend);
  x.backend.copyRange(x.storage, 0, out.storage, 0, x.size);
  if (x.dtype !== 'float32' || !willRecord([x])) return out;
  return record('reshape', out, [x], (dy) => [copyOf(dy, x.shape)]);
}

function normaliseAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${op}: axis must be an integer in [${-rank}, ${rank - 1}] for a tensor of rank ${rank}, got ${describe(axis)}`);
  }
  return axis < 0 ? axis + rank : axis;
}

function reduceOp(op: 'sum' | 'mean', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  check(op, 'x', x);
  let outer = 1;
  let n = x.size;
  let inner = 1;
  let shape: number[] = keepDims ? x.shape.map(() => 1) : [];
  if (axis !== undefined) {
    const a = normaliseAxis(op, axis, x.rank);
    outer = shapeSize(x.shape.slice(0, a));
    n = x.shape[a]!;
    inner = shapeSize(x.shape.slice(a + 1));
    shape = keepDims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  }
  if (n === 0) throw new RangeError(`${op}: cannot reduce over an empty axis (shape [${x.shape.join(', ')}])`);
  const be = x.backend;
  const out = alloc(shape, be);
  be.sumAxis(x.storage, out.storage, outer, n, inner);
  const factor = op === 'mean' ? 1 / n : 1;
  if (factor !== 1) be.affine(out.storage, factor, 0, out.storage);
  if (!willRecord([x])) return out;
  // Keeps nothing: the gradient spreads dy back over the reduced axis.
  return record(op, out, [x], (dy) => {
    const g = alloc(x.shape, be);
    be.broadcastAxis(dy.storage, g.storage, outer, n, inner, factor);
    return [g];
  });
}

/** Sum of all values (a scalar of shape []) or along one axis. */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  return reduceOp('sum', x, axis, keepDims);
}

/** Mean of all values (a scalar of shape []) or along one axis. */
export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  return reduceOp('mean', x, axis, keepDims);
}
