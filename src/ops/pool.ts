/**
 * Max and average pooling (NHWC) with their backward rules; the geometry is made once at the op's entry.
 */
import { record, willRecord } from '../autograd/tape.js';
import { pool2dGeometry, type Padding } from '../backend/geometry.js';
import { empty } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { check } from './check.js';

export interface Pool2dOptions {
  readonly poolSize: number | readonly [number, number];
  /** Defaults to poolSize, as Keras. */
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
}

function checkPoolInput(op: string, x: Tensor): void {
  check(op, 'x', x);
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
