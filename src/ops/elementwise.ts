/**
 * Elementwise ops with their backward rules beside them: add, sub, mul, div (broadcasting), affine
 * x·s + c, and the maths of the `math` kernel (neg, exp, log, sqrt, rsqrt, square, reciprocal). Each op
 * computes through its tensors' backend kernels, never through `tensor.data`, and records a tape node only
 * when recording is on and some input requires a gradient; each rule's comment says what it keeps.
 *
 * Broadcasting: equal shapes, a one-element operand, or an operand whose shape (less leading 1s) is a
 * suffix of the other's: the bias row against a batch, a per-channel vector against NHWC.
 */
import { record, willRecord } from '../autograd/tape.js';
import type { BinaryOp, MathOp } from '../backend/types.js';
import { shapeSize } from '../tensor/create.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import { alloc, check, copyOf, finiteNumber, sameBackend } from './check.js';

/** The shape both operands broadcast to, or an error naming both shapes. */
export function broadcastShape(a: Shape, b: Shape, op = 'broadcast'): Shape {
  const sa = shapeSize(a);
  const sb = shapeSize(b);
  const [big, small] = sa >= sb ? [a, b] : [b, a];
  const trimmed = [...small];
  while (trimmed.length && trimmed[0] === 1) trimmed.shift();
  const suffix = big.slice(big.length - trimmed.length);
  const isSuffix = trimmed.length <= big.length && trimmed.every((d, i) => d === suffix[i]);
  if (shapeSize(small) === 1 || isSuffix) return big;
  throw new RangeError(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast (one must equal the trailing axes of the other, or hold a single value)`);
}

/** Sums a gradient of the broadcast shape down to `size` values (the operand that was broadcast). */
export function reduceTo(g: Tensor, shape: Shape): Tensor {
  const size = shapeSize(shape);
  if (g.size === size) return g.shape.length === shape.length ? g : reshapeRaw(g, shape);
  const o = alloc(shape, g.backend);
  g.backend.sumAxis(g.storage, o.storage, 1, g.size / size, size);
  g.dispose();
  return o;
}

/** A copy with a new shape, outside the tape (backward rules use it). */
function reshapeRaw(t: Tensor, shape: Shape): Tensor {
  const o = copyOf(t, shape);
  t.dispose();
  return o;
}

export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const o = alloc(shape, a.backend);
  a.backend.binary(op, a.storage, b.storage, o.storage);
  return o;
}

function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  check(op, 'a', a);
  check(op, 'b', b);
  const be = sameBackend(op, a, b);
  const shape = broadcastShape(a.shape, b.shape, op);
  const out = alloc(shape, be);
  be.binary(op, a.storage, b.storage, out.storage);
  if (!willRecord([a, b])) return out;
  // add/sub keep nothing; mul keeps both inputs; div keeps both inputs.
  return record(op, out, [a, b], (dy) => {
    const needA = a.requiresGrad;
    const needB = b.requiresGrad;
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (op === 'add' || op === 'sub') {
      if (needA) da = reduceTo(copyOf(dy), a.shape);
      if (needB) {
        const g = copyOf(dy);
        if (op === 'sub') be.math('neg', g.storage, g.storage);
        db = reduceTo(g, b.shape);
      }
    } else if (op === 'mul') {
      if (needA) da = reduceTo(binaryRaw('mul', dy, b, dy.shape), a.shape);
      if (needB) db = reduceTo(binaryRaw('mul', dy, a, dy.shape), b.shape);
    } else {
      if (needA) da = reduceTo(binaryRaw('div', dy, b, dy.shape), a.shape);
      if (needB) {
        // d(a/b)/db = −a/b²
        const g = binaryRaw('mul', dy, a, dy.shape);
        be.binary('div', g.storage, b.storage, g.storage);
        be.binary('div', g.storage, b.storage, g.storage);
        be.math('neg', g.storage, g.storage);
        db = reduceTo(g, b.shape);
      }
    }
    return [da, db];
  });
}

/** a + b, broadcasting a bias-like operand over the leading axes. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binaryOp('add', a, b);
}
/** a − b, broadcasting as `add`. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binaryOp('sub', a, b);
}
/** a · b elementwise, broadcasting as `add`. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binaryOp('mul', a, b);
}
/** a / b elementwise, broadcasting as `add`. */
export function div(a: Tensor, b: Tensor): Tensor {
  return binaryOp('div', a, b);
}

/** x·s + c for numbers s and c (scaling, shifting, negation). Keeps nothing. */
export function affine(x: Tensor, s: number, c = 0): Tensor {
  check('affine', 'x', x);
  finiteNumber('affine', 's', s);
  finiteNumber('affine', 'c', c);
  const out = alloc(x.shape, x.backend);
  x.backend.affine(x.storage, s, c, out.storage);
  if (!willRecord([x])) return out;
  return record('affine', out, [x], (dy) => {
    const g = alloc(x.shape, x.backend);
    x.backend.affine(dy.storage, s, 0, g.storage);
    return [g];
  });
}

/** x·s. */
export function scale(x: Tensor, s: number): Tensor {
  return affine(x, s, 0);
}

/** x + c. */
export function addScalar(x: Tensor, c: number): Tensor {
  return affine(x, 1, c);
}

function mathOp(op: MathOp, x: Tensor): Tensor {
  check(op, 'x', x);
  const be = x.backend;
  const out = alloc(x.shape, be);
  be.math(op, x.storage, out.storage);
  if (!willRecord([x])) return out;
  // exp, sqrt and rsqrt read their output; log, square, abs and reciprocal their input.
  return record(op, out, [x], (dy) => {
    const g = alloc(x.shape, be);
    const s = g.storage;
    switch (op) {
      case 'neg':
        be.math('neg', dy.storage, s);
        break;
      case 'exp':
        be.binary('mul', dy.storage, out.storage, s);
        break;
      case 'log':
        be.binary('div', dy.storage, x.storage, s);
        break;
      case 'sqrt': // dy / (2·y)
        be.binary('div', dy.storage, out.storage, s);
        be.affine(s, 0.5, 0, s);
        break;
      case 'rsqrt': // −dy·y³/2
        be.binary('mul', dy.storage, out.storage, s);
        be.binary('mul', s, out.storage, s);
        be.binary('mul', s, out.storage, s);
        be.affine(s, -0.5, 0, s);
        break;
      case 'square':
        be.binary('mul', dy.storage, x.storage, s);
        be.affine(s, 2, 0, s);
        break;
      case 'abs':
        throw new Error('abs has no backward rule here (its derivative is undefined at 0)');
      case 'reciprocal': // −dy·y²
        be.binary('mul', dy.storage, out.storage, s);
        be.binary('mul', s, out.storage, s);
        be.math('neg', s, s);
        break;
    }
    return [g];
  });
}

export const neg = (x: Tensor): Tensor => mathOp('neg', x);
export const exp = (x: Tensor): Tensor => mathOp('exp', x);
export const log = (x: Tensor): Tensor => mathOp('log', x);
export const sqrt = (x: Tensor): Tensor => mathOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => mathOp('rsqrt', x);
export const square = (x: Tensor): Tensor => mathOp('square', x);
export const reciprocal = (x: Tensor): Tensor => mathOp('reciprocal', x);

/**
 * In place, outside the tape: target ← (1 − momentum)·target + momentum·valueScale·value, for running
 * statistics (batch norm's mean and variance). Both tensors hold the same number of values.
 */
export function updateRunningAverage(target: Tensor, value: Tensor, momentum: number, valueScale = 1): void {
  check('updateRunningAverage', 'target', target);
  check('updateRunningAverage', 'value', value);
  const be = sameBackend('updateRunningAverage', target, value);
  finiteNumber('updateRunningAverage', 'momentum', momentum);
  finiteNumber('updateRunningAverage', 'valueScale', valueScale);
  if (target.size !== value.size) throw new RangeError(`updateRunningAverage: target holds ${target.size} values but value ${value.size}`);
  be.affine(target.storage, 1 - momentum, 0, target.storage);
  be.affine(value.storage, momentum * valueScale, 0, target.storage, true);
}
