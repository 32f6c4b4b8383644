/**
 * Optimizers with PyTorch's update rules (torch.optim.SGD, Adam, AdamW), each update one backend kernel
 * per parameter (`sgdStep`, `adamStep`), so a faster backend speeds them up. Parameters flagged `noDecay`
 * (PReLU slopes, batch-norm scales and shifts) skip weight decay; parameters without a gradient are left
 * alone. Optional gradient clipping by global norm runs before the update.
 */
import { Parameter } from '../autograd/parameter.js';
import { gradOf, zeroGrad } from '../autograd/tape.js';
import { empty } from '../tensor/create.js';
import { Tensor, keep } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import type { LearningRateSchedule } from './schedules.js';
import { scheduleFromJSON } from './schedules.js';

export type ParameterLike = Parameter | Tensor;

function unwrap(p: ParameterLike, where: string): { value: Tensor; noDecay: boolean } {
  if (p instanceof Parameter) return { value: p.value, noDecay: p.noDecay };
  if (p instanceof Tensor) return { value: p, noDecay: false };
  throw new TypeError(`${where}: expected Parameters or Tensors, got ${describe(p)}`);
}

function toList(params: Iterable<ParameterLike>, where: string): ParameterLike[] {
  if (!params || typeof (params as Iterable<ParameterLike>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: params must be an iterable of Parameters or Tensors (e.g. model.parameters()), got ${describe(params)}`);
  }
  return [...params];
}

/**
 * Scales all gradients in place so that their global L2 norm is at most maxNorm (as
 * torch.nn.utils.clip_grad_norm_, including its 1e-6 guard). Returns the norm before clipping.
 */
export function clipGradNorm(params: Iterable<ParameterLike>, maxNorm: number): number {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be a number > 0, got ${describe(maxNorm)}`);
  const grads: Tensor[] = [];
  for (const p of toList(params, 'clipGradNorm')) {
    const g = gradOf(unwrap(p, 'clipGradNorm').value);
    if (g) grads.push(g);
  }
  let sq = 0;
  for (const g of grads) sq += g.backend.sumSquares(g.storage);
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    for (const g of grads) g.backend.affine(g.storage, s, 0, g.storage);
  }
  return norm;
}

export interface OptimizerBaseOptions {
  /** A number or a schedule of the update count (default depends on the optimizer). */
  readonly learningRate?: number | LearningRateSchedule;
  /** Decay factor (L2 for SGD and Adam, decoupled for AdamW). */
  readonly weightDecay?: number;
  /** Clip gradients to this global L2 norm before each update. */
  readonly clipNorm?: number;
}

function checkRate(name: string, lr: unknown): number | LearningRateSchedule {
  if (typeof lr === 'number') {
    if (!Number.isFinite(lr) || lr <= 0) throw new RangeError(`${name}: learningRate must be a finite number > 0 or a schedule, got ${lr}`);
    return lr;
  }
  if (lr && typeof lr === 'object' && typeof (lr as LearningRateSchedule).at === 'function') return lr as LearningRateSchedule;
  throw new TypeError(`${name}: learningRate must be a number > 0 or a schedule (optimizers.schedules.cosineDecay …), got ${describe(lr)}`);
}

function checkRange(name: string, key: string, v: unknown, lo: number, hi: number, hiOpen = true): number {
  if (typeof v !== 'number' || !(v >= lo) || !(hiOpen ? v < hi : v <= hi)) {
    throw new RangeError(`${name}: ${key} must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${describe(v)}`);
  }
  return v;
}

/**
 * What an optimizer carries from one update to the next, as a checkpoint keeps it: the update count
 * (which the learning-rate schedule and Adam's bias correction read) and each parameter's buffers, named
 * `<parameter name>.<slot>` (dense_1.kernel.m …).
 */
export interface OptimizerState {
  readonly iterations: number;
  readonly slots: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
}

export abstract class Optimizer {
  abstract readonly name: string;
  readonly learningRate: number | LearningRateSchedule;
  readonly weightDecay: number;
  readonly clipNorm: number | undefined;
  /** Updates applied so far. */
  iterations = 0;
  protected readonly state = new Map<Tensor, Tensor[]>();

  constructor(name: string, options: OptimizerBaseOptions, defaultRate: number) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${name}: options must be an object, got ${describe(options)}`);
    this.learningRate = checkRate(name, options.learningRate ?? defaultRate);
    this.weightDecay = checkRange(name, 'weightDecay', options.weightDecay ?? this.defaultWeightDecay(), 0, Infinity);
    if (options.clipNorm !== undefined && !(typeof options.clipNorm === 'number' && options.clipNorm > 0)) {
      throw new RangeError(`${name}: clipNorm must be a number > 0, got ${describe(options.clipNorm)}`);
    }
    this.clipNorm = options.clipNorm;
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  /** The rate the next update will use. */
  currentLearningRate(): number {
    return typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.at(this.iterations);
  }

  private lastParams: ParameterLike[] = [];

  /** Applies one update to every parameter that has a gradient. */
  step(params: Iterable<ParameterLike>): void {
    const list = toList(params, `${this.name}.step`);
    this.lastParams = list;
    if (this.clipNorm !== undefined) clipGradNorm(list, this.clipNorm);
    const lr = this.currentLearningRate();
    this.iterations++;
    for (const p of list) {
      const { value, noDecay } = unwrap(p, `${this.name}.step`);
      const g = gradOf(value);
      if (!g) continue;
      this.update(value, g, lr, noDecay ? 0 : this.weightDecay);
    }
  }

  /** Disposes the gradients of the given parameters, or of those of the last `step` when none are given. */
  zeroGrad(params?: Iterable<ParameterLike>): void {
    const list = params === undefined ? this.lastParams : toList(params, `${this.name}.zeroGrad`);
    zeroGrad(list.map((p) => unwrap(p, `${this.name}.zeroGrad`).value));
  }

  protected slots(value: Tensor, count: number): Tensor[] {
    let s = this.state.get(value);
    if (!s) {
      s = [];
      for (let i = 0; i < count; i++) {
        const t = keep(empty(value.shape, 'float32', value.backend));
        t.storage.f32().fill(0);
        s.push(t);
      }
      this.state.set(value, s);
    }
    return s;
  }

  protected abstract update(value: Tensor, grad: Tensor, lr: number, weightDecay: number): void;

  /** The names of the buffers `update` keeps per parameter, in the order of `slots` (none for plain SGD). */
  abstract slotNames(): readonly string[];

  /**
   * A copy of the state: the update count and the buffers of each named parameter that has them (a
   * parameter that never had a gradient has none yet). The names are the caller's (a model uses
   * `<layer>.<weight>`).
   */
  exportState(named: Iterable<readonly [string, ParameterLike]>): OptimizerState {
    const slots = new Map<string, { shape: number[]; data: Float32Array }>();
    const names = this.slotNames();
    for (const [name, p] of named) {
      const s = this.state.get(unwrap(p, `${this.name}.exportState`).value);
      if (!s) continue;
      s.forEach((t, i) => slots.set(`${name}.${names[i]}`, { shape: [...t.shape], data: t.data as Float32Array }));
    }
    return { iterations: this.iterations, slots };
  }

  /**
   * Replaces the state with one from `exportState` for the same named parameters: every buffer must
   * belong to a parameter and have its shape, and a parameter has all of its buffers or none.
   */
  importState(named: Iterable<readonly [string, ParameterLike]>, state: OptimizerState, source = 'the optimizer state'): void {
    const where = `${this.name}.importState`;
    if (!state || typeof state !== 'object' || !(state.slots instanceof Map)) throw new TypeError(`${where}: expected { iterations, slots: Map }, got ${describe(state)}`);
    if (!Number.isSafeInteger(state.iterations) || state.iterations < 0) throw new RangeError(`${where}: ${source}: iterations must be an integer >= 0, got ${describe(state.iterations)}`);
    const names = this.slotNames();
    const used = new Set<string>();
    const restored = new Map<Tensor, Float32Array[]>();
    for (const [name, p] of named) {
      const { value } = unwrap(p, where);
      const found = names.map((slot) => state.slots.get(`${name}.${slot}`));
      if (found.every((f) => f === undefined)) continue;
      const arrays = found.map((f, i) => {
        const key = `${name}.${names[i]}`;
        if (!f) throw new Error(`${where}: ${source} has ${found.filter(Boolean).length} of the ${names.length} buffers of ${name} (${names.join(', ')}); "${key}" is missing`);
        if (f.shape.join() !== value.shape.join() || f.data.length !== value.size) {
          throw new RangeError(`${where}: ${source}: "${key}" has shape [${f.shape.join(', ')}] but the parameter has [${value.shape.join(', ')}]`);
        }
        used.add(key);
        return f.data;
      });
      restored.set(value, arrays);
    }
    for (const key of state.slots.keys()) {
      if (!used.has(key)) throw new Error(`${where}: ${source} has "${key}", which is no buffer of ${this.name} (${names.length ? names.join(', ') : 'none'}) of a parameter given`);
    }
    this.dispose();
    for (const [value, arrays] of restored) {
      this.slots(value, arrays.length).forEach((t, i) => t.storage.f32().set(arrays[i]!));
    }
    this.iterations = state.iterations;
  }

  /** The configuration as plain data (saved with a model). */
  abstract getConfig(): Record<string, unknown>;

  protected baseConfig(): Record<string, unknown> {
    const lr = typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.toJSON();
    return { learningRate: lr, weightDecay: this.weightDecay, ...(this.clipNorm !== undefined ? { clipNorm: this.clipNorm } : {}) };
  }

  /** Frees the optimizer's state (momentum and moment buffers). */
  dispose(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
    this.lastParams = [];
  }
}

export interface SgdOptions extends OptimizerBaseOptions {
  /** Default 0.01 (Keras; PyTorch has no default). */
  readonly learningRate?: number | LearningRateSchedule;
  /** Default 0. */
  readonly momentum?: number;
  /** Default false; needs momentum > 0. */
  readonly nesterov?: boolean;
}

/**
 * torch.optim.SGD: g ← grad + wd·p; v ← μ·v + g; p ← p − lr·(nesterov ? g + μ·v : v) (no dampening).
 * Keras' SGD writes the same update as v ← μ·v − lr·g, which differs only when the rate changes.
 */
export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SgdOptions = {}) {
    super('sgd', options, 0.01);
    this.momentum = checkRange('sgd', 'momentum', options.momentum ?? 0, 0, 1);
    if (options.nesterov !== undefined && typeof options.nesterov !== 'boolean') throw new TypeError(`sgd: nesterov must be a boolean, got ${describe(options.nesterov)}`);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && this.momentum === 0) throw new RangeError('sgd: nesterov needs momentum > 0 (got momentum 0)');
  }

  protected update(value: Tensor, grad: Tensor, lr: number, weightDecay: number): void {
    const v = this.momentum > 0 ? this.slots(value, 1)[0]!.storage : undefined;
    value.backend.sgdStep(value.storage, grad.storage, v, { lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay });
  }

  slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, ...this.baseConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdamOptions extends OptimizerBaseOptions {
  /** Default 0.001. */
  readonly learningRate?: number | LearningRateSchedule;
  readonly beta1?: number;
  readonly beta2?: number;
  /** Default 1e-8 (PyTorch; Keras uses 1e-7). */
  readonly epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2014, https://arxiv.org/abs/1412.6980) with bias correction:
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
 * weightDecay here is L2 added to the gradient, as torch.optim.Adam; use AdamW for decoupled decay.
 */
export class Adam extends Optimizer {
  readonly name: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly decoupled: boolean = false;

  constructor(options: AdamOptions = {}, name = 'adam') {
    super(name, options, 0.001);
    this.beta1 = checkRange(name, 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange(name, 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkRange(name, 'epsilon', options.epsilon ?? 1e-8, 0, Infinity);
    if (this.epsilon === 0) throw new RangeError(`${name}: epsilon must be > 0, got 0`);
  }

  protected update(value: Tensor, grad: Tensor, lr: number, weightDecay: number): void {
    const [m, v] = this.slots(value, 2);
    value.backend.adamStep(value.storage, grad.storage, m!.storage, v!.storage, {
      lr, beta1: this.beta1, beta2: this.beta2, eps: this.epsilon, weightDecay, decoupled: this.decoupled, step: this.iterations,
    });
  }

  /** The first and second moments. */
  slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * AdamW (Loshchilov & Hutter 2017, https://arxiv.org/abs/1711.05101): p ← p − lr·wd·p before the Adam
 * update, the decay kept out of the moments. Default weightDecay 0.01, as torch.optim.AdamW.
 */
export class AdamW extends Adam {
  override readonly name: string = 'adamw';
  protected override readonly decoupled: boolean = true;

  constructor(options: AdamOptions = {}) {
    super(options, 'adamw');
  }

  protected override defaultWeightDecay(): number {
    return 0.01;
  }
}

export const sgd = (options: SgdOptions = {}): SGD => new SGD(options);
export const adam = (options: AdamOptions = {}): Adam => new Adam(options);
export const adamw = (options: AdamOptions = {}): AdamW => new AdamW(options);

/** Rebuilds an optimizer from getConfig() (loading a saved training configuration). */
export function optimizerFromConfig(config: Record<string, unknown>): Optimizer {
  if (!config || typeof config !== 'object') throw new TypeError(`optimizerFromConfig: expected an object, got ${describe(config)}`);
  const { name, learningRate, ...rest } = config as { name: unknown; learningRate: unknown } & Record<string, unknown>;
  const lr = learningRate && typeof learningRate === 'object' ? scheduleFromJSON(learningRate as Record<string, unknown>) : learningRate;
  const options = { ...rest, learningRate: lr } as AdamOptions & SgdOptions;
  if (name === 'sgd') return new SGD(options);
  if (name === 'adam') return new Adam(options);
  if (name === 'adamw') return new AdamW(options);
  throw new Error(`optimizerFromConfig: unknown optimizer ${describe(name)}; expected "sgd", "adam" or "adamw"`);
}
