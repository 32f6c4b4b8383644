/**
 * The checks every op runs on its inputs at its entry (the public edge of the engine): a live tensor of
 * the right dtype, all on one backend; and the small allocation helpers the backward rules share.
 */
import type { Backend } from '../backend/types.js';
import { empty } from '../tensor/create.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';

export function check(op: string, name: string, t: unknown, dtype: 'float32' | 'int32' | 'any' = 'float32'): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.isDisposed) throw new Error(`${op}: ${name} (shape [${t.shape}]) was already disposed`);
  if (dtype !== 'any' && t.dtype !== dtype) throw new TypeError(`${op}: ${name} must be a ${dtype} tensor, got ${t.dtype}`);
  return t;
}

export function sameBackend(op: string, ...ts: Tensor[]): Backend {
  const b = ts[0]!.backend;
  for (const t of ts) {
    if (t.backend !== b) throw new Error(`${op}: tensors live on different backends (${b.name} and ${t.backend.name}); create them on one backend`);
  }
  return b;
}

export function alloc(shape: Shape, b: Backend): Tensor {
  return empty(shape, 'float32', b);
}

export function copyOf(t: Tensor, shape: Shape = t.shape): Tensor {
  const o = alloc(shape, t.backend);
  t.backend.copyRange(t.storage, 0, o.storage, 0, t.size);
  return o;
}

export function finiteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number, got ${describe(v)}`);
  return v;
}
