/** Dense (fully connected) layers: y = act(x·W + b), bias and activation fused into the matmul's epilogue. */
import { linear } from '../../ops/linear.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../util/random.js';
import type { Activation } from '../../ops/activation.js';
import type { ForwardContext } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject, positiveInt } from './options.js';
import { registerLayer } from './registry.js';
import { TransformLayer, type TransformOptions } from './transform.js';

export interface DenseOptions extends TransformOptions {
  readonly units: number;
}

export class Dense extends TransformLayer {
  readonly className = 'Dense';
  readonly baseName = 'dense';
  readonly units: number;

  constructor(options: DenseOptions) {
    const o = optionsObject('dense', options, '{ units, activation?, useBias?, kernelInitializer? }');
    super('dense', o);
    this.units = positiveInt('dense', 'units', o.units);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      this.shapeError('[features] (add a flatten layer before dense for images)', inputShape);
    }
    return [this.units];
  }

  protected override createWeights(inputShape: Shape, rng: Rng, next: Activation | null): void {
    const fanIn = inputShape[0]!;
    this.createKernelAndBias([fanIn, this.units], fanIn, this.units, next, rng);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return linear(x, this.kernel.value, this.bias?.value ?? null, this.activation, ctx);
  }

  protected linearPart(x: Tensor): Tensor {
    return linear(x, this.kernel.value, this.bias?.value ?? null, null);
  }

  /** Gemm(x, W, b) with W stored as our [in, out] kernel, then the activation's ONNX form. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const [inF, outF] = this.kernel.shape as [number, number];
    const inputs = [input, graph.initializer(`${this.name}.kernel`, [inF, outF], this.kernel.value.data as Float32Array)];
    if (this.bias) inputs.push(graph.initializer(`${this.name}.bias`, [outF], this.bias.value.data as Float32Array));
    return graph.activation(this.outputActivation(), graph.node('Gemm', inputs));
  }

  getConfig(): Record<string, unknown> {
    return { units: this.units, ...this.transformConfig() };
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseOptions));

export const denseFactories = {
  /** `layers.dense({ units: 64, activation: 'relu' })`. */
  dense: (options: DenseOptions) => new Dense(options),
};
