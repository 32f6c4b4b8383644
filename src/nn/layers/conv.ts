/** 2-D convolution layers over NHWC input with an HWIO filter [kh, kw, inChannels, filters], then the activation. */
import { conv2dGeometry, type Padding } from '../../backend/geometry.js';
import type { Activation } from '../../ops/activation.js';
import { conv2d } from '../../ops/conv.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../util/random.js';
import type { ForwardContext } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject, pairOf, paddingOf, positiveInt } from './options.js';
import { registerLayer } from './registry.js';
import { TransformLayer, type TransformOptions } from './transform.js';

export interface Conv2dLayerOptions extends TransformOptions {
  readonly filters: number;
  readonly kernelSize: number | readonly [number, number];
  readonly strides?: number | readonly [number, number];
  readonly padding?: Padding;
}

export class Conv2D extends TransformLayer {
  readonly className = 'Conv2D';
  readonly baseName = 'conv2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(options: Conv2dLayerOptions) {
    const o = optionsObject('conv2d', options, '{ filters, kernelSize, strides?, padding?, activation? }');
    super('conv2d', o);
    this.filters = positiveInt('conv2d', 'filters', o.filters);
    this.kernelSize = pairOf('conv2d', 'kernelSize', o.kernelSize);
    this.strides = pairOf('conv2d', 'strides', o.strides ?? 1);
    this.padding = paddingOf('conv2d', o.padding);
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
    this.createKernelAndBias(shape, this.kernelSize[0] * this.kernelSize[1] * inputShape[2]!, this.filters, next, rng);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return conv2d(x, this.kernel.value, this.bias?.value ?? null, {
      strides: this.strides, padding: this.padding, activation: this.activation, training: ctx.training, rng: ctx.rng,
    });
  }

  protected linearPart(x: Tensor): Tensor {
    return conv2d(x, this.kernel.value, this.bias?.value ?? null, { strides: this.strides, padding: this.padding });
  }

  /** Conv with the kernel as ONNX's [out, in, kh, kw] and 'same' as explicit pads (TensorFlow's split). */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const [kh, kw, inC, outC] = this.kernel.shape as [number, number, number, number];
    const g = conv2dGeometry([1, ...this.inputShape!], this.kernel.shape, this.strides, this.padding);
    const hwio = this.kernel.value.data as Float32Array;
    const oihw = new Float32Array(hwio.length);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) {
      oihw[((o * inC + i) * kh + y) * kw + x] = hwio[((y * kw + x) * inC + i) * outC + o]!;
    }
    const inputs = [graph.channelsFirst(input), graph.initializer(`${this.name}.kernel`, [outC, inC, kh, kw], oihw)];
    if (this.bias) inputs.push(graph.initializer(`${this.name}.bias`, [outC], this.bias.value.data as Float32Array));
    const y = graph.node('Conv', inputs, {
      kernel_shape: { ints: [kh, kw] }, strides: { ints: this.strides }, pads: { ints: [g.padTop, g.padLeft, g.padBottom, g.padRight] },
      dilations: { ints: [1, 1] }, group: { int: 1 },
    });
    return graph.fromChannelsFirst(graph.activation(this.outputActivation(), y));
  }

  getConfig(): Record<string, unknown> {
    return { filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, ...this.transformConfig() };
  }
}

registerLayer('Conv2D', (c) => new Conv2D(c as unknown as Conv2dLayerOptions));

export const convFactories = {
  /** `layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' })`. */
  conv2d: (options: Conv2dLayerOptions) => new Conv2D(options),
};
