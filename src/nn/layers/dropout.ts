/** Inverted dropout in training (masks from the model's seeded Rng); the identity in inference. */
import { dropout } from '../../ops/activate.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Layer, type ForwardContext, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject } from './options.js';
import { registerLayer } from './registry.js';

export interface DropoutOptions {
  readonly rate: number;
  readonly name?: string;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly baseName = 'dropout';
  readonly role: LayerRole = 'passthrough';
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
    return ctx.training && this.rate > 0 ? dropout(x, this.rate, ctx.rng) : x;
  }
  /**
   * ONNX's Dropout is the identity in inference, as ours; it is written so that a model imported back
   * gets its dropout layer for fine-tuning.
   */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.rate > 0 ? graph.node('Dropout', [input, graph.scalar(this.rate)]) : input;
  }
  getConfig(): Record<string, unknown> {
    return { rate: this.rate };
  }
}

registerLayer('Dropout', (c) => new Dropout(c as unknown as DropoutOptions));

export const dropoutFactories = {
  dropout: (options: DropoutOptions) => new Dropout(options),
};
