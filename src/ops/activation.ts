/**
 * The activation executor: a row of the table with its parameters resolved, applied forward and backward
 * on Float32Arrays (through the current backend) or on Tensors (in place, on their backend). It is what
 * the kernels receive as their `KernelActivation` (id, params, f, df, dfFromY), and what layers hold.
 * rrelu in training draws a slope per element (`drawSlopes`, shared with the `activate` op).
 */
import { getSpec, resolveParams, type ActivationLike } from '../activations/lookup.js';
import { ACTIVATIONS } from '../activations/table.js';
import type { ActivationSpec, ParamValues } from '../activations/types.js';
import { arrayStorage } from '../backend/js.js';
import type { Backend, KernelActivation, Storage } from '../backend/types.js';
import { backend } from '../runtime/backend.js';
import { empty } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { Rng } from '../util/random.js';

export interface ActivationOptions {
  /** rrelu only: draw a random slope per element (true) or use (lower + upper)/2 (false, the default). */
  readonly training?: boolean;
  /** Seed for rrelu's slopes in training. */
  readonly seed?: number;
}

type Values = Float32Array | Tensor;

export class Activation implements KernelActivation {
  readonly spec: ActivationSpec;
  readonly params: ParamValues;
  readonly training: boolean;
  readonly f: ActivationSpec['f'];
  readonly df: ActivationSpec['df'];
  readonly dfFromY: ActivationSpec['dfFromY'];
  /** True for `linear`, the identity: layers and ops skip it (no epilogue, no backward step). */
  readonly isIdentity: boolean;
  private readonly rng: Rng | null;
  /** rrelu in training: the slopes drawn by the last forward, which its backward must reuse. */
  private lastSlopes: Float32Array | null = null;

  constructor(spec: ActivationSpec, params: ParamValues, options: ActivationOptions = {}) {
    this.spec = spec;
    this.params = params;
    this.f = spec.f;
    this.df = spec.df;
    this.dfFromY = spec.dfFromY;
    this.isIdentity = spec.id === 'linear';
    this.training = options.training ?? false;
    if (typeof this.training !== 'boolean') throw new TypeError(`${spec.id}: options.training must be a boolean, got ${describe(options.training)}`);
    this.rng = spec.stochastic && this.training ? new Rng(options.seed ?? 0) : null;
  }

  get id(): string {
    return this.spec.id;
  }

  /** True when the backward can read f' from the output alone (relu: dy·[y > 0]), so y may replace x. */
  get backwardReadsOutput(): boolean {
    return this.spec.backwardFrom === 'y';
  }

  /** True for rrelu: random slopes in training, their mean in inference. */
  get stochastic(): boolean {
    return this.spec.stochastic !== undefined;
  }

  /** The JSON form layers save: the id alone when every parameter has its default, else { id, params }. */
  toConfig(): ActivationLike {
    const defaults = this.spec.params.every((p) => this.params[p.name] === p.default);
    return defaults ? this.id : { id: this.id, params: { ...this.params } };
  }

  /** y = f(x). The result has the kind of x (Float32Array or Tensor); `out` may be x itself. */
  forward(x: Float32Array, out?: Float32Array): Float32Array;
  forward(x: Tensor, out?: Tensor): Tensor;
  forward(x: Values, out?: Values): Values {
    checkKind(this.spec.id, 'forward', 'x', x, undefined);
    if (out !== undefined) checkKind(this.spec.id, 'forward', 'out', out, x);
    if (this.rng) {
      const slopes = new Float32Array(sizeOf(x));
      drawSlopes(this, this.rng, slopes);
      this.lastSlopes = slopes;
      return run([x, slopes], out, x, (b, [xs, ss], o) => b.prelu(xs!, ss!, slopes.length, o));
    }
    // Tensors (checked above: out is one too, on x's backend) run in place: no copies, closures or
    // arrays per call, which at a few thousand elements cost as much as the kernel.
    if (x instanceof Tensor) {
      const result = resultTensor(x, out);
      x.backend.unary(this, x.storage, result.storage);
      return result;
    }
    return run([x], out, x, (b, [xs], o) => b.unary(this, xs!, o));
  }

  /** dL/dx given x and dL/dy (dy). The result has the kind of x; `out` may be dy. */
  backward(x: Float32Array, dy: Float32Array, out?: Float32Array): Float32Array;
  backward(x: Tensor, dy: Tensor, out?: Tensor): Tensor;
  backward(x: Values, dy: Values, out?: Values): Values {
    checkKind(this.spec.id, 'backward', 'x', x, undefined);
    checkKind(this.spec.id, 'backward', 'dy', dy, x);
    if (out !== undefined) checkKind(this.spec.id, 'backward', 'out', out, x);
    if (this.rng) {
      const slopes = this.lastSlopes;
      if (!slopes || slopes.length !== sizeOf(x)) {
        throw new Error(`${this.spec.id}: backward in training needs the slopes of a forward on the same ${sizeOf(x)} elements; call forward(x) first`);
      }
      return run([x, slopes, dy], out, x, (b, [xs, ss, g], o) => b.preluGrad(xs!, ss!, slopes.length, g!, o));
    }
    if (x instanceof Tensor) {
      const result = resultTensor(x, out);
      x.backend.unaryGrad(this, x.storage, (dy as Tensor).storage, result.storage);
      return result;
    }
    return run([x, dy], out, x, (b, [xs, g], o) => b.unaryGrad(this, xs!, g!, o));
  }

  /**
   * dL/dx from the forward's output y instead of its input, for the activations whose derivative can
   * be read from y (`spec.backwardFrom === 'y'`: relu, relu6, sigmoid, tanh, hard_sigmoid, linear).
   * This is what a layer does in training: it keeps y, which it needs anyway, and frees x.
   */
  backwardFromOutput(y: Float32Array, dy: Float32Array, out?: Float32Array): Float32Array;
  backwardFromOutput(y: Tensor, dy: Tensor, out?: Tensor): Tensor;
  backwardFromOutput(y: Values, dy: Values, out?: Values): Values {
    if (this.spec.backwardFrom !== 'y' || this.rng) {
      const can = ACTIVATIONS.filter((s) => s.backwardFrom === 'y').map((s) => s.id).join(', ');
      throw new Error(`${this.spec.id}.backwardFromOutput: the derivative of ${this.spec.id} cannot be read from its output; use backward(x, dy) (from the output: ${can})`);
    }
    checkKind(this.spec.id, 'backwardFromOutput', 'y', y, undefined);
    checkKind(this.spec.id, 'backwardFromOutput', 'dy', dy, y);
    if (out !== undefined) checkKind(this.spec.id, 'backwardFromOutput', 'out', out, y);
    if (y instanceof Tensor) {
      const result = resultTensor(y, out);
      y.backend.unaryGradFromY(this, y.storage, (dy as Tensor).storage, result.storage);
      return result;
    }
    return run([y, dy], out, y, (b, [ys, g], o) => b.unaryGradFromY(this, ys!, g!, o));
  }
}

function sizeOf(v: Values): number {
  return v instanceof Tensor ? v.size : v.length;
}

function checkKind(id: string, fn: string, name: string, v: unknown, like: Values | undefined): void {
  // Each instanceof is evaluated once: this runs on every call, several times.
  const isTensor = v instanceof Tensor;
  if (like === undefined) {
    if (!isTensor && !(v instanceof Float32Array)) {
      throw new TypeError(`${id}.${fn}: ${name} must be a Float32Array or a Tensor, got ${describe(v)}`);
    }
    if (isTensor && (v as Tensor).dtype !== 'float32') throw new TypeError(`${id}.${fn}: ${name} must be a float32 tensor, got ${(v as Tensor).dtype}`);
    return;
  }
  const tensorWanted = like instanceof Tensor;
  if (tensorWanted !== isTensor || !(isTensor || v instanceof Float32Array)) {
    throw new TypeError(`${id}.${fn}: ${name} must be a ${tensorWanted ? 'Tensor' : 'Float32Array'} like x, got ${describe(v)}`);
  }
  if (isTensor) {
    const t = v as Tensor;
    if (t.dtype !== 'float32') throw new TypeError(`${id}.${fn}: ${name} must be a float32 tensor, got ${t.dtype}`);
    if (t.backend !== (like as Tensor).backend) {
      throw new Error(`${id}.${fn}: ${name} lives on the ${t.backend.name} backend but x on ${(like as Tensor).backend.name}`);
    }
    if (t.size !== (like as Tensor).size) {
      throw new RangeError(`${id}.${fn}: x has ${(like as Tensor).size} elements but ${name} has ${t.size}`);
    }
    return;
  }
  if ((v as Float32Array).length !== (like as Float32Array).length) {
    throw new RangeError(`${id}.${fn}: x has ${(like as Float32Array).length} elements but ${name} has ${(v as Float32Array).length}`);
  }
}

/**
 * Runs one kernel on tensors in place, or on plain arrays: viewed directly on the js backend, copied
 * through backend memory on the others (tensors are the way to avoid that copy).
 */
function run(
  inputs: Array<Values>,
  out: Values | undefined,
  x: Values,
  kernel: (b: Backend, inputs: Storage[], out: Storage) => void,
): Values {
  if (x instanceof Tensor) {
    const b = x.backend;
    const storages = inputs.map((v) => (v instanceof Tensor ? v.storage : copyIn(b, v)));
    const result = resultTensor(x, out);
    try {
      kernel(b, storages, result.storage);
    } finally {
      inputs.forEach((v, i) => { if (!(v instanceof Tensor)) b.release(storages[i]!); });
    }
    return result;
  }
  const b = backend();
  const result = (out as Float32Array | undefined) ?? new Float32Array(x.length);
  if (b.name === 'js') {
    kernel(b, inputs.map((v) => arrayStorage(v as Float32Array)), arrayStorage(result));
    return result;
  }
  const storages = inputs.map((v) => copyIn(b, v as Float32Array));
  const o = b.allocate(result.length, 'float32');
  try {
    kernel(b, storages, o);
    result.set(o.f32());
  } finally {
    for (const s of storages) b.release(s);
    b.release(o);
  }
  return result;
}

/** The caller's `out`, or a new tensor shaped like `like` on its backend. */
function resultTensor(like: Tensor, out: Values | undefined): Tensor {
  return (out as Tensor | undefined) ?? empty(like.shape, 'float32', like.backend);
}

function copyIn(b: Backend, a: Float32Array | Tensor): Storage {
  const arr = a instanceof Tensor ? a.view() : a;
  const s = b.allocate(arr.length, 'float32');
  s.f32().set(arr as Float32Array);
  return s;
}

/** An activation from the table, ready to apply: `getActivation('leaky_relu', { alpha: 0.1 })`. */
export function getActivation(id: string, params?: Readonly<Record<string, number>>, options?: ActivationOptions): Activation {
  const spec = getSpec(id);
  return new Activation(spec, resolveParams(spec, params ?? {}), options ?? {});
}

/** Resolves whatever a layer was given as its activation (id, { id, params } or spec). */
export function toActivation(like: ActivationLike, options?: ActivationOptions): Activation {
  if (typeof like === 'string') return getActivation(like, undefined, options);
  if (like && typeof like === 'object' && 'f' in like && 'df' in like) return new Activation(like, resolveParams(like), options);
  if (like && typeof like === 'object' && typeof (like as { id?: unknown }).id === 'string') {
    const l = like as { id: string; params?: Record<string, number> };
    return getActivation(l.id, l.params, options);
  }
  throw new TypeError(`activation must be an id such as "relu", { id, params } or a spec, got ${describe(like)}`);
}

/**
 * rrelu's slopes in training: slopes[i] ~ U(lower, upper), one draw per element from `rng` in index order
 * (Xu et al. 2015, https://arxiv.org/abs/1505.00853). The one place they are drawn, for `Activation` and the
 * `activate` op alike.
 */
export function drawSlopes(act: Activation, rng: Rng, slopes: Float32Array): void {
  const { lower, upper } = act.spec.stochastic!;
  const l = act.params[lower]!;
  const u = act.params[upper]!;
  for (let i = 0; i < slopes.length; i++) slopes[i] = l + (u - l) * rng.next();
}

/** An Activation from whatever an op or a layer was given, or null for none. */
export function resolveActivation(act: ActivationLike | Activation | null | undefined): Activation | null {
  if (act === null || act === undefined) return null;
  return act instanceof Activation ? act : toActivation(act);
}
