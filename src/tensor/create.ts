/**
 * Making tensors: from values (`tensor`), uninitialised (`empty`), or filled (`zeros`, `ones`, `full`), on
 * the current backend unless one is given.
 */
import type { Backend, DType } from '../backend/types.js';
import { backend } from '../runtime/backend.js';
import { describe } from '../util/describe.js';
import { Tensor, type Shape } from './tensor.js';

export function shapeSize(shape: Shape, where = 'shape'): number {
  if (!Array.isArray(shape)) throw new TypeError(`${where} must be an array of non-negative integers, got ${describe(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(`${where} must be an array of non-negative integers, got [${shape.join(', ')}]`);
    }
    n *= d;
  }
  return n;
}

/**
 * Creates a tensor on the current backend. `data` is a Float32Array (or number[]) for float32, an
 * Int32Array for int32; `shape` defaults to [data.length] and must hold exactly data.length values.
 */
export function tensor(data: Float32Array | Int32Array | readonly number[], shape?: Shape): Tensor {
  let values: Float32Array | Int32Array;
  if (data instanceof Float32Array || data instanceof Int32Array) values = data;
  else if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      if (typeof data[i] !== 'number') throw new TypeError(`tensor: data[${i}] must be a number, got ${describe(data[i])}`);
    }
    values = Float32Array.from(data);
  } else {
    throw new TypeError(`tensor: data must be a Float32Array, an Int32Array or an array of numbers, got ${describe(data)}`);
  }
  const s = shape ?? [values.length];
  const n = shapeSize(s, 'tensor: shape');
  if (n !== values.length) {
    throw new RangeError(`tensor: shape [${s.join(', ')}] holds ${n} values but data has ${values.length}`);
  }
  const t = empty(s, values instanceof Int32Array ? 'int32' : 'float32');
  if (values instanceof Int32Array) t.storage.i32().set(values);
  else t.storage.f32().set(values);
  return t;
}

/** An uninitialised tensor (contents unspecified) on the given or current backend. */
export function empty(shape: Shape, dtype: DType = 'float32', on: Backend = backend()): Tensor {
  const n = shapeSize(shape, 'empty: shape');
  return new Tensor(on.allocate(n, dtype), shape, on);
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: value must be a number, got ${describe(value)}`);
  const t = empty(shape, dtype);
  (dtype === 'float32' ? t.storage.f32() : t.storage.i32()).fill(value);
  return t;
}
