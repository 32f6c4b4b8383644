/**
 * Batch normalisation (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167) over the last axis: the
 * features of a dense output, the channels of NHWC images. PyTorch's conventions: running ← (1 − m)·running
 * + m·batch with m = 0.1, the running variance from the unbiased batch variance, normalisation with the
 * biased one. gamma and beta are noDecay. Training composes tape ops, so its gradient is the exact one.
 */
import type { Parameter } from '../../autograd/parameter.js';
import { noGrad } from '../../autograd/tape.js';
import { add, addScalar, mul, rsqrt, square, sub, updateRunningAverage } from '../../ops/elementwise.js';
import { mean, reshape } from '../../ops/shape.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Layer, type ForwardContext, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject } from './options.js';
import { registerLayer } from './registry.js';

export interface BatchNormOptions {
  /** Weight of the new batch in the running statistics (default 0.1, PyTorch; Keras' momentum 0.99 is 0.01 here). */
  readonly momentum?: number;
  /** Default 1e-5 (PyTorch; Keras uses 1e-3). */
  readonly epsilon?: number;
  readonly name?: string;
}

export class BatchNorm extends Layer {
  readonly className = 'BatchNorm';
  readonly baseName = 'batch_norm';
  readonly role: LayerRole = 'passthrough';
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
    this.gamma = this.addWeight('gamma', [c], () => new Float32Array(c).fill(1), { noDecay: true });
    this.beta = this.addWeight('beta', [c], () => new Float32Array(c), { noDecay: true });
    this.runningMean = this.addWeight('running_mean', [c], () => new Float32Array(c), { trainable: false });
    this.runningVar = this.addWeight('running_var', [c], () => new Float32Array(c).fill(1), { trainable: false });
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const c = this.gamma.size;
    const rows = x.size / c;
    const flat = reshape(x, [rows, c]);
    let y: Tensor;
    if (ctx.training) {
      const mu = mean(flat, 0);
      const centered = sub(flat, mu);
      const variance = mean(square(centered), 0);
      const inv = rsqrt(addScalar(variance, this.epsilon));
      y = add(mul(mul(centered, inv), this.gamma.value), this.beta.value);
      noGrad(() => {
        updateRunningAverage(this.runningMean.value, mu, this.momentum);
        // Unbiased (n/(n−1)) for the running estimate, as PyTorch; a single value has no spread to correct.
        updateRunningAverage(this.runningVar.value, variance, this.momentum, rows > 1 ? rows / (rows - 1) : 1);
      });
    } else {
      const scale = mul(this.gamma.value, rsqrt(addScalar(this.runningVar.value, this.epsilon)));
      const shift = sub(this.beta.value, mul(this.runningMean.value, scale));
      y = add(mul(flat, scale), shift);
    }
    return reshape(y, x.shape as number[]);
  }
  /** BatchNormalization (inference statistics) over axis 1: the features, or the channels of NCHW images. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const rank = this.inputShape!.length;
    if (rank !== 1 && rank !== 3) throw new Error(`ONNX export: ${this.name} normalises [${this.inputShape!.join(', ')}] samples; BatchNormalization is written for features and images`);
    const vector = (p: Parameter) => graph.initializer(`${this.name}.${p.name}`, [p.size], p.value.data as Float32Array);
    const x = rank === 3 ? graph.channelsFirst(input) : input;
    const y = graph.node('BatchNormalization', [x, vector(this.gamma), vector(this.beta), vector(this.runningMean), vector(this.runningVar)], {
      epsilon: this.epsilon,
      // ONNX's momentum weighs the running statistic; ours the new batch (PyTorch's convention).
      momentum: 1 - this.momentum,
    });
    return rank === 3 ? graph.fromChannelsFirst(y) : y;
  }
  getConfig(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon };
  }
}

registerLayer('BatchNorm', (c) => new BatchNorm(c));

export const batchNormFactories = {
  batchNorm: (options?: BatchNormOptions) => new BatchNorm(options),
};
