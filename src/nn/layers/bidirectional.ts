/**
 * Bidirectional: a recurrent layer run over the sequence forwards and a copy of it run backwards, their
 * outputs joined along the features (Keras' Bidirectional with merge_mode 'concat'; Schuster & Paliwal
 * 1997, https://doi.org/10.1109/78.650093). With returnSequences the backward run's outputs are put back in
 * time order before joining, so step t sees the whole sequence. Its weights are saved as forward_* and
 * backward_* (forward_kernel, backward_recurrent_kernel …).
 */
import { Parameter } from '../../autograd/parameter.js';
import type { Activation } from '../../ops/activation.js';
import type { SequenceProbe } from '../../ops/recurrent.js';
import { concatLast, reverseTime } from '../../ops/sequence.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Rng } from '../../util/random.js';
import { Layer, type ForwardContext, type LayerConfig, type LayerRole } from '../layer.js';
import { optionsObject } from './options.js';
import { layerFromConfig, registerLayer } from './registry.js';

export interface BidirectionalOptions {
  /** The recurrent layer (simpleRnn, lstm, gru), new; its copy runs backwards in time. */
  readonly layer: Layer;
  readonly name?: string;
}

export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly baseName = 'bidirectional';
  readonly role: LayerRole = 'transform';
  readonly forwardLayer: Layer;
  readonly backwardLayer: Layer;

  constructor(options: BidirectionalOptions) {
    const o = optionsObject('bidirectional', options, '{ layer }');
    super(o.name as string | undefined);
    const layer = o.layer;
    if (!(layer instanceof Layer) || !layer.probeTime(null)) {
      throw new TypeError(`bidirectional: layer must be a recurrent layer (layers.simpleRnn, lstm or gru), got ${layer instanceof Layer ? `a ${layer.className} layer` : describe(layer)}`);
    }
    if (layer.inputShape !== null) throw new Error(`bidirectional: the layer ${layer.name || layer.className} already belongs to a model; create a new layer`);
    this.forwardLayer = layer;
    this.backwardLayer = layerFromConfig(unnamed(layer));
  }

  computeOutputShape(inputShape: Shape): Shape {
    const out = this.forwardLayer.computeOutputShape(inputShape);
    return [...out.slice(0, -1), 2 * out[out.length - 1]!];
  }

  protected override createWeights(inputShape: Shape, rng: Rng, next: Activation | null): void {
    this.forwardLayer.name = `${this.name}_forward`;
    this.backwardLayer.name = `${this.name}_backward`;
    this.forwardLayer.build(inputShape, rng, next, this.storedFor('forward_'));
    this.backwardLayer.build(inputShape, rng, next, this.storedFor('backward_'));
    // The inner layers' weights under names of this layer: forward_kernel, backward_kernel … (same tensors).
    for (const [prefix, l] of [['forward', this.forwardLayer], ['backward', this.backwardLayer]] as const) {
      for (const p of l.weights()) this.weightList.push(new Parameter(`${prefix}_${p.name}`, p.value, { trainable: p.trainable, noDecay: p.noDecay }));
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const ahead = this.forwardLayer.forward(x, ctx);
    let behind = this.backwardLayer.forward(reverseTime(x), ctx);
    if (behind.rank === 3) behind = reverseTime(behind);
    return concatLast(ahead, behind);
  }

  override outputActivation(): Activation | null {
    return this.forwardLayer.outputActivation();
  }

  override activationName(): string {
    return this.forwardLayer.activationName();
  }

  /** The forward direction's states and gradients (the backward run sees the sequence reversed). */
  override probeTime(probe: SequenceProbe | null): boolean {
    return this.forwardLayer.probeTime(probe);
  }

  getConfig(): Record<string, unknown> {
    return { layer: unnamed(this.forwardLayer) };
  }
}

/** A layer's JSON form without its name (the copies get theirs from the Bidirectional layer). */
function unnamed(layer: Layer): LayerConfig {
  const { name: _name, ...config } = layer.toJSON().config;
  return { className: layer.className, config };
}

registerLayer('Bidirectional', (c) => new Bidirectional({ ...(c as object), layer: layerFromConfig(c.layer as LayerConfig) } as BidirectionalOptions));

export const bidirectionalFactories = {
  /** `layers.bidirectional({ layer: layers.lstm({ units: 32 }) })`: forwards and backwards in time, joined. */
  bidirectional: (options: BidirectionalOptions) => new Bidirectional(options),
};
