/**
 * Layers, channels-last (NHWC) as Keras and TensorFlow.js. A layer is built once for a per-sample input
 * shape (without the batch axis), which checks that shape and creates the weights; `forward` then runs
 * on batches. Every layer that takes an activation takes any id of the table (DESIGN.md, principle 8).
 */
import { Activation, toActivation } from '../ops/activation.js';
import type { ActivationLike } from '../activations/lookup.js';
import { Parameter } from '../autograd/parameter.js';
import { noGrad, record, willRecord } from '../autograd/tape.js';
import type { Padding } from '../backend/geometry.js';
import { conv2dGeometry, pool2dGeometry } from '../backend/geometry.js';
import * as ops from '../ops/index.js';
import { conv2d as convOp } from '../ops/conv.js';
import { avgPool2d as avgPoolOp, maxPool2d as maxPoolOp } from '../ops/pool.js';
import { Rng } from '../util/random.js';
import { empty, shapeSize } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import type { Shape } from '../tensor/tensor.js';
import { defaultInitializer, fillInitializer, raiInit, resolveInitializer } from './init.js';
import type { InitializerLike } from './init.js';

export interface ForwardContext {
  readonly training: boolean;
  /** Draws dropout masks and rrelu slopes in training. */
  readonly rng: Rng;
}

/** The JSON form of a layer: enough to rebuild it (`layerFromConfig`). */
export interface LayerConfig {
  readonly className: string;
  readonly config: Record<string, unknown>;
}

export abstract class Layer {
  abstract readonly className: string;
  name: string;
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  protected weightList: Parameter[] = [];

  constructor(name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw new TypeError(`layer name must be a non-empty string, got ${describe(name)}`);
    this.name = name ?? '';
  }

  /** The per-sample output shape for a per-sample input shape; throws naming the layer and both shapes. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /**
   * Creates the weights for `inputShape`. `next` is the activation of the layer that follows, used by the
   * default initializer when this layer is linear (dense → prelu initialises for prelu).
   */
  build(inputShape: Shape, rng: Rng, next: Activation | null = null): Shape {
    const out = this.computeOutputShape(inputShape);
    this.inputShape = [...inputShape];
    this.outputShape = [...out];
    this.createWeights(inputShape, rng, next);
    return out;
  }

  protected createWeights(_inputShape: Shape, _rng: Rng, _next: Activation | null): void {}

  /** Runs on a batch [batch, ...inputShape]. */
  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** Trainable parameters (what optimizers update). */
  parameters(): Parameter[] {
    return this.weightList.filter((p) => p.trainable);
  }

  /** All weights in saving order, trainable or not (batch-norm running statistics included). */
  weights(): Parameter[] {
    return [...this.weightList];
  }

  /** Copies of the weights as new tensors (the caller disposes them), in the order of `weights()`. */
  getWeights(): Tensor[] {
    return this.weightList.map((p) => {
      const t = empty(p.shape, 'float32', p.value.backend);
      p.value.backend.copyRange(p.value.storage, 0, t.storage, 0, p.size);
      return t;
    });
  }

  /** Overwrites the weights from Tensors or Float32Arrays, in the order of `weights()`, checking sizes. */
  setWeights(values: ReadonlyArray<Tensor | Float32Array>): void {
    if (!Array.isArray(values)) throw new TypeError(`${this.name}.setWeights: expected an array of ${this.weightList.length} Tensors or Float32Arrays, got ${describe(values)}`);
    if (values.length !== this.weightList.length) {
      throw new RangeError(`${this.name}.setWeights: expected ${this.weightList.length} arrays (${this.weightList.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ') || 'this layer has no weights'}), got ${values.length}`);
    }
    values.forEach((v, i) => {
      const p = this.weightList[i]!;
      if (v instanceof Tensor && v.shape.join() !== p.shape.join()) {
        throw new RangeError(`${this.name}.setWeights: ${p.name} must have shape [${p.shape.join(', ')}], got [${v.shape.join(', ')}]`);
      }
      p.assign(v);
    });
  }

  countParams(): number {
    return this.weightList.reduce((s, p) => s + p.size, 0);
  }

  /** The activation for summaries ('' when the layer has none). */
  activationName(): string {
    return '';
  }

  abstract getConfig(): Record<string, unknown>;

  toJSON(): LayerConfig {
    return { className: this.className, config: { ...this.getConfig(), name: this.name } };
  }

  dispose(): void {
    for (const p of this.weightList) p.dispose();
    this.weightList = [];
  }

  /** Creates a weight owned by this layer (used while building). */
  addWeight(name: string, shape: Shape, values: Float32Array, options: { trainable?: boolean; noDecay?: boolean } = {}): Parameter {
    const t = empty(shape, 'float32');
    t.storage.f32().set(values);
    const p = new Parameter(name, t, options);
    this.weightList.push(p);
    return p;
  }

  protected shapeError(expected: string, got: Shape): never {
    throw new RangeError(`${this.className} expects input of shape ${expected} per sample, got [${got.join(', ')}]`);
  }
}

function activationConfig(a: Activation): ActivationLike {
  const defaults = a.spec.params.every((p) => a.params[p.name] === p.default);
  return defaults ? a.id : { id: a.id, params: { ...a.params } };
}

function positiveInt(layer: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

function pairOf(layer: string, name: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [positiveInt(layer, name, v), v];
  if (Array.isArray(v) && v.length === 2) return [positiveInt(layer, name, v[0]), positiveInt(layer, name, v[1])];
  throw new TypeError(`${layer}: ${name} must be a positive integer or [height, width], got ${describe(v)}`);
}

function paddingOf(layer: string, v: unknown): Padding {
  if (v === undefined) return 'valid';
  if (v !== 'valid' && v !== 'same') throw new Error(`${layer}: padding must be "valid" or "same", got ${describe(v)}`);
  return v;
}

function optionsObject(layer: string, options: unknown, form: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${layer}: options must be an object ${form}, got ${describe(options)}`);
  return options as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------

export interface DenseOptions {
  readonly units: number;
  /** Any id of the activation table, { id, params } or a spec (default 'linear'). */
  readonly activation?: ActivationLike;
  readonly useBias?: boolean;
  /** Default 'auto': follows the activation (see init.ts). 'rai' initialises the bias too. */
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  readonly name?: string;
}

/** y = act(x·W + b), bias and activation fused into the matmul kernel's epilogue. */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  kernel!: Parameter;
  bias: Parameter | null = null;

  constructor(options: DenseOptions) {
    const o = optionsObject('dense', options, '{ units, activation?, useBias?, kernelInitializer? }');
    super(o.name as string | undefined);
    this.units = positiveInt('dense', 'units', o.units);
    this.activation = toActivation((o.activation as ActivationLike | undefined) ?? 'linear');
    if (o.useBias !== undefined && typeof o.useBias !== 'boolean') throw new TypeError(`dense: useBias must be a boolean, got ${describe(o.useBias)}`);
    this.useBias = (o.useBias as boolean | undefined) ?? true;
    this.kernelInitializer = (o.kernelInitializer as InitializerLike | undefined) ?? 'auto';
    this.biasInitializer = (o.biasInitializer as InitializerLike | undefined) ?? 'zeros';
    resolveInitializer(this.kernelInitializer, 'dense: kernelInitializer');
    resolveInitializer(this.biasInitializer, 'dense: biasInitializer');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      this.shapeError('[features] (add a flatten layer before dense for images)', inputShape);
    }
    return [this.units];
  }

  protected override createWeights(inputShape: Shape, rng: Rng, next: Activation | null): void {
    const fanIn = inputShape[0]!;
    const act = this.activation.id === 'linear' && next ? next : this.activation;
    createKernelAndBias(this, [fanIn, this.units], fanIn, this.units, act, rng);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ops.linear(x, this.kernel.value, this.bias?.value ?? null, this.activation, ctx);
  }

  override activationName(): string {
    return this.activation.id;
  }

  getConfig(): Record<string, unknown> {
    return { units: this.units, activation: activationConfig(this.activation), useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer };
  }
}

function createKernelAndBias(
  layer: Dense | Conv2D,
  shape: Shape,
  fanIn: number,
  units: number,
  act: Activation,
  rng: Rng,
): void {
  const kernel = new Float32Array(shapeSize(shape));
  const bias = layer.useBias ? new Float32Array(units) : null;
  const resolved = resolveInitializer(layer.kernelInitializer);
  const init = resolved === 'auto' ? defaultInitializer(act) : resolved;
  if (init.id === 'rai') {
    raiInit(kernel, bias, fanIn, units, rng);
  } else {
    fillInitializer(kernel, shape, init, act, rng);
    if (bias) {
      const b = resolveInitializer(layer.biasInitializer);
      fillInitializer(bias, [units], b === 'auto' ? { id: 'zeros', mode: 'fan_in', gain: null, value: 0 } : b, act, rng);
    }
  }
  layer.kernel = layer.addWeight('kernel', shape, kernel);
  // Biases are exempt from weight decay, as is common practice (and Keras' default of no bias regularizer).
  if (bias) layer.bias = layer.addWeight('bias', [units], bias, { noDecay: true });
}

// ---------------------------------------------------------------------------------------------------

export interface Conv2dLayerOptions {
  readonly filters: number;
  readonly kernelSize: number | readonly [number, number];
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
  readonly activation?: ActivationLike;
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  readonly name?: string;
}

/** 2-D convolution over NHWC input with an HWIO filter [kh, kw, inChannels, filters], then the activation. */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  kernel!: Parameter;
  bias: Parameter | null = null;

  constructor(options: Conv2dLayerOptions) {
    const o = optionsObject('conv2d', options, '{ filters, kernelSize, strides?, padding?, activation? }');
    super(o.name as string | undefined);
    this.filters = positiveInt('conv2d', 'filters', o.filters);
    this.kernelSize = pairOf('conv2d', 'kernelSize', o.kernelSize);
    this.strides = pairOf('conv2d', 'strides', o.strides ?? 1);
    this.padding = paddingOf('conv2d', o.padding);
    this.activation = toActivation((o.activation as ActivationLike | undefined) ?? 'linear');
    if (o.useBias !== undefined && typeof o.useBias !== 'boolean') throw new TypeError(`conv2d: useBias must be a boolean, got ${describe(o.useBias)}`);
    this.useBias = (o.useBias as boolean | undefined) ?? true;
    this.kernelInitializer = (o.kernelInitializer as InitializerLike | undefined) ?? 'auto';
    this.biasInitializer = (o.biasInitializer as InitializerLike | undefined) ?? 'zeros';
    resolveInitializer(this.kernelInitializer, 'conv2d: kernelInitializer');
    resolveInitializer(this.biasInitializer, 'conv2d: biasInitializer');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) this.shapeError('[height, width, channels]', inputShape);
    let g;
    try {
      g = conv2dGeometry([1, ...inputShape], [...this.kernelSize, inputShape[2]!, this.filters], this.strides, this.padding);
    } catch (e) {
      throw new RangeError(`Conv2D: ${(e as Error).message}`);
    }
    return [g.outH, g.outW, this.filters];
  }

  protected override createWeights(inputShape: Shape, rng: Rng, next: Activation | null): void {
    const shape = [this.kernelSize[0], this.kernelSize[1], inputShape[2]!, this.filters];
    const act = this.activation.id === 'linear' && next ? next : this.activation;
    createKernelAndBias(this, shape, this.kernelSize[0] * this.kernelSize[1] * inputShape[2]!, this.filters, act, rng);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return convOp(x, this.kernel.value, this.bias?.value ?? null, {
      strides: this.strides, padding: this.padding, activation: this.activation, training: ctx.training, rng: ctx.rng,
    });
  }

  override activationName(): string {
    return this.activation.id;
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      activation: activationConfig(this.activation), useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
    };
  }
}

// ---------------------------------------------------------------------------------------------------

export interface Pool2dLayerOptions {
  readonly poolSize?: number | readonly [number, number];
  /** Default: poolSize (Keras). */
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
  readonly name?: string;
}

abstract class Pool2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(kind: string, options: Pool2dLayerOptions | undefined) {
    const o = optionsObject(kind, options, '{ poolSize?, strides?, padding? }');
    super(o.name as string | undefined);
    this.poolSize = pairOf(kind, 'poolSize', o.poolSize ?? 2);
    this.strides = o.strides === undefined ? [...this.poolSize] : pairOf(kind, 'strides', o.strides);
    this.padding = paddingOf(kind, o.padding);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) this.shapeError('[height, width, channels]', inputShape);
    let g;
    try {
      g = pool2dGeometry([1, ...inputShape], this.poolSize, this.strides, this.padding);
    } catch (e) {
      throw new RangeError(`${this.className}: ${(e as Error).message}`);
    }
    return [g.outH, g.outW, inputShape[2]!];
  }

  getConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPool2D extends Pool2D {
  readonly className = 'MaxPool2D';
  constructor(options?: Pool2dLayerOptions) {
    super('maxPool2d', options);
  }
  forward(x: Tensor): Tensor {
    return maxPoolOp(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
}

export class AvgPool2D extends Pool2D {
  readonly className = 'AvgPool2D';
  constructor(options?: Pool2dLayerOptions) {
    super('avgPool2d', options);
  }
  forward(x: Tensor): Tensor {
    return avgPoolOp(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
}

// ---------------------------------------------------------------------------------------------------

export interface ZeroPadding2dOptions {
  /**
   * Zero rows and columns to add: one number for all four sides, [rows, columns] for both sides of each
   * axis, or [[top, bottom], [left, right]] (Keras' ZeroPadding2D forms).
   */
  readonly padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  readonly name?: string;
}

function padAmount(v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`zeroPadding2d: padding amounts must be integers >= 0, got ${describe(v)}`);
  return v as number;
}

/**
 * Adds zero rows above and below and zero columns left and right of each NHWC image. A convolution or
 * an average pool over padding that is not TensorFlow's 'same' (PyTorch's explicit padding) is this
 * layer followed by the 'valid' layer, which is how the ONNX importer builds it.
 */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(options: ZeroPadding2dOptions = {}) {
    const o = optionsObject('zeroPadding2d', options, '{ padding? }');
    super(o.name as string | undefined);
    const p = o.padding ?? 1;
    if (typeof p === 'number') {
      const n = padAmount(p);
      this.padding = [[n, n], [n, n]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((a) => typeof a === 'number')) {
      const [r, c] = [padAmount(p[0]), padAmount(p[1])];
      this.padding = [[r, r], [c, c]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((a) => Array.isArray(a) && a.length === 2)) {
      this.padding = [[padAmount(p[0][0]), padAmount(p[0][1])], [padAmount(p[1][0]), padAmount(p[1][1])]];
    } else {
      throw new TypeError(`zeroPadding2d: padding must be a number, [rows, columns] or [[top, bottom], [left, right]], got ${describe(p)}`);
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) this.shapeError('[height, width, channels]', inputShape);
    const [[t, b], [l, r]] = this.padding;
    return [inputShape[0]! + t + b, inputShape[1]! + l + r, inputShape[2]!];
  }

  forward(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [[t, b], [l, r]] = this.padding;
    const outShape = [n, h + t + b, w + l + r, c];
    const out = empty(outShape, 'float32', x.backend);
    copyWindow(x, out, t, l, 'pad');
    if (!willRecord([x])) return out;
    // The adjoint of padding is cropping the same window out of the gradient.
    return record('zeroPadding2d', out, [x], (dy) => {
      const dx = empty(x.shape, 'float32', x.backend);
      copyWindow(dx, dy, t, l, 'crop');
      return [dx];
    });
  }

  getConfig(): Record<string, unknown> {
    return { padding: this.padding.map((a) => [...a]) };
  }
}

/**
 * Copies between an image batch and the window of a larger batch that starts at (top, left): 'pad'
 * writes `small` into `large` (zeros around it), 'crop' reads the window of `large` into `small`.
 */
function copyWindow(small: Tensor, large: Tensor, top: number, left: number, direction: 'pad' | 'crop'): void {
  const [n, h, w, c] = small.shape as [number, number, number, number];
  const [, bigH, bigW] = large.shape as [number, number, number, number];
  const s = small.storage.f32();
  const g = large.storage.f32();
  if (direction === 'pad') g.fill(0);
  const row = w * c;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const from = (i * h + y) * row;
      const to = ((i * bigH + y + top) * bigW + left) * c;
      if (direction === 'pad') g.set(s.subarray(from, from + row), to);
      else s.set(g.subarray(to, to + row), from);
    }
  }
}

// ---------------------------------------------------------------------------------------------------

/** [batch, ...] → [batch, product of the rest]. */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(options?: { readonly name?: string }) {
    super(optionsObject('flatten', options, '{ name? }').name as string | undefined);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return [shapeSize(inputShape)];
  }
  forward(x: Tensor): Tensor {
    return ops.reshape(x, [x.shape[0]!, -1]);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface DropoutOptions {
  readonly rate: number;
  readonly name?: string;
}

/** Inverted dropout in training (masks from the model's seeded Rng); the identity in inference. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(options: DropoutOptions) {
    const o = optionsObject('dropout', options, '{ rate }');
    super(o.name as string | undefined);
    if (typeof o.rate !== 'number' || !(o.rate >= 0 && o.rate < 1)) throw new RangeError(`dropout: rate must be a number in [0, 1), got ${describe(o.rate)}`);
    this.rate = o.rate;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ctx.training && this.rate > 0 ? ops.dropout(x, this.rate, ctx.rng) : x;
  }
  getConfig(): Record<string, unknown> {
    return { rate: this.rate };
  }
}

export interface ActivationLayerOptions {
  readonly activation: ActivationLike;
  readonly name?: string;
}

/** Any activation of the table, with its parameters; rrelu is random in training. */
export class ActivationLayer extends Layer {
  readonly className = 'Activation';
  readonly activation: Activation;
  constructor(options: ActivationLayerOptions) {
    const o = optionsObject('activation', options, '{ activation }');
    super(o.name as string | undefined);
    if (o.activation === undefined) throw new TypeError('activation: options.activation is required (an id such as "relu", { id, params } or a spec)');
    this.activation = toActivation(o.activation as ActivationLike);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ops.activate(x, this.activation, ctx);
  }
  override activationName(): string {
    return this.activation.id;
  }
  getConfig(): Record<string, unknown> {
    return { activation: activationConfig(this.activation) };
  }
}

export interface PReLUOptions {
  /** One slope for all channels (true) or one per channel, the last axis (false, the default). */
  readonly shared?: boolean;
  /** Initial slope (default 0.25, He et al. 2015 and PyTorch). */
  readonly alphaInitializer?: number;
  readonly name?: string;
}

/**
 * PReLU (He et al. 2015, https://arxiv.org/abs/1502.01852): leaky ReLU whose slopes are learned. The
 * slopes are flagged noDecay: weight decay would pull them to 0, back to ReLU (the paper trains them
 * without decay).
 */
export class PReLU extends Layer {
  readonly className = 'PReLU';
  readonly shared: boolean;
  readonly alphaInitializer: number;
  alpha!: Parameter;
  constructor(options: PReLUOptions = {}) {
    const o = optionsObject('prelu', options, '{ shared?, alphaInitializer? }');
    super(o.name as string | undefined);
    if (o.shared !== undefined && typeof o.shared !== 'boolean') throw new TypeError(`prelu: shared must be a boolean, got ${describe(o.shared)}`);
    this.shared = (o.shared as boolean | undefined) ?? false;
    const a = o.alphaInitializer ?? 0.25;
    if (typeof a !== 'number' || !Number.isFinite(a)) throw new RangeError(`prelu: alphaInitializer must be a finite number, got ${describe(a)}`);
    this.alphaInitializer = a;
  }
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length === 0) this.shapeError('[..., channels]', inputShape);
    return inputShape;
  }
  protected override createWeights(inputShape: Shape): void {
    const c = this.shared ? 1 : inputShape[inputShape.length - 1]!;
    this.alpha = this.addWeight('alpha', [c], new Float32Array(c).fill(this.alphaInitializer), { noDecay: true });
  }
  forward(x: Tensor): Tensor {
    return ops.prelu(x, this.alpha.value);
  }
  override activationName(): string {
    return 'prelu';
  }
  getConfig(): Record<string, unknown> {
    return { shared: this.shared, alphaInitializer: this.alphaInitializer };
  }
}

export interface RReLUOptions {
  readonly lower?: number;
  readonly upper?: number;
  readonly name?: string;
}

/**
 * RReLU (Xu et al. 2015, https://arxiv.org/abs/1505.00853): a random slope U(lower, upper) per element in
 * training, drawn from the model's seeded Rng; the mean slope (lower + upper)/2 in inference.
 */
export class RReLU extends Layer {
  readonly className = 'RReLU';
  readonly activation: Activation;
  constructor(options: RReLUOptions = {}) {
    const o = optionsObject('rrelu', options, '{ lower?, upper? }');
    super(o.name as string | undefined);
    const params: Record<string, number> = {};
    if (o.lower !== undefined) params.lower = o.lower as number;
    if (o.upper !== undefined) params.upper = o.upper as number;
    this.activation = toActivation({ id: 'rrelu', params });
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ops.activate(x, this.activation, ctx);
  }
  override activationName(): string {
    return 'rrelu';
  }
  getConfig(): Record<string, unknown> {
    return { lower: this.activation.params.lower, upper: this.activation.params.upper };
  }
}

export interface BatchNormOptions {
  /** Weight of the new batch in the running statistics (default 0.1, PyTorch; Keras' momentum 0.99 is 0.01 here). */
  readonly momentum?: number;
  /** Default 1e-5 (PyTorch; Keras uses 1e-3). */
  readonly epsilon?: number;
  readonly name?: string;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167) over the last axis: the
 * features of a dense output, the channels of NHWC images. PyTorch's conventions: running ← (1 − m)·running
 * + m·batch with m = 0.1, the running variance from the unbiased batch variance, normalisation with the
 * biased one. gamma and beta are noDecay. Training composes tape ops, so its gradient is the exact one.
 */
export class BatchNorm extends Layer {
  readonly className = 'BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  gamma!: Parameter;
  beta!: Parameter;
  runningMean!: Parameter;
  runningVar!: Parameter;
  constructor(options: BatchNormOptions = {}) {
    const o = optionsObject('batchNorm', options, '{ momentum?, epsilon? }');
    super(o.name as string | undefined);
    const m = o.momentum ?? 0.1;
    if (typeof m !== 'number' || !(m > 0 && m <= 1)) throw new RangeError(`batchNorm: momentum must be a number in (0, 1] (PyTorch's convention: the weight of the new batch), got ${describe(m)}`);
    const e = o.epsilon ?? 1e-5;
    if (typeof e !== 'number' || !(e > 0)) throw new RangeError(`batchNorm: epsilon must be a number > 0, got ${describe(e)}`);
    this.momentum = m;
    this.epsilon = e;
  }
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length === 0) this.shapeError('[..., features]', inputShape);
    return inputShape;
  }
  protected override createWeights(inputShape: Shape): void {
    const c = inputShape[inputShape.length - 1]!;
    this.gamma = this.addWeight('gamma', [c], new Float32Array(c).fill(1), { noDecay: true });
    this.beta = this.addWeight('beta', [c], new Float32Array(c), { noDecay: true });
    this.runningMean = this.addWeight('running_mean', [c], new Float32Array(c), { trainable: false });
    this.runningVar = this.addWeight('running_var', [c], new Float32Array(c).fill(1), { trainable: false });
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const c = this.gamma.size;
    const rows = x.size / c;
    const flat = ops.reshape(x, [rows, c]);
    let y: Tensor;
    if (ctx.training) {
      const mu = ops.mean(flat, 0);
      const centered = ops.sub(flat, mu);
      const variance = ops.mean(ops.square(centered), 0);
      const inv = ops.rsqrt(ops.addScalar(variance, this.epsilon));
      y = ops.add(ops.mul(ops.mul(centered, inv), this.gamma.value), this.beta.value);
      noGrad(() => {
        const be = x.backend;
        const m = this.momentum;
        be.affine(this.runningMean.value.storage, 1 - m, 0, this.runningMean.value.storage);
        be.affine(mu.storage, m, 0, this.runningMean.value.storage, true);
        be.affine(this.runningVar.value.storage, 1 - m, 0, this.runningVar.value.storage);
        // Unbiased (n/(n−1)) for the running estimate, as PyTorch; a single value has no spread to correct.
        be.affine(variance.storage, rows > 1 ? (m * rows) / (rows - 1) : m, 0, this.runningVar.value.storage, true);
      });
    } else {
      const scale = ops.mul(this.gamma.value, ops.rsqrt(ops.addScalar(this.runningVar.value, this.epsilon)));
      const shift = ops.sub(this.beta.value, ops.mul(this.runningMean.value, scale));
      y = ops.add(ops.mul(flat, scale), shift);
    }
    return ops.reshape(y, x.shape as number[]);
  }
  getConfig(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon };
  }
}

// ---------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------
// Augmentation: random transformations of the input in training, the identity in inference (Keras'
// preprocessing layers), drawn from the model's seeded RNG.

export interface RandomTranslationOptions {
  /** Largest vertical shift as a fraction of the height (Keras' height_factor), in [0, 1). */
  readonly height: number;
  /** Largest horizontal shift as a fraction of the width (default: the same as height). */
  readonly width?: number;
  readonly name?: string;
}

/**
 * Shifts each NHWC image by a whole number of pixels drawn uniformly from [−max, max] on each axis,
 * filling with zeros (Keras' RandomTranslation with fill_mode='constant'). Small shifts are the classic
 * way to make an MLP on MNIST generalise from few samples (Simard et al. 2003,
 * https://doi.org/10.1109/ICDAR.2003.1227801).
 */
export class RandomTranslation extends Layer {
  readonly className = 'RandomTranslation';
  readonly height: number;
  readonly width: number;

  constructor(options: RandomTranslationOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`randomTranslation: expected { height, width? }, got ${describe(options)}`);
    super(options.name);
    const fraction = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new RangeError(`randomTranslation: ${name} must be a fraction in [0, 1), got ${describe(v)}`);
      return v;
    };
    this.height = fraction('height', options.height);
    this.width = fraction('width', options.width ?? options.height);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) throw new RangeError(`randomTranslation needs images [height, width, channels], got [${inputShape.join(', ')}]`);
    return inputShape;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    if (!ctx.training || (this.height === 0 && this.width === 0)) return x;
    const [n, h, w] = x.shape as [number, number, number, number];
    const maxY = Math.round(this.height * h);
    const maxX = Math.round(this.width * w);
    const shifts = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      shifts[2 * i] = drawShift(ctx.rng, maxY);
      shifts[2 * i + 1] = drawShift(ctx.rng, maxX);
    }
    const out = empty(x.shape, 'float32', x.backend);
    translate(x, out, shifts, 1);
    if (!willRecord([x])) return out;
    // The adjoint of a zero-filled shift is the opposite shift, zero-filled.
    return record('randomTranslation', out, [x], (dy) => {
      const dx = empty(x.shape, 'float32', x.backend);
      translate(dy, dx, shifts, -1);
      return [dx];
    });
  }

  getConfig(): Record<string, unknown> {
    return { height: this.height, width: this.width };
  }
}

function drawShift(rng: Rng, max: number): number {
  return max === 0 ? 0 : rng.int(2 * max + 1) - max;
}

/** out[b, y, x, c] = src[b, y − sign·sy, x − sign·sx, c], zero outside the image. */
function translate(src: Tensor, out: Tensor, shifts: Int32Array, sign: 1 | -1): void {
  const [n, h, w, c] = src.shape as [number, number, number, number];
  const s = src.storage.f32();
  const o = out.storage.f32();
  const row = w * c;
  o.fill(0);
  for (let b = 0; b < n; b++) {
    const sy = sign * shifts[2 * b]!;
    const sx = sign * shifts[2 * b + 1]!;
    const base = b * h * row;
    const x0 = Math.max(0, sx);
    const x1 = Math.min(w, w + sx);
    if (x1 <= x0) continue;
    for (let y = Math.max(0, sy); y < Math.min(h, h + sy); y++) {
      const from = base + (y - sy) * row + (x0 - sx) * c;
      o.set(s.subarray(from, from + (x1 - x0) * c), base + y * row + x0 * c);
    }
  }
}

const LAYER_CLASSES: Record<string, (config: Record<string, unknown>) => Layer> = {
  Dense: (c) => new Dense(c as unknown as DenseOptions),
  Conv2D: (c) => new Conv2D(c as unknown as Conv2dLayerOptions),
  MaxPool2D: (c) => new MaxPool2D(c as Pool2dLayerOptions),
  AvgPool2D: (c) => new AvgPool2D(c as Pool2dLayerOptions),
  ZeroPadding2D: (c) => new ZeroPadding2D(c as ZeroPadding2dOptions),
  Flatten: (c) => new Flatten(c),
  Dropout: (c) => new Dropout(c as unknown as DropoutOptions),
  Activation: (c) => new ActivationLayer(c as unknown as ActivationLayerOptions),
  PReLU: (c) => new PReLU(c),
  RReLU: (c) => new RReLU(c),
  BatchNorm: (c) => new BatchNorm(c),
  RandomTranslation: (c) => new RandomTranslation(c as unknown as RandomTranslationOptions),
};

/** Rebuilds a layer from its toJSON() form. */
export function layerFromConfig(json: LayerConfig): Layer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string') throw new TypeError(`layerFromConfig: expected { className, config }, got ${describe(json)}`);
  const make = LAYER_CLASSES[json.className];
  if (!make) throw new Error(`layerFromConfig: unknown layer class "${json.className}"; known: ${Object.keys(LAYER_CLASSES).join(', ')}`);
  return make(json.config ?? {});
}

/** Keras-style factories: `layers.dense({ units: 64, activation: 'relu' })`. */
export const layers = {
  dense: (options: DenseOptions) => new Dense(options),
  conv2d: (options: Conv2dLayerOptions) => new Conv2D(options),
  maxPool2d: (options?: Pool2dLayerOptions) => new MaxPool2D(options),
  avgPool2d: (options?: Pool2dLayerOptions) => new AvgPool2D(options),
  zeroPadding2d: (options?: ZeroPadding2dOptions) => new ZeroPadding2D(options),
  flatten: (options?: { readonly name?: string }) => new Flatten(options),
  dropout: (options: DropoutOptions) => new Dropout(options),
  batchNorm: (options?: BatchNormOptions) => new BatchNorm(options),
  activation: (options: ActivationLayerOptions) => new ActivationLayer(options),
  prelu: (options?: PReLUOptions) => new PReLU(options),
  rrelu: (options?: RReLUOptions) => new RReLU(options),
  randomTranslation: (options: RandomTranslationOptions) => new RandomTranslation(options),
} as const;
