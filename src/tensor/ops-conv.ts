/**
 * Convolution and pooling ops (NHWC inputs, HWIO filters, as Keras and TensorFlow.js) with their
 * backward rules, on the backend's conv/pool kernels (src/backend/conv.ts holds the geometry rules:
 * 'same' padding as TensorFlow, pooling strides defaulting to the pool size).
 */
import { conv2dGeometry, pool2dGeometry } from '../backend/conv.js';
import type { Conv2dGeometry, Padding } from '../backend/conv.js';
import { record, willRecord } from '../autograd/tape.js';
import type { Activation, ActivationLike } from '../activations/registry.js';
import type { Backend } from '../backend/types.js';
import { activationGrad, isStochasticTraining, resolveAct, type ActivationRunOptions } from './activation-step.js';
import { activate } from './ops.js';
import { Tensor, describe, empty } from './tensor.js';

export interface Conv2dOptions extends ActivationRunOptions {
  /** One number for both axes or [strideH, strideW] (default 1). */
  readonly strides?: number | readonly [number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding?: Padding;
  /**
   * Applied to the output (default none). Where the backward reads the output (relu) it is fused:
   * the wasm backend applies relu to the sums in registers, so no second pass over the output.
   */
  readonly activation?: ActivationLike | Activation | null;
}

export interface Pool2dOptions {
  readonly poolSize: number | readonly [number, number];
  /** Defaults to poolSize, as Keras. */
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
}

function checkFloat(op: string, name: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: ${name} must be a float32 tensor, got ${t.dtype}`);
  if (t.isDisposed) throw new Error(`${op}: ${name} (shape [${t.shape}]) was already disposed`);
  return t;
}

/**
 * out = act(conv(x, filter) + bias) for x [n, h, w, ci], filter [kh, kw, ci, co], bias [co].
 * Backward keeps x and the filter (and the output for a fused activation): dz = act'·dy, then dx from
 * conv2dBackwardInput, dFilter from conv2dBackwardFilter, dBias = Σ dz over batch and pixels.
 */
export function conv2d(x: Tensor, filter: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkFloat('conv2d', 'x', x);
  checkFloat('conv2d', 'filter', filter);
  if (bias) checkFloat('conv2d', 'bias', bias);
  const be = x.backend;
  if (filter.backend !== be || (bias && bias.backend !== be)) throw new Error('conv2d: x, filter and bias must live on one backend');
  const g = conv2dGeometry(x.shape, filter.shape, options.strides ?? 1, options.padding ?? 'valid');
  if (bias && bias.size !== g.outC) throw new RangeError(`conv2d: bias must hold ${g.outC} values (one per output channel), got shape [${bias.shape.join(', ')}]`);
  const resolved = resolveAct(options.activation);
  const act = resolved?.id === 'linear' ? null : resolved;
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const recording = willRecord(inputs);
  const fused = act !== null && !isStochasticTraining(act, options) && (!recording || act.spec.backwardFrom === 'y');
  const z = empty([g.batch, g.outH, g.outW, g.outC], 'float32', be);
  be.conv2d(x.storage, filter.storage, z.storage, g, bias?.storage, fused ? act!.call : undefined);
  const grads = (dz: Tensor) => convGrads(be, g, x, filter, bias ?? null, dz);
  if (fused || act === null) {
    if (!recording) return z;
    return record('conv2d', z, inputs, (dy) => {
      if (!act) return grads(dy);
      const dz = activationGrad(be, act.call, z, z, dy);
      const result = grads(dz);
      dz.dispose();
      return result;
    });
  }
  if (!recording) {
    // rrelu in training without a tape: z is only a temporary.
    const y = activate(z, act, options);
    z.dispose();
    return y;
  }
  // The activation's backward reads z, so z lives until the step's tidy scope ends.
  return activate(record('conv2d', z, inputs, grads), act, options);
}

function convGrads(be: Backend, g: Conv2dGeometry, x: Tensor, filter: Tensor, bias: Tensor | null, dz: Tensor): Array<Tensor | null> {
  let dx: Tensor | null = null;
  let df: Tensor | null = null;
  let db: Tensor | null = null;
  if (x.requiresGrad) {
    dx = empty(x.shape, 'float32', be);
    be.conv2dBackwardInput(dz.storage, filter.storage, dx.storage, g);
  }
  if (filter.requiresGrad) {
    df = empty(filter.shape, 'float32', be);
    be.conv2dBackwardFilter(x.storage, dz.storage, df.storage, g);
  }
  if (bias && bias.requiresGrad) {
    db = empty(bias.shape, 'float32', be);
    be.sumAxis(dz.storage, db.storage, 1, g.batch * g.outH * g.outW, g.outC);
  }
  return bias ? [dx, df, db] : [dx, df];
}

function checkPoolInput(op: string, x: Tensor): void {
  checkFloat(op, 'x', x);
  if (x.rank !== 4) throw new RangeError(`${op}: x must be [batch, height, width, channels], got shape [${x.shape.join(', ')}]`);
}

/** Max pooling. Backward keeps the argmax (int32, one per output) and routes dy to the winners. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  checkPoolInput('maxPool2d', x);
  if (!options || typeof options !== 'object') throw new TypeError(`maxPool2d: options must be { poolSize, strides?, padding? }, got ${describe(options)}`);
  const be = x.backend;
  const g = pool2dGeometry(x.shape, options.poolSize, options.strides, options.padding ?? 'valid');
  const shape = [g.batch, g.outH, g.outW, g.channels];
  const out = empty(shape, 'float32', be);
  const argmax = empty(shape, 'int32', be);
  be.maxPool2d(x.storage, out.storage, g, argmax.storage);
  if (!willRecord([x])) {
    argmax.dispose();
    return out;
  }
  return record('maxPool2d', out, [x], (dy) => {
    const dx = empty(x.shape, 'float32', be);
    be.maxPool2dBackward(dy.storage, argmax.storage, dx.storage, g);
    return [dx];
  });
}

/** Average pooling over each window's real elements. Backward keeps nothing but the geometry. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  checkPoolInput('avgPool2d', x);
  if (!options || typeof options !== 'object') throw new TypeError(`avgPool2d: options must be { poolSize, strides?, padding? }, got ${describe(options)}`);
  const be = x.backend;
  const g = pool2dGeometry(x.shape, options.poolSize, options.strides, options.padding ?? 'valid');
  const out = empty([g.batch, g.outH, g.outW, g.channels], 'float32', be);
  be.avgPool2d(x.storage, out.storage, g);
  if (!willRecord([x])) return out;
  return record('avgPool2d', out, [x], (dy) => {
    const dx = empty(x.shape, 'float32', be);
    be.avgPool2dBackward(dy.storage, dx.storage, g);
    return [dx];
  });
}
