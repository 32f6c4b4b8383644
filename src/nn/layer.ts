/**
 * The Layer protocol. A layer answers for itself: its output shape for an input shape, its weights, its
 * forward pass, the activation it applies at its output (or none), its role for initialisers and
 * diagnostics, the pre-activation the diagnostics read, its JSON form, and its ONNX form. Nothing
 * outside a layer asks what class it is: model building, `inspect`, the fit monitor and the ONNX
 * exporter all go through these members. Channels-last (NHWC) throughout, as Keras and TensorFlow.js.
 *
 * To add a layer: a file in ./layers/ with the class and its `registerLayer` call beside it (which
 * makes `layerFromConfig` and `loadModel` know it), and its factory in ./layers/index.ts. See
 * docs/ARCHITECTURE.md.
 */
import { Parameter } from '../autograd/parameter.js';
import type { Activation } from '../ops/activation.js';
import type { SequenceProbe } from '../ops/recurrent.js';
import { empty, shapeSize } from '../tensor/create.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import type { Rng } from '../util/random.js';
import type { OnnxGraphWriter } from './onnx-writer.js';

export interface ForwardContext {
  readonly training: boolean;
  /** Draws dropout masks, rrelu slopes and augmentations in training. */
  readonly rng: Rng;
}

/** The JSON form of a layer: enough to rebuild it (`layerFromConfig`). */
export interface LayerConfig {
  readonly className: string;
  readonly config: Record<string, unknown>;
}

/**
 * How initialisers and diagnostics read a layer:
 * - `transform`: a learned linear map with an optional activation fused in (dense, conv2d);
 * - `activation`: only an activation of its input, which is then the previous layer's pre-activation
 *   (activation, prelu, rrelu);
 * - `passthrough`: keeps what its input means (batch norm, dropout), so a transform before it is
 *   initialised for the activation after it;
 * - `structural`: moves or pools values (flatten, pooling, augmentation).
 */
export type LayerRole = 'transform' | 'activation' | 'passthrough' | 'structural';

/**
 * Values a build takes for a weight instead of initialising it (loading a saved model passes the stored
 * tensors): called with the weight's name and shape before anything is allocated; returns the values, or
 * null to initialise; throws when what is stored does not fit.
 */
export type StoredWeights = (weightName: string, shape: Shape) => Float32Array | null;

/**
 * The most values one weight may hold: 2^30 float32 values are 4 GiB, all the memory a WebAssembly
 * backend can address. A larger shape (units: 2**31 in a saved architecture) is an error before any
 * allocation, not an attempt to allocate it.
 */
export const MAX_WEIGHT_VALUES = 2 ** 30;

/** A layer's output with, for the diagnostics, the values its activation was applied to (if it has one). */
export interface DiagnosticForward {
  readonly output: Tensor;
  readonly preActivation: Tensor | null;
}

export abstract class Layer {
  /** The name in saved files and `layerFromConfig` ('Dense', 'Conv2D' …). */
  abstract readonly className: string;
  /** The prefix of default names, as Keras: dense → dense_1, dense_2 … */
  abstract readonly baseName: string;
  abstract readonly role: LayerRole;
  name: string;
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  protected weightList: Parameter[] = [];
  /** Set only while `build` runs with stored weights. */
  private storedWeights: StoredWeights | null = null;

  constructor(name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw new TypeError(`layer name must be a non-empty string, got ${describe(name)}`);
    this.name = name ?? '';
  }

  /** The per-sample output shape for a per-sample input shape; throws naming the layer and both shapes. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /**
   * Creates the weights for `inputShape`. `next` is the activation that follows this layer (across
   * passthrough layers), which a transform without an activation of its own initialises for
   * (dense → prelu initialises for prelu). With `stored`, each weight is checked against it and takes its
   * values before anything is allocated, and no initialiser runs for what it provides.
   */
  build(inputShape: Shape, rng: Rng, next: Activation | null = null, stored: StoredWeights | null = null): Shape {
    const out = this.computeOutputShape(inputShape);
    this.inputShape = [...inputShape];
    this.outputShape = [...out];
    this.storedWeights = stored;
    try {
      this.createWeights(inputShape, rng, next);
    } finally {
      this.storedWeights = null;
    }
    return out;
  }

  /**
   * For a layer that builds inner layers and keeps their weights under its own names (bidirectional,
   * timeDistributed): the stored weights of this build, as an inner layer asks for them, its weight
   * `w` being this layer's `prefix + w`. Null when this build has none (the inner layers initialise).
   */
  protected storedFor(prefix: string): StoredWeights | null {
    const stored = this.storedWeights;
    return stored ? (name, shape) => stored(`${prefix}${name}`, shape) : null;
  }

  /** Frees the weights and forgets the input shape, so that the layer can be built again (a failed model build). */
  unbuild(): void {
    this.dispose();
    this.inputShape = null;
    this.outputShape = null;
  }

  protected createWeights(_inputShape: Shape, _rng: Rng, _next: Activation | null): void {}

  /** Runs on a batch [batch, ...inputShape]. */
  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** The activation applied at this layer's output, or null (none, or the identity). */
  outputActivation(): Activation | null {
    return null;
  }

  /**
   * The forward pass for the diagnostics: the output, and the pre-activation when asked for and the
   * layer has one (a transform runs its linear part and its activation separately; an activation layer's
   * pre-activation is its input).
   */
  forwardForDiagnostics(x: Tensor, ctx: ForwardContext, _wantPreActivation: boolean): DiagnosticForward {
    return { output: this.forward(x, ctx), preActivation: this.role === 'activation' ? x : null };
  }

  /**
   * Writes this layer as ONNX nodes reading the tensor named `input`; returns the name of its output.
   * Layers that have no ONNX form say so.
   */
  toOnnx(_graph: OnnxGraphWriter, _input: string): string {
    throw new Error(`ONNX export: layer ${this.name} (${this.className}) has no ONNX form yet`);
  }

  /**
   * For layers that run through time (the recurrent layers): attaches a probe that sees the hidden states
   * of every forward and the gradient norm reaching each time step in every backward, or detaches it
   * (null). Returns false for a layer without a time axis, which ignores the probe. The diagnostics
   * (`inspect`, the fit monitor) read recurrent layers through it.
   */
  probeTime(_probe: SequenceProbe | null): boolean {
    return false;
  }

  /** Trainable parameters (what optimizers update). */
  parameters(): Parameter[] {
    return this.weightList.filter((p) => p.trainable);
  }

  /** All weights in saving order, trainable or not (batch-norm running statistics included). */
  weights(): Parameter[] {
    return [...this.weightList];
  }

  /** Copies of the weights as new tensors (the caller disposes them), in the order of `weights()`. */
  getWeights(): Tensor[] {
    return this.weightList.map((p) => {
      const t = empty(p.shape, 'float32', p.value.backend);
      p.value.backend.copyRange(p.value.storage, 0, t.storage, 0, p.size);
      return t;
    });
  }

  /** Overwrites the weights from Tensors or Float32Arrays, in the order of `weights()`, checking sizes. */
  setWeights(values: ReadonlyArray<Tensor | Float32Array>): void {
    if (!Array.isArray(values)) throw new TypeError(`${this.name}.setWeights: expected an array of ${this.weightList.length} Tensors or Float32Arrays, got ${describe(values)}`);
    if (values.length !== this.weightList.length) {
      throw new RangeError(`${this.name}.setWeights: expected ${this.weightList.length} arrays (${this.weightList.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ') || 'this layer has no weights'}), got ${values.length}`);
    }
    values.forEach((v, i) => {
      const p = this.weightList[i]!;
      if (v instanceof Tensor && v.shape.join() !== p.shape.join()) {
        throw new RangeError(`${this.name}.setWeights: ${p.name} must have shape [${p.shape.join(', ')}], got [${v.shape.join(', ')}]`);
      }
      p.assign(v);
    });
  }

  countParams(): number {
    return this.weightList.reduce((s, p) => s + p.size, 0);
  }

  /** The activation's id for summaries ('' when the layer applies none). */
  activationName(): string {
    return this.outputActivation()?.id ?? '';
  }

  abstract getConfig(): Record<string, unknown>;

  toJSON(): LayerConfig {
    return { className: this.className, config: { ...this.getConfig(), name: this.name } };
  }

  dispose(): void {
    for (const p of this.weightList) p.dispose();
    this.weightList = [];
  }

  /**
   * Creates a weight owned by this layer (used while building). `values` may be a function, called only
   * when the weight is initialised rather than taken from stored values.
   */
  addWeight(name: string, shape: Shape, values: Float32Array | (() => Float32Array), options: { trainable?: boolean; noDecay?: boolean } = {}): Parameter {
    const size = shapeSize(shape, `${this.name || this.className}: weight ${name}: shape`);
    // Stored values are checked first: their shape is what a file claims, and its mismatch is the error.
    const stored = this.storedWeights?.(name, shape) ?? null;
    if (!stored && size > MAX_WEIGHT_VALUES) {
      throw new RangeError(`${this.name || this.className} (${this.className}): weight ${name} of shape [${shape.join(', ')}] would hold ${size} values, more than the ${MAX_WEIGHT_VALUES} (4 GiB of float32) a backend can hold`);
    }
    const data = stored ?? (typeof values === 'function' ? values() : values);
    if (data.length !== size) throw new RangeError(`${this.name || this.className}: weight ${name} of shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
    const t = empty(shape, 'float32');
    t.storage.f32().set(data);
    const p = new Parameter(name, t, options);
    this.weightList.push(p);
    return p;
  }

  protected shapeError(expected: string, got: Shape): never {
    throw new RangeError(`${this.className} expects input of shape ${expected} per sample, got [${got.join(', ')}]`);
  }
}
