/**
 * Activation ops: `activate` (any row of the table, rrelu random in training), `prelu` with learnable
 * slopes, and inverted `dropout`. The backward of an activation reads y where the row allows it (relu:
 * dx = dy·[y > 0]) and x otherwise (`activationGrad`, shared with the fused epilogues of linear and conv2d).
 */
import type { ActivationLike } from '../activations/lookup.js';
import { record, willRecord } from '../autograd/tape.js';
import type { Backend } from '../backend/types.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { Rng } from '../util/random.js';
import { Activation, drawSlopes, resolveActivation } from './activation.js';
import { alloc, check, sameBackend } from './check.js';
import { binaryRaw } from './elementwise.js';

export interface ActivationRunOptions {
  /** rrelu draws random slopes in training and uses (lower + upper)/2 otherwise. */
  readonly training?: boolean;
  /** The generator for rrelu's slopes in training (required then). */
  readonly rng?: Rng;
}

/** True when the activation draws random slopes now (rrelu in training): never fused, keeps its slopes. */
export function isStochasticTraining(act: Activation, options: ActivationRunOptions): boolean {
  return act.stochastic && options.training === true;
}

/** dL/dx of the activation given dL/dy, from y where the row's backward reads y (relu), else from x. */
export function activationGrad(be: Backend, act: Activation, x: Tensor, y: Tensor, dy: Tensor): Tensor {
  const g = empty(dy.shape, 'float32', be);
  if (act.backwardReadsOutput) be.unaryGradFromY(act, y.storage, dy.storage, g.storage);
  else be.unaryGrad(act, x.storage, dy.storage, g.storage);
  return g;
}

/**
 * y = f(x) for any activation of the table. Backward keeps y when the row's backward reads y (relu:
 * dx = dy·[y > 0]) and x otherwise; rrelu in training keeps x and the slopes it drew.
 */
export function activate(x: Tensor, activation: ActivationLike | Activation, options: ActivationRunOptions = {}): Tensor {
  check('activate', 'x', x);
  const act = resolveActivation(activation)!;
  const be = x.backend;
  if (isStochasticTraining(act, options)) {
    const rng = options.rng;
    if (!(rng instanceof Rng)) throw new TypeError(`activate: ${act.id} in training needs options.rng (an Rng), got ${describe(rng)}`);
    const slopes = alloc([x.size], be);
    drawSlopes(act, rng, slopes.storage.f32());
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
  const out = alloc(x.shape, be);
  be.unary(act, x.storage, out.storage);
  if (!willRecord([x])) return out;
  return record(act.id, out, [x], (dy) => [activationGrad(be, act, x, out, dy)]);
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
