/**
 * 2-D convolution (NHWC input, HWIO filter, as Keras and TensorFlow.js) with its backward rule; the
 * geometry is made and checked once here, at the op's entry (src/backend/geometry.ts), and the activation
 * goes through ./epilogue.ts like linear's (the wasm backend fuses relu into the convolution).
 */
import type { ActivationLike } from '../activations/lookup.js';
import { willRecord } from '../autograd/tape.js';
import { conv2dGeometry, type Conv2dGeometry, type Padding } from '../backend/geometry.js';
import type { Backend } from '../backend/types.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Activation } from './activation.js';
import type { ActivationRunOptions } from './activate.js';
import { check, sameBackend } from './check.js';
import { finishEpilogue, planEpilogue } from './epilogue.js';

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

/**
 * out = act(conv(x, filter) + bias) for x [n, h, w, ci], filter [kh, kw, ci, co], bias [co].
 * Backward keeps x and the filter (and the output for a fused activation): dz = act'·dy, then dx from
 * conv2dBackwardInput, dFilter from conv2dBackwardFilter, dBias = Σ dz over batch and pixels.
 */
export function conv2d(x: Tensor, filter: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  check('conv2d', 'x', x);
  check('conv2d', 'filter', filter);
  if (bias) check('conv2d', 'bias', bias);
  const be = sameBackend('conv2d', x, filter, ...(bias ? [bias] : []));
  const g = conv2dGeometry(x.shape, filter.shape, options.strides ?? 1, options.padding ?? 'valid');
  if (bias && bias.size !== g.outC) throw new RangeError(`conv2d: bias must hold ${g.outC} values (one per output channel), got shape [${bias.shape.join(', ')}]`);
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const recording = willRecord(inputs);
  const plan = planEpilogue(options.activation, options, recording);
  const z = empty([g.batch, g.outH, g.outW, g.outC], 'float32', be);
  be.conv2d(x.storage, filter.storage, z.storage, g, bias?.storage, plan.fused ? plan.act! : undefined);
  return finishEpilogue('conv2d', be, z, inputs, (dz) => convGrads(be, g, x, filter, bias ?? null, dz), plan, recording, options);
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
