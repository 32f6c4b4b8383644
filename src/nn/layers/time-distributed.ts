/**
 * TimeDistributed: one layer applied to every time step of a sequence, [time, ...] → [time, ...out]
 * (Keras' TimeDistributed): the steps are folded into the batch, the layer runs once, and they are
 * unfolded again. `layers.timeDistributed({ layer: layers.dense({ units: 10 }) })` after a recurrent
 * layer with `returnSequences: true` gives an output per step.
 */
import { reshape } from '../../ops/shape.js';
import type { Activation } from '../../ops/activation.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Rng } from '../../util/random.js';
import { Layer, type ForwardContext, type LayerConfig, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject } from './options.js';
import { layerFromConfig, registerLayer } from './registry.js';

export interface TimeDistributedOptions {
  /** The layer applied at each step (a new layer, not yet in a model). */
  readonly layer: Layer;
  readonly name?: string;
}

export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  readonly baseName = 'time_distributed';
  readonly layer: Layer;

  constructor(options: TimeDistributedOptions) {
    const o = optionsObject('timeDistributed', options, '{ layer }');
    super(o.name as string | undefined);
    if (!(o.layer instanceof Layer)) throw new TypeError(`timeDistributed: layer must be a layer (layers.dense({...}) …), got ${describe(o.layer)}`);
    if (o.layer.inputShape !== null) throw new Error(`timeDistributed: the layer ${o.layer.name || o.layer.className} already belongs to a model; create a new layer`);
    this.layer = o.layer;
  }

  get role(): LayerRole {
    return this.layer.role;
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2) this.shapeError('[time, ...] (a sequence)', inputShape);
    return [inputShape[0]!, ...this.layer.computeOutputShape(inputShape.slice(1))];
  }

  protected override createWeights(inputShape: Shape, rng: Rng, next: Activation | null): void {
    if (!this.layer.name) this.layer.name = `${this.name}_inner`;
    this.layer.build(inputShape.slice(1), rng, next, this.storedFor(''));
    // The inner layer's weights are this layer's: saved, loaded and trained under its name.
    this.weightList.push(...this.layer.weights());
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [batch, steps] = x.shape as [number, number];
    const folded = reshape(x, [batch * steps, ...x.shape.slice(2)]);
    const y = this.layer.forward(folded, ctx);
    return reshape(y, [batch, steps, ...y.shape.slice(1)]);
  }

  override outputActivation(): Activation | null {
    return this.layer.outputActivation();
  }

  override activationName(): string {
    return this.layer.activationName();
  }

  /** Reshape to [batch·time, ...], the layer's own form, and back. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const steps = this.inputShape![0]!;
    const folded = graph.node('Reshape', [input, graph.int64s(`${this.name}.fold`, [-1, ...this.inputShape!.slice(1)])]);
    const y = this.layer.toOnnx(graph, folded);
    return graph.node('Reshape', [y, graph.int64s(`${this.name}.unfold`, [-1, steps, ...this.outputShape!.slice(1)])]);
  }

  getConfig(): Record<string, unknown> {
    return { layer: this.layer.toJSON() };
  }
}

registerLayer('TimeDistributed', (c) => new TimeDistributed({ ...(c as object), layer: layerFromConfig(c.layer as LayerConfig) } as TimeDistributedOptions));

export const timeDistributedFactories = {
  /** `layers.timeDistributed({ layer: layers.dense({ units: 10 }) })`: a layer at every time step. */
  timeDistributed: (options: TimeDistributedOptions) => new TimeDistributed(options),
};
