/**
 * Tensor operations with their backward rules beside them (DESIGN.md, principle 4). Each op computes
 * through its tensors' backend kernels (`x.backend.<kernel>(storage…)`), never through `tensor.data`, so a
 * faster backend that overrides a kernel speeds up the op. Each op records a tape node only when
 * recording is on and some input requires a gradient, and the comment of each rule says what it keeps.
 *
 * Broadcasting (add/sub/mul/div): equal shapes, a one-element operand, or an operand whose shape (less
 * leading 1s) is a suffix of the other's: the bias row against a batch, a per-channel vector against NHWC.
 */
import type { Activation } from '../activations/registry.js';
import type { ActivationLike } from '../activations/registry.js';
import type { ActivationCall, Backend, BinaryOp, MathOp } from '../backend/types.js';
import { record, willRecord } from '../autograd/tape.js';
import { Rng } from './random.js';
import { activationGrad, isStochasticTraining, resolveAct, type ActivationRunOptions } from './activation-step.js';
import { Tensor, describe, empty, shapeSize } from './tensor.js';
import type { Shape } from './tensor.js';

// ---------------------------------------------------------------------------------------------------
// Helpers

function check(op: string, name: string, t: unknown, dtype: 'float32' | 'int32' | 'any' = 'float32'): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.isDisposed) throw new Error(`${op}: ${name} (shape [${t.shape}]) was already disposed`);
  if (dtype !== 'any' && t.dtype !== dtype) throw new TypeError(`${op}: ${name} must be a ${dtype} tensor, got ${t.dtype}`);
  return t;
}

function sameBackend(op: string, ...ts: Tensor[]): Backend {
  const b = ts[0]!.backend;
  for (const t of ts) {
    if (t.backend !== b) throw new Error(`${op}: tensors live on different backends (${b.name} and ${t.backend.name}); create them on one backend`);
  }
  return b;
}

function alloc(shape: Shape, b: Backend): Tensor {
  return empty(shape, 'float32', b);
}

function copyOf(t: Tensor, shape: Shape = t.shape): Tensor {
  const o = alloc(shape, t.backend);
  t.backend.copyRange(t.storage, 0, o.storage, 0, t.size);
  return o;
}

function finiteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number, got ${describe(v)}`);
  return v;
}

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
function reduceTo(g: Tensor, shape: Shape): Tensor {
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

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const o = alloc(shape, a.backend);
  a.backend.binary(op, a.storage, b.storage, o.storage);
  return o;
}

// ---------------------------------------------------------------------------------------------------
// Elementwise arithmetic

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

// ---------------------------------------------------------------------------------------------------
// Shapes and reductions

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

// ---------------------------------------------------------------------------------------------------
// Matrix products and activations

export type { ActivationRunOptions };


/**
 * y = f(x) for any activation of the table. Backward keeps y when the spec's backwardFrom is 'y' (relu:
 * dx = dy·[y > 0]) and x otherwise; rrelu in training keeps x and the slopes it drew.
 */
export function activate(x: Tensor, activation: ActivationLike | Activation, options: ActivationRunOptions = {}): Tensor {
  check('activate', 'x', x);
  const act = resolveAct(activation)!;
  const be = x.backend;
  if (isStochasticTraining(act, options)) {
    const rng = options.rng;
    if (!(rng instanceof Rng)) throw new TypeError(`activate: ${act.id} in training needs options.rng (an Rng), got ${describe(rng)}`);
    const { lower, upper } = act.spec.stochastic!;
    const l = act.params[lower]!;
    const u = act.params[upper]!;
    const slopes = alloc([x.size], be);
    const sv = slopes.storage.f32();
    for (let i = 0; i < sv.length; i++) sv[i] = l + (u - l) * rng.next();
    const out = alloc(x.shape, be);
    be.prelu(x.storage, slopes.storage, x.size, out.storage);
    if (!willRecord([x])) {
      slopes.dispose();
      return out;
    }
    return record(act.id, out, [x], (dy) => {
      const g = alloc(x.shape, be);
      be.preluGrad(x.storage, slopes.storage, x.size, dy.storage, g.storage);
      return [g];
    });
  }
  const call: ActivationCall = act.call;
  const out = alloc(x.shape, be);
  be.unary(call, x.storage, out.storage);
  if (!willRecord([x])) return out;
  return record(act.id, out, [x], (dy) => [activationGrad(be, call, x, out, dy)]);
}

/** a [m×k] · b [k×n]. Backward keeps both inputs: da = dy·bᵀ, db = aᵀ·dy. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return linear(a, b);
}

/**
 * y = act(x·w + bias) for x [m×k], w [k×n], bias [n]: the dense layer's op. When the backward can read
 * f' from y (relu, sigmoid, tanh …) or nothing is recorded, bias and activation run fused in the matmul's
 * epilogue (one kernel call). Activations whose backward needs their input (elu, gelu …) keep the
 * pre-activation z = x·w + b from a matmul with a bias epilogue, then apply the activation.
 */
export function linear(
  x: Tensor,
  w: Tensor,
  bias?: Tensor | null,
  activation?: ActivationLike | Activation | null,
  options: ActivationRunOptions = {},
): Tensor {
  const op = bias === undefined && activation === undefined ? 'matmul' : 'linear';
  check(op, op === 'matmul' ? 'a' : 'x', x);
  check(op, op === 'matmul' ? 'b' : 'w', w);
  if (bias !== undefined && bias !== null) check(op, 'bias', bias);
  const be = sameBackend(op, x, w, ...(bias ? [bias] : []));
  if (x.rank !== 2 || w.rank !== 2) {
    throw new RangeError(`${op}: expected matrices (rank 2), got shapes [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  const [m, k] = x.shape as [number, number];
  const [k2, n] = w.shape as [number, number];
  if (k !== k2) throw new RangeError(`${op}: inner dimensions differ: [${m}, ${k}] · [${k2}, ${n}] (${k} vs ${k2})`);
  if (bias && bias.size !== n) throw new RangeError(`${op}: bias must hold ${n} values (one per output column), got shape [${bias.shape.join(', ')}]`);
  const resolved = resolveAct(activation);
  // The identity needs no epilogue and no backward step.
  const act = resolved?.id === 'linear' ? null : resolved;
  const inputs = bias ? [x, w, bias] : [x, w];
  const recording = willRecord(inputs);
  const fused = act !== null && !isStochasticTraining(act, options) && (!recording || act.spec.backwardFrom === 'y');

  const z = alloc([m, n], be);
  be.matmul(x.storage, w.storage, z.storage, { m, k, n }, { bias: bias?.storage, activation: fused ? act!.call : undefined });
  if (fused || act === null) {
    if (!recording) return z;
    return record(op, z, inputs, (dy) => {
      let dz = dy;
      if (act) dz = activationGrad(be, act.call, z, z, dy);
      const grads = linearGrads(be, x, w, bias ?? null, dz, m, k, n);
      if (dz !== dy) dz.dispose();
      return grads;
    });
  }
  if (!recording) {
    // rrelu in training without a tape: z is only a temporary.
    const y = activate(z, act, options);
    z.dispose();
    return y;
  }
  // The activation's backward reads z, so z lives until the step's tidy scope ends.
  return activate(record('matmul', z, inputs, (dz) => linearGrads(be, x, w, bias ?? null, dz, m, k, n)), act, options);
}

function linearGrads(be: Backend, x: Tensor, w: Tensor, bias: Tensor | null, dz: Tensor, m: number, k: number, n: number): Array<Tensor | null> {
  let dx: Tensor | null = null;
  let dw: Tensor | null = null;
  let db: Tensor | null = null;
  if (x.requiresGrad) {
    dx = alloc(x.shape, be);
    be.matmul(dz.storage, w.storage, dx.storage, { m, k: n, n: k, transposeB: true });
  }
  if (w.requiresGrad) {
    dw = alloc(w.shape, be);
    be.matmul(x.storage, dz.storage, dw.storage, { m: k, k: m, n, transposeA: true });
  }
  if (bias && bias.requiresGrad) {
    db = alloc(bias.shape, be);
    be.sumAxis(dz.storage, db.storage, 1, m, n);
  }
  return bias ? [dx, dw, db] : [dx, dw];
}

/**
 * Leaky ReLU with learnable slopes: one per channel (the last axis; slopes.size = x's last dimension) or
 * one shared (slopes.size = 1). Backward keeps x and the slopes; dSlopes = Σ dy·x over x <= 0.
 */
export function prelu(x: Tensor, slopes: Tensor): Tensor {
  check('prelu', 'x', x);
  check('prelu', 'slopes', slopes);
  const be = sameBackend('prelu', x, slopes);
  const channels = slopes.size;
  const last = x.shape[x.rank - 1] ?? 1;
  if (channels !== 1 && channels !== last) {
    throw new RangeError(`prelu: slopes must hold 1 value or one per channel (${last}, the last axis of x [${x.shape.join(', ')}]), got ${channels}`);
  }
  const out = alloc(x.shape, be);
  be.prelu(x.storage, slopes.storage, channels, out.storage);
  if (!willRecord([x, slopes])) return out;
  return record('prelu', out, [x, slopes], (dy) => {
    const dx = x.requiresGrad ? alloc(x.shape, be) : null;
    let ds: Tensor | null = null;
    if (slopes.requiresGrad) {
      ds = alloc(slopes.shape, be);
      ds.storage.f32().fill(0); // preluGrad accumulates into dSlopes
    }
    // preluGrad always writes dx; a scratch tensor takes it when x needs no gradient.
    const sink = dx ?? alloc(x.shape, be);
    be.preluGrad(x.storage, slopes.storage, channels, dy.storage, sink.storage, ds?.storage);
    if (!dx) sink.dispose();
    return [dx, ds];
  });
}

/**
 * Inverted dropout: zeroes each value with probability `rate` and scales the rest by 1/(1 − rate), so
 * inference needs no rescaling (as Keras and PyTorch). Backward keeps the mask.
 */
export function dropout(x: Tensor, rate: number, rng: Rng): Tensor {
  check('dropout', 'x', x);
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be a number in [0, 1), got ${describe(rate)}`);
  if (!(rng instanceof Rng)) throw new TypeError(`dropout: rng must be an Rng, got ${describe(rng)}`);
  const be = x.backend;
  const mask = alloc(x.shape, be);
  const mv = mask.storage.f32();
  const keepScale = 1 / (1 - rate);
  for (let i = 0; i < mv.length; i++) mv[i] = rng.next() < rate ? 0 : keepScale;
  const out = alloc(x.shape, be);
  be.binary('mul', x.storage, mask.storage, out.storage);
  if (!willRecord([x])) {
    mask.dispose();
    return out;
  }
  return record('dropout', out, [x], (dy) => [binaryRaw('mul', dy, mask, x.shape)]);
}

// ---------------------------------------------------------------------------------------------------
// Losses per example (the nn losses average them)

/**
 * Softmax cross-entropy of each row of logits [rows × classes] (log-sum-exp, stable for any logits).
 * targets: int32 labels [rows] in [0, classes) or float32 probabilities [rows × classes] (one-hot).
 * Returns the losses [rows]. Backward keeps the softmax: dlogits = (softmax − target)·dloss.
 */
export function softmaxCrossEntropyPerExample(logits: Tensor, targets: Tensor): Tensor {
  check('softmaxCrossEntropy', 'logits', logits);
  check('softmaxCrossEntropy', 'targets', targets, 'any');
  const be = sameBackend('softmaxCrossEntropy', logits, targets);
  if (logits.rank !== 2) throw new RangeError(`softmaxCrossEntropy: logits must be [rows, classes], got shape [${logits.shape.join(', ')}]`);
  const [rows, classes] = logits.shape as [number, number];
  if (targets.dtype === 'int32') {
    if (targets.size !== rows) throw new RangeError(`softmaxCrossEntropy: expected ${rows} integer labels (one per row of logits [${rows}, ${classes}]), got shape [${targets.shape.join(', ')}]`);
    const labels = targets.view() as Int32Array;
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i]!;
      if (v < 0 || v >= classes) throw new RangeError(`softmaxCrossEntropy: label ${v} at row ${i} is out of range; labels must be integers in [0, ${classes - 1}] for ${classes} classes`);
    }
  } else if (targets.size !== logits.size) {
    throw new RangeError(`softmaxCrossEntropy: one-hot targets must have the shape of logits [${rows}, ${classes}], got [${targets.shape.join(', ')}]`);
  }
  const losses = alloc([rows], be);
  const probs = alloc([rows, classes], be);
  be.softmaxCrossEntropy(logits.storage, targets.storage, rows, classes, losses.storage, probs.storage);
  if (!willRecord([logits])) {
    probs.dispose();
    return losses;
  }
  return record('softmaxCrossEntropy', losses, [logits, targets], (dy) => {
    const g = alloc(logits.shape, be);
    be.softmaxCrossEntropyGrad(probs.storage, targets.storage, rows, classes, dy.storage, g.storage);
    return [g, null];
  });
}

/**
 * Binary cross-entropy from logits, elementwise: max(x, 0) − x·z + log(1 + e^−|x|), stable for any x.
 * Backward keeps the logits: dx = (σ(x) − z)·dloss.
 */
export function sigmoidCrossEntropyPerElement(logits: Tensor, targets: Tensor): Tensor {
  check('binaryCrossEntropy', 'logits', logits);
  check('binaryCrossEntropy', 'targets', targets);
  const be = sameBackend('binaryCrossEntropy', logits, targets);
  if (targets.size !== logits.size) {
    throw new RangeError(`binaryCrossEntropy: targets must have the shape of logits [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
  }
  const losses = alloc(logits.shape, be);
  be.sigmoidCrossEntropy(logits.storage, targets.storage, losses.storage);
  if (!willRecord([logits])) return losses;
  return record('binaryCrossEntropy', losses, [logits, targets], (dy) => {
    const g = alloc(logits.shape, be);
    be.sigmoidCrossEntropyGrad(logits.storage, targets.storage, dy.storage, g.storage);
    return [g, null];
  });
}
