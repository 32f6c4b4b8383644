/**
 * Zero padding of NHWC images (Keras' ZeroPadding2D). A convolution or an average pool over padding that
 * is not TensorFlow's 'same' — PyTorch's explicit padding — is this layer followed by the 'valid' layer,
 * which is how the ONNX importer builds it.
 */
import { padImages } from '../../ops/pad.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Layer, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { optionsObject } from './options.js';
import { registerLayer } from './registry.js';

export interface ZeroPadding2dOptions {
  /**
   * Zero rows and columns to add: one number for all four sides, [rows, columns] for both sides of each
   * axis, or [[top, bottom], [left, right]] (Keras' forms). Default 1.
   */
  readonly padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  readonly name?: string;
}

function amount(v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`zeroPadding2d: padding amounts must be integers >= 0, got ${describe(v)}`);
  return v as number;
}

export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly baseName = 'zero_padding2d';
  readonly role: LayerRole = 'structural';
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(options: ZeroPadding2dOptions = {}) {
    const o = optionsObject('zeroPadding2d', options, '{ padding? }');
    super(o.name as string | undefined);
    const p = o.padding ?? 1;
    if (typeof p === 'number') {
      const n = amount(p);
      this.padding = [[n, n], [n, n]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((a) => typeof a === 'number')) {
      const [r, c] = [amount(p[0]), amount(p[1])];
      this.padding = [[r, r], [c, c]];
    } else if (Array.isArray(p) && p.length === 2 && p.every((a) => Array.isArray(a) && a.length === 2)) {
      this.padding = [[amount(p[0][0]), amount(p[0][1])], [amount(p[1][0]), amount(p[1][1])]];
    } else {
      throw new TypeError(`zeroPadding2d: padding must be a number, [rows, columns] or [[top, bottom], [left, right]], got ${describe(p)}`);
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) this.shapeError('[height, width, channels]', inputShape);
    const [[t, b], [l, r]] = this.padding;
    return [inputShape[0]! + t + b, inputShape[1]! + l + r, inputShape[2]!];
  }

  forward(x: Tensor): Tensor {
    return padImages(x, this.padding);
  }

  /** Pad with zeros (opset 11's inputs), on the height and width axes of the graph's layout. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const [[t, b], [l, r]] = this.padding;
    const pads = graph.layout === 'nchw' ? [0, 0, t, l, 0, 0, b, r] : [0, t, l, 0, 0, b, r, 0];
    return graph.node('Pad', [input, graph.int64s(`${this.name}.pads`, pads)]);
  }

  getConfig(): Record<string, unknown> {
    return { padding: this.padding.map((a) => [...a]) };
  }
}

registerLayer('ZeroPadding2D', (c) => new ZeroPadding2D(c as ZeroPadding2dOptions));

export const paddingFactories = {
  /** `layers.zeroPadding2d({ padding: [[1, 0], [1, 0]] })`. */
  zeroPadding2d: (options?: ZeroPadding2dOptions) => new ZeroPadding2D(options),
};
