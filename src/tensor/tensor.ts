/**
 * Tensor: a shape and a block of backend memory. On the wasm backend the storage lives in WebAssembly
 * memory, so kernels run on it in place; that memory has an owner, so every tensor is either disposed
 * explicitly or created inside a `tidy` scope that disposes it (the TF.js model, which users know).
 */
import type { Backend, DType, Storage } from '../backend/types.js';
import { backend } from '../runtime/backend.js';
import { DESCRIBE, describe } from '../util/describe.js';

export type Shape = readonly number[];

let liveTensors = 0;
let liveBytes = 0;
let nextId = 1;

/** The open tidy scopes, innermost last; each records the tensors created in it. */
const scopes: Set<Tensor>[] = [];

/**
 * What autograd/ provides on tensors: `t.backward()`, `t.grad` and `t.requiresGrad` are members of the
 * class (as PyTorch users write them), and their algorithms live in the tape above this folder, which
 * installs them when it loads. Every op that records a graph imports the tape, and so does the package
 * entry, so a tensor that has a graph always finds them.
 */
export interface GradientTape {
  backward(root: Tensor, gradient?: Tensor): void;
  gradOf(t: Tensor): Tensor | null;
  requiresGrad(t: Tensor): boolean;
  requireGrad(t: Tensor, on: boolean): void;
}

let tape: GradientTape | null = null;

/** Called once by src/autograd/tape.ts. */
export function installGradientTape(t: GradientTape): void {
  tape = t;
}

function gradientTape(what: string): GradientTape {
  if (!tape) throw new Error(`${what} needs the autograd tape (src/autograd), which is not loaded; import 'rectifier' or src/autograd first`);
  return tape;
}

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

  [DESCRIBE](): string {
    return `a Tensor of shape [${this.shape.join(', ')}]`;
  }

  /** Backpropagates from this tensor: a scalar loss, or pass dL/d(this) as `gradient`. */
  backward(gradient?: Tensor): void {
    gradientTape('backward').backward(this, gradient);
  }

  /** The accumulated gradient of a leaf (or of an op output kept with retainGrad), or null. */
  get grad(): Tensor | null {
    return tape ? tape.gradOf(this) : null;
  }

  /** Leaves: settable (a parameter); op outputs: true when the op was recorded. */
  get requiresGrad(): boolean {
    return tape ? tape.requiresGrad(this) : false;
  }

  set requiresGrad(on: boolean) {
    if (typeof on !== 'boolean') throw new TypeError(`requiresGrad must be a boolean, got ${describe(on)}`);
    gradientTape('requiresGrad').requireGrad(this, on);
  }
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
