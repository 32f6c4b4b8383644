/** Max and average pooling layers over NHWC images; strides default to the pool size (Keras). */
import { pool2dGeometry, type Padding } from '../../backend/geometry.js';
import { avgPool2d, maxPool2d } from '../../ops/pool.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { Layer, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject, pairOf, paddingOf } from './options.js';
import { registerLayer } from './registry.js';

export interface Pool2dLayerOptions {
  readonly poolSize?: number | readonly [number, number];
  /** Default: poolSize (Keras). */
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
  readonly name?: string;
}

abstract class Pool2D extends Layer {
  readonly role: LayerRole = 'structural';
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

  /** MaxPool / AveragePool with 'same' as explicit pads. */
  protected poolToOnnx(graph: OnnxGraphWriter, input: string, op: 'MaxPool' | 'AveragePool'): string {
    const g = pool2dGeometry([1, ...this.inputShape!], this.poolSize, this.strides, this.padding);
    const y = graph.node(op, [graph.channelsFirst(input)], {
      kernel_shape: { ints: this.poolSize }, strides: { ints: this.strides }, pads: { ints: [g.padTop, g.padLeft, g.padBottom, g.padRight] },
      // Our average over a 'same' window divides by the real elements only (TensorFlow's rule), ONNX's default.
      ...(op === 'AveragePool' ? { count_include_pad: { int: 0 } } : {}),
    });
    return graph.fromChannelsFirst(y);
  }

  getConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPool2D extends Pool2D {
  readonly className = 'MaxPool2D';
  readonly baseName = 'max_pool2d';
  constructor(options?: Pool2dLayerOptions) {
    super('maxPool2d', options);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
  /** ONNX's max pool never picks a padded position, as ours. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.poolToOnnx(graph, input, 'MaxPool');
  }
}

export class AvgPool2D extends Pool2D {
  readonly className = 'AvgPool2D';
  readonly baseName = 'avg_pool2d';
  constructor(options?: Pool2dLayerOptions) {
    super('avgPool2d', options);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.poolToOnnx(graph, input, 'AveragePool');
  }
}

registerLayer('MaxPool2D', (c) => new MaxPool2D(c as Pool2dLayerOptions));
registerLayer('AvgPool2D', (c) => new AvgPool2D(c as Pool2dLayerOptions));

export const poolFactories = {
  maxPool2d: (options?: Pool2dLayerOptions) => new MaxPool2D(options),
  avgPool2d: (options?: Pool2dLayerOptions) => new AvgPool2D(options),
};
