/**
 * Embedding: integer token ids (stored as float32 values, like every model input) → learned vectors,
 * [time] → [time, outputDim]. With `maskZero`, id 0 is padding: its vector is zeros and never trained
 * (PyTorch's padding_idx = 0), so a recurrent layer with `maskValue: 0` after it skips padded steps.
 */
import type { Parameter } from '../../autograd/parameter.js';
import { embeddingLookup } from '../../ops/embedding.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../util/random.js';
import { fillInitializer, resolveInitializer, type InitializerLike } from '../init.js';
import { Layer, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { booleanOption, optionsObject, positiveInt } from './options.js';
import { registerLayer } from './registry.js';

export interface EmbeddingOptions {
  /** Size of the vocabulary: ids are integers in [0, inputDim). */
  readonly inputDim: number;
  /** Dimensions of each vector. */
  readonly outputDim: number;
  /** Default { id: 'uniform', min: −0.05, max: 0.05 } (Keras' default). */
  readonly embeddingsInitializer?: InitializerLike;
  /** Id 0 is padding: a zero vector that is never trained (default false). */
  readonly maskZero?: boolean;
  readonly name?: string;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly baseName = 'embedding';
  readonly role: LayerRole = 'structural';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerLike;
  readonly maskZero: boolean;
  embeddings!: Parameter;

  constructor(options: EmbeddingOptions) {
    const o = optionsObject('embedding', options, '{ inputDim, outputDim, embeddingsInitializer?, maskZero? }');
    super(o.name as string | undefined);
    this.inputDim = positiveInt('embedding', 'inputDim', o.inputDim);
    this.outputDim = positiveInt('embedding', 'outputDim', o.outputDim);
    this.embeddingsInitializer = (o.embeddingsInitializer as InitializerLike | undefined) ?? { id: 'uniform', min: -0.05, max: 0.05 };
    resolveInitializer(this.embeddingsInitializer, 'embedding: embeddingsInitializer');
    this.maskZero = booleanOption('embedding', 'maskZero', o.maskZero, false);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) this.shapeError('[time] (one token id per step)', inputShape);
    return [inputShape[0]!, this.outputDim];
  }

  protected override createWeights(_inputShape: Shape, rng: Rng): void {
    const values = new Float32Array(this.inputDim * this.outputDim);
    const init = resolveInitializer(this.embeddingsInitializer);
    fillInitializer(values, [this.inputDim, this.outputDim], init === 'auto' ? { id: 'uniform', mode: 'fan_in', gain: null, value: 0, min: -0.05, max: 0.05 } : init, null, rng);
    if (this.maskZero) values.fill(0, 0, this.outputDim);
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], values);
  }

  forward(x: Tensor): Tensor {
    return embeddingLookup(x, this.embeddings.value, this.maskZero ? 0 : null);
  }

  /** Gather(embeddings, Cast(ids → int64)). */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    const ids = graph.node('Cast', [input], { to: { int: 7 } });
    return graph.node('Gather', [graph.initializer(`${this.name}.embeddings`, [this.inputDim, this.outputDim], this.embeddings.value.data as Float32Array), ids], { axis: { int: 0 } });
  }

  getConfig(): Record<string, unknown> {
    return { inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: this.embeddingsInitializer, maskZero: this.maskZero };
  }
}

registerLayer('Embedding', (c) => new Embedding(c as unknown as EmbeddingOptions));

export const embeddingFactories = {
  /** `layers.embedding({ inputDim: 64, outputDim: 16 })`: token ids → vectors. */
  embedding: (options: EmbeddingOptions) => new Embedding(options),
};
