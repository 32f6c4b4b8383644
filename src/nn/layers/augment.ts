/**
 * Augmentation: random transformations of the input in training, the identity in inference (Keras'
 * preprocessing layers), drawn from the model's seeded Rng.
 */
import { translateImages } from '../../ops/translate.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Rng } from '../../util/random.js';
import { Layer, type ForwardContext, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { registerLayer } from './registry.js';

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
  readonly baseName = 'random_translation';
  readonly role: LayerRole = 'structural';
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
    return translateImages(x, shifts);
  }

  /** Inference is the identity: nothing is written. */
  override toOnnx(_graph: OnnxGraphWriter, input: string): string {
    return input;
  }

  getConfig(): Record<string, unknown> {
    return { height: this.height, width: this.width };
  }
}

function drawShift(rng: Rng, max: number): number {
  return max === 0 ? 0 : rng.int(2 * max + 1) - max;
}

registerLayer('RandomTranslation', (c) => new RandomTranslation(c as unknown as RandomTranslationOptions));

export const augmentFactories = {
  randomTranslation: (options: RandomTranslationOptions) => new RandomTranslation(options),
};
