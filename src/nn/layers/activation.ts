/**
 * Layers that are only an activation of their input: any row of the table (`activation`), PReLU with
 * learned slopes, and RReLU with random slopes in training.
 */
import { getSpec, resolveParams, type ActivationLike } from '../../activations/lookup.js';
import type { Parameter } from '../../autograd/parameter.js';
import { activate, prelu } from '../../ops/activate.js';
import { Activation, toActivation } from '../../ops/activation.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Layer, type ForwardContext, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { booleanOption, optionsObject } from './options.js';
import { registerLayer } from './registry.js';

export interface ActivationLayerOptions {
  readonly activation: ActivationLike;
  readonly name?: string;
}

/** A layer that applies one activation of the table to its input, as it is (any shape). */
abstract class ActivationFunctionLayer extends Layer {
  readonly role: LayerRole = 'activation';
  readonly activation: Activation;
  constructor(name: string | undefined, activation: Activation) {
    super(name);
    this.activation = activation;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return activate(x, this.activation, ctx);
  }
  override outputActivation(): Activation {
    return this.activation;
  }
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return graph.activation(this.activation, input);
  }
}

/** Any activation of the table, with its parameters; rrelu is random in training. */
export class ActivationLayer extends ActivationFunctionLayer {
  readonly className = 'Activation';
  readonly baseName = 'activation';
  constructor(options: ActivationLayerOptions) {
    const o = optionsObject('activation', options, '{ activation }');
    if (o.activation === undefined) throw new TypeError('activation: options.activation is required (an id such as "relu", { id, params } or a spec)');
    super(o.name as string | undefined, toActivation(o.activation as ActivationLike));
  }
  getConfig(): Record<string, unknown> {
    return { activation: this.activation.toConfig() };
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
  readonly baseName = 'prelu';
  readonly role: LayerRole = 'activation';
  readonly shared: boolean;
  readonly alphaInitializer: number;
  alpha!: Parameter;
  /** The table's prelu row at the initial slope: what initialisers and diagnostics read (it has no flat region). */
  private readonly row: Activation;
  constructor(options: PReLUOptions = {}) {
    const o = optionsObject('prelu', options, '{ shared?, alphaInitializer? }');
    super(o.name as string | undefined);
    this.shared = booleanOption('prelu', 'shared', o.shared, false);
    const a = o.alphaInitializer ?? 0.25;
    if (typeof a !== 'number' || !Number.isFinite(a)) throw new RangeError(`prelu: alphaInitializer must be a finite number, got ${describe(a)}`);
    this.alphaInitializer = a;
    const spec = getSpec('prelu');
    this.row = new Activation(spec, resolveParams(spec, { alpha: a }));
  }
  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length === 0) this.shapeError('[..., channels]', inputShape);
    return inputShape;
  }
  protected override createWeights(inputShape: Shape): void {
    const c = this.shared ? 1 : inputShape[inputShape.length - 1]!;
    this.alpha = this.addWeight('alpha', [c], () => new Float32Array(c).fill(this.alphaInitializer), { noDecay: true });
  }
  forward(x: Tensor): Tensor {
    return prelu(x, this.alpha.value);
  }
  /** PRelu with the learned slopes, broadcast over the channel axis of the graph's layout. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const c = this.alpha.size;
    const image = this.inputShape!.length === 3;
    const dims = c > 1 && image && graph.layout === 'nchw' ? [c, 1, 1] : [c];
    return graph.node('PRelu', [input, graph.initializer(`${this.name}.alpha`, dims, this.alpha.value.data as Float32Array)]);
  }
  override outputActivation(): Activation {
    return this.row;
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
export class RReLU extends ActivationFunctionLayer {
  readonly className = 'RReLU';
  readonly baseName = 'rrelu';
  constructor(options: RReLUOptions = {}) {
    const o = optionsObject('rrelu', options, '{ lower?, upper? }');
    const params: Record<string, number> = {};
    if (o.lower !== undefined) params.lower = o.lower as number;
    if (o.upper !== undefined) params.upper = o.upper as number;
    super(o.name as string | undefined, toActivation({ id: 'rrelu', params }));
  }
  getConfig(): Record<string, unknown> {
    return { lower: this.activation.params.lower, upper: this.activation.params.upper };
  }
}

registerLayer('Activation', (c) => new ActivationLayer(c as unknown as ActivationLayerOptions));
registerLayer('PReLU', (c) => new PReLU(c));
registerLayer('RReLU', (c) => new RReLU(c));

export const activationFactories = {
  activation: (options: ActivationLayerOptions) => new ActivationLayer(options),
  prelu: (options?: PReLUOptions) => new PReLU(options),
  rrelu: (options?: RReLUOptions) => new RReLU(options),
};
