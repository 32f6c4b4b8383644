/** Flatten: [batch, ...] → [batch, product of the rest]. */
import { reshape } from '../../ops/shape.js';
import { shapeSize } from '../../tensor/create.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { Layer, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject } from './options.js';
import { registerLayer } from './registry.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly baseName = 'flatten';
  readonly role: LayerRole = 'structural';
  constructor(options?: { readonly name?: string }) {
    super(optionsObject('flatten', options, '{ name? }').name as string | undefined);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return [shapeSize(inputShape)];
  }
  forward(x: Tensor): Tensor {
    return reshape(x, [x.shape[0]!, -1]);
  }
  /**
   * Vectors pass as they are; images flatten in our (channels-last) order, so the dense layer after it
   * keeps its weights: a channels-first graph transposes first.
   */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    if (this.inputShape!.length === 1) return input;
    return graph.node('Flatten', [graph.channelsLast(input)], { axis: { int: 1 } });
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

registerLayer('Flatten', (c) => new Flatten(c));

export const flattenFactories = {
  flatten: (options?: { readonly name?: string }) => new Flatten(options),
};
