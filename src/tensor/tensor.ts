/**
 * Tensor: a shape and a block of backend memory. On the wasm backend the storage lives in WebAssembly
 * memory, so kernels run on it in place; that memory has an owner, so every tensor is either disposed
 * explicitly or created inside a `tidy` scope that disposes it (the TF.js model, which users know).
 */
import { backend } from '../backend/registry.js';
import type { Backend, DType, Storage } from '../backend/types.js';

export type Shape = readonly number[];

let liveTensors = 0;
let liveBytes = 0;
let nextId = 1;

/** The open tidy scopes, innermost last; each records the tensors created in it. */
const scopes: Set<Tensor>[] = [];

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  readonly dtype: DType;
  readonly backend: Backend;
  private _storage: Storage | null;

  /** Wraps storage the caller has just allocated; use `tensor()`, `zeros()` … rather than this. */
  constructor(storage: Storage, shape: Shape, owner: Backend) {
    this._storage = storage;
    this.shape = Object.freeze([...shape]);
    this.size = storage.length;
    this.dtype = storage.dtype;
    this.backend = owner;
    liveTensors++;
    liveBytes += storage.length * 4;
    scopes[scopes.length - 1]?.add(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The backend memory; throws once the tensor is disposed, so a use-after-free cannot go unseen. */
  get storage(): Storage {
    if (!this._storage) throw new Error(`Tensor ${this.id} (shape [${this.shape}]) was used after dispose()`);
    return this._storage;
  }

  get isDisposed(): boolean {
    return this._storage === null;
  }

  /** A copy of the values, safe to keep: WebAssembly memory may move when it grows. */
  get data(): Float32Array | Int32Array {
    const s = this.storage;
    return s.dtype === 'float32' ? s.f32().slice() : s.i32().slice();
  }

  /** A live view of the values, valid until the next allocation on this tensor's backend. */
  view(): Float32Array | Int32Array {
    const s = this.storage;
    return s.dtype === 'float32' ? s.f32() : s.i32();
  }

  /** Values as a plain array (for printing and tests). */
  toArray(): number[] {
    return Array.from(this.view());
  }

  dispose(): void {
    if (!this._storage) return;
    this.backend.release(this._storage);
    liveTensors--;
    liveBytes -= this._storage.length * 4;
    this._storage = null;
    for (const s of scopes) s.delete(this);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

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

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
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

type TensorContainer = Tensor | readonly TensorContainer[] | { readonly [k: string]: TensorContainer } | void | number | string | boolean | null | undefined;

function collect(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out);
  }
}

/**
 * Runs `fn` and disposes every tensor created during it except those it returns (in an array or plain
 * object too) and those passed to `keep`. Returned tensors move to the enclosing scope.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected a function, got ${describe(fn)}`);
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new TypeError('tidy: fn must be synchronous (it returned a Promise); dispose tensors of async work yourself');
  } finally {
    scopes.pop();
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of scope) if (!kept.has(t)) t.dispose();
  const outer = scopes[scopes.length - 1];
  if (outer) for (const t of kept) outer.add(t);
  return result;
}

/** Takes a tensor out of every open tidy scope, so it outlives them; the caller disposes it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Disposes tensors found in any nesting of arrays and plain objects. */
export function dispose(container: TensorContainer): void {
  const all = new Set<Tensor>();
  collect(container, all);
  for (const t of all) t.dispose();
}

/** Live tensors and their bytes, and what the current backend holds; a leak shows as growth here. */
export function memory(): { numTensors: number; numBytes: number; backend: ReturnType<Backend['memory']> } {
  return { numTensors: liveTensors, numBytes: liveBytes, backend: backend().memory() };
}
