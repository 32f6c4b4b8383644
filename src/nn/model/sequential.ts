/**
 * Sequential models with the Keras/TensorFlow.js surface (`sequential`, `compile`, `fit`, `evaluate`,
 * `predict`, `summary`, `save`) and a PyTorch-style lower level (`forward`, `trainStep`, `parameters`).
 * This file builds the model and runs it; training lives in ./trainer.ts, saving in ./serialize.ts.
 *
 * Determinism: one seed. The model's Rng forks one stream for initialisation (one sub-stream per layer)
 * and one for training (shuffling, dropout masks, rrelu slopes), so the same seed and backend give
 * bit-identical weights after training.
 */
import type { Parameter } from '../../autograd/parameter.js';
import { noGrad } from '../../autograd/tape.js';
import type { Activation } from '../../ops/activation.js';
import type { Optimizer } from '../../optim/optimizers.js';
import { empty, shapeSize } from '../../tensor/create.js';
import { Tensor, tidy, type Shape } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Rng } from '../../util/random.js';
import { writeModelBytes, type ModelDestination } from '../../io/model-bytes.js';
import { Layer, type LayerConfig } from '../layer.js';
import type { History, Logs } from './callbacks.js';
import type { Inputs, Targets } from './data.js';
import { encodeModel } from './encode.js';
import { toTorchStateDict } from './pytorch.js';
import { encodeSafetensors } from '../../io/safetensors.js';
import { Trainer, type CompileOptions, type FitOptions } from './trainer.js';

export interface SequentialOptions {
  /** Shape of one sample, without the batch axis: [features] or [height, width, channels]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly Layer[];
  /** Seeds initialisation, shuffling, dropout and rrelu (default 0). */
  readonly seed?: number;
  readonly name?: string;
}

/** The architecture as plain data (what saved files store). */
export interface SequentialConfig {
  className: 'Sequential';
  name: string;
  inputShape: number[];
  seed: number;
  layers: LayerConfig[];
}

/**
 * Values to build weights from instead of initialising them (what loading passes): called with the
 * layer's name, the weight's name and its shape before anything is allocated; see `StoredWeights`.
 */
export type StoredModelWeights = (layerName: string, weightName: string, shape: Shape) => Float32Array | null;

/** The activation a transform at layer i initialises for when it has none: the next one, across passthrough layers. */
function activationAfter(layers: readonly Layer[], i: number): Activation | null {
  for (let j = i + 1; j < layers.length; j++) {
    const next = layers[j]!;
    if (next.role === 'passthrough') continue;
    return next.role === 'activation' ? next.outputActivation() : null;
  }
  return null;
}

export class Sequential {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly layers: readonly Layer[];
  readonly seed: number;
  /** The training stream (shuffling, dropout masks, rrelu slopes), forked from the seed. */
  readonly rng: Rng;
  /** Set to true (from a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  private trainer: Trainer | null = null;
  private disposed = false;

  /** `stored` is for loading (./load.ts): weights taken from a file are checked against it and never initialised. */
  constructor(options: SequentialOptions, stored: StoredModelWeights | null = null) {
    if (!options || typeof options !== 'object') throw new TypeError(`sequential: expected { inputShape, layers, seed? }, got ${describe(options)}`);
    const { inputShape, layers, seed = 0, name = 'sequential' } = options;
    if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new TypeError(`sequential: inputShape must be a non-empty array of positive integers (one sample, no batch axis), got ${describe(inputShape)}`);
    }
    if (!Array.isArray(layers) || layers.length === 0) throw new TypeError(`sequential: layers must be a non-empty array of layers, got ${describe(layers)}`);
    layers.forEach((l, i) => {
      if (!(l instanceof Layer)) throw new TypeError(`sequential: layers[${i}] must be a layer (layers.dense({...}) …), got ${describe(l)}`);
      if (l.inputShape !== null) throw new Error(`sequential: layers[${i}] (${l.name || l.className}) already belongs to a model; create a new layer`);
    });
    if (new Set(layers).size !== layers.length) throw new Error('sequential: the same layer object appears twice in layers');
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`sequential: seed must be a finite number, got ${describe(seed)}`);
    if (typeof name !== 'string' || name === '' || name.length > 200) throw new TypeError(`sequential: name must be a string of 1 to 200 characters, got ${describe(name)}`);
    this.name = name;
    this.seed = seed;
    this.inputShape = [...inputShape];
    this.layers = [...layers];

    const counts = new Map<string, number>();
    const names = new Set<string>();
    for (const l of this.layers) {
      const k = (counts.get(l.baseName) ?? 0) + 1;
      counts.set(l.baseName, k);
      if (!l.name) l.name = `${l.baseName}_${k}`;
      if (names.has(l.name)) throw new Error(`sequential: two layers are named "${l.name}"; layer names must be unique`);
      names.add(l.name);
    }

    const root = new Rng(seed);
    const initRng = root.fork();
    this.rng = root.fork();
    let shape: Shape = this.inputShape;
    let reached = 0;
    try {
      this.layers.forEach((l, i) => {
        reached = i;
        // Only a shape the layer cannot take is reported as such; other failures (a weight too large, the
        // backend's configuration) keep their own message.
        try {
          l.computeOutputShape(shape);
        } catch (e) {
          const msg = (e as Error).message;
          const source = i === 0 ? 'the model input' : `the output of layer ${i - 1} (${this.layers[i - 1]!.name})`;
          throw new RangeError(`sequential: layer ${i} (${l.name}, ${l.className}) cannot take ${source}, shape [${shape.join(', ')}]: ${msg}`);
        }
        shape = l.build(shape, initRng.fork(), activationAfter(this.layers, i), stored ? (weight, s) => stored(l.name, weight, s) : null);
      });
    } catch (e) {
      // Nothing of a model that failed to build stays allocated, and its layers can go into another one.
      for (const l of this.layers.slice(0, reached + 1)) l.unbuild();
      throw e;
    }
    this.outputShape = shape;
  }

  /** Trainable parameters, for optimizers. */
  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Every weight (trainable or not), in saving order. */
  weights(): Parameter[] {
    return this.layers.flatMap((l) => l.weights());
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Chooses the optimizer, the loss and the metrics for fit/evaluate/trainStep. */
  compile(options: CompileOptions): this {
    this.checkAlive();
    const trainer = new Trainer(this, options);
    this.trainer?.dispose();
    this.trainer = trainer;
    return this;
  }

  /** The optimizer chosen by compile, or null. */
  get optimizer(): Optimizer | null {
    return this.trainer?.optimizer ?? null;
  }

  /** The compiled loss, metrics and optimizer settings (as saved files store them), or null. */
  trainingConfig(): ReturnType<Trainer['toJSON']> | null {
    return this.trainer?.toJSON() ?? null;
  }

  /** Runs the layers on a batch [batch, ...inputShape]; records the tape when inputs or weights require it. */
  forward(x: Tensor, options: { training?: boolean; onLayerOutput?: (layerIndex: number, output: Tensor) => void } = {}): Tensor {
    this.checkAlive();
    if (!(x instanceof Tensor) || x.dtype !== 'float32') throw new TypeError(`forward: x must be a float32 Tensor of shape [batch, ${this.inputShape.join(', ')}], got ${describe(x)}`);
    if (x.rank !== this.inputShape.length + 1 || x.shape.slice(1).join() !== this.inputShape.join()) {
      throw new RangeError(`forward: x must have shape [batch, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    const ctx = { training: options.training ?? false, rng: this.rng };
    const onLayerOutput = options.onLayerOutput;
    if (onLayerOutput !== undefined && typeof onLayerOutput !== 'function') throw new TypeError(`forward: options.onLayerOutput must be a function (layerIndex, output) => void, got ${describe(onLayerOutput)}`);
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      h = this.layers[i]!.forward(h, ctx);
      onLayerOutput?.(i, h);
    }
    return h;
  }

  /** The loss of the compiled model for outputs and targets (a scalar tensor on the tape). */
  lossFn(output: Tensor, targets: Tensor): Tensor {
    return this.requireTrainer('lossFn').loss(output, targets);
  }

  /**
   * One training step on one batch: forward, loss, backward, optimizer update, gradients cleared.
   * Returns the batch loss (and accuracy when compiled with it).
   */
  trainStep(x: Inputs, y: Targets): Logs {
    this.checkAlive();
    return this.requireTrainer('trainStep').trainStep(x, y);
  }

  /** Trains for `epochs` passes over the data; resolves with the history (Keras' History shape). */
  async fit(x: Inputs, y: Targets, options: FitOptions = {}): Promise<History> {
    this.checkAlive();
    return this.requireTrainer('fit').fit(x, y, options);
  }

  /** Mean loss (and accuracy when compiled with it) over a dataset, in inference mode. */
  evaluate(x: Inputs, y: Targets, options: { batchSize?: number } = {}): Logs {
    this.checkAlive();
    return this.requireTrainer('evaluate').evaluate(x, y, options);
  }

  /** Outputs for every sample, computed in batches in inference mode; a new tensor the caller owns. */
  predict(x: Inputs, options: { batchSize?: number } = {}): Tensor {
    this.checkAlive();
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`predict: batchSize must be a positive integer, got ${describe(batchSize)}`);
    const inSize = shapeSize(this.inputShape);
    const outSize = shapeSize(this.outputShape);
    let n: number;
    if (x instanceof Tensor) {
      if (x.dtype !== 'float32' || x.shape.slice(1).join() !== this.inputShape.join()) {
        throw new RangeError(`predict: x must be a float32 tensor of shape [samples, ${this.inputShape.join(', ')}], got ${x.dtype} [${x.shape.join(', ')}]`);
      }
      n = x.shape[0]!;
    } else if (x instanceof Float32Array) {
      if (x.length % inSize !== 0) throw new RangeError(`predict: x has ${x.length} values, not a multiple of ${inSize} (inputShape [${this.inputShape.join(', ')}])`);
      n = x.length / inSize;
    } else {
      throw new TypeError(`predict: x must be a Tensor or a Float32Array, got ${describe(x)}`);
    }
    if (n === 0) throw new RangeError('predict: x has no samples');
    const result = empty([n, ...this.outputShape]);
    noGrad(() => {
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        tidy(() => {
          const xb = empty([count, ...this.inputShape]);
          if (x instanceof Tensor) x.backend.copyRange(x.storage, start * inSize, xb.storage, 0, count * inSize);
          else xb.storage.f32().set(x.subarray(start * inSize, (start + count) * inSize));
          const out = this.forward(xb, { training: false });
          out.backend.copyRange(out.storage, 0, result.storage, start * outSize, count * outSize);
        });
      }
    });
    return result;
  }

  /** A text table of the layers: name (type), output shape, parameter count, activation. */
  summary(): string {
    const rows = [['Layer (type)', 'Output shape', 'Params', 'Activation']];
    for (const l of this.layers) {
      rows.push([`${l.name} (${l.className})`, `[null, ${l.outputShape!.join(', ')}]`, String(l.countParams()), l.activationName()]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)) + 2);
    const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('').trimEnd();
    const total = this.countParams();
    const trainable = this.parameters().reduce((s, p) => s + p.size, 0);
    const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0));
    return [
      `Model: ${this.name} (input [null, ${this.inputShape.join(', ')}], seed ${this.seed})`,
      rule,
      line(rows[0]!),
      rule,
      ...rows.slice(1).map(line),
      rule,
      `Total params: ${total} (trainable ${trainable}, non-trainable ${total - trainable})`,
    ].join('\n');
  }

  /** The architecture as plain data (stored in saved files). */
  toJSON(): SequentialConfig {
    return { className: 'Sequential', name: this.name, inputShape: [...this.inputShape], seed: this.seed, layers: this.layers.map((l) => l.toJSON()) };
  }

  /**
   * Saves weights and, in the safetensors `__metadata__`, the architecture and training configuration as
   * JSON. Tensor names are `<layer>.<weight>` (dense_1.kernel …). With `{ layout: 'pytorch' }` it writes
   * the state_dict of the equivalent PyTorch nn.Sequential instead (`0.weight` …, PyTorch's layouts;
   * ./pytorch.ts), which `model.load_state_dict(safetensors.torch.load_file(path))` accepts. The
   * destination is a path or `file://` URL in Node (written atomically, before save returns), or in a page
   * `indexeddb://name`, `localstorage://name` (small models) or `downloads://name`: the same bytes
   * everywhere.
   */
  save(destination: ModelDestination, options: { readonly layout?: 'rectifier' | 'pytorch' } = {}): Promise<void> {
    try {
      this.checkAlive();
      if (!options || typeof options !== 'object') throw new TypeError(`save: options must be an object like { layout: 'pytorch' }, got ${describe(options)}`);
      const layout = options.layout ?? 'rectifier';
      if (layout !== 'rectifier' && layout !== 'pytorch') throw new TypeError(`save: layout must be 'rectifier' or 'pytorch', got ${describe(layout)}`);
      return writeModelBytes('save', destination, layout === 'pytorch' ? encodeSafetensors(toTorchStateDict(this), { format: 'pt' }) : encodeModel(this));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Writes the model as an ONNX file (atomically, to a path in Node) or to any destination `save` takes;
   * `options` are `exportOnnx`'s (opset, inputLayout). The writer lives in src/onnx, above nn, which
   * registers it when loaded (the package's index loads it).
   */
  exportOnnx(destination: ModelDestination, options: Readonly<Record<string, unknown>> = {}): Promise<void> {
    try {
      this.checkAlive();
      if (!onnxExporter) throw new Error('exportOnnx: the ONNX writer is not loaded; import the package (or src/onnx) to write ONNX');
      return writeModelBytes('exportOnnx', destination, onnxExporter(this, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Frees the weights, the optimizer state and the training snapshot. */
  dispose(): void {
    if (this.disposed) return;
    for (const l of this.layers) l.dispose();
    this.trainer?.dispose();
    this.trainer = null;
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private requireTrainer(where: string): Trainer {
    if (!this.trainer) throw new Error(`${where}: call model.compile({ optimizer, loss }) before training or evaluating`);
    return this.trainer;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`model ${this.name} was disposed`);
  }
}

/** Writes a model as ONNX bytes; set by src/onnx, which sits above nn and so cannot be imported here. */
export type OnnxExporter = (model: Sequential, options: Readonly<Record<string, unknown>>) => Uint8Array;
let onnxExporter: OnnxExporter | null = null;

export function setOnnxExporter(exporter: OnnxExporter): void {
  onnxExporter = exporter;
}

/** A Keras-style sequential model: `sequential({ inputShape: [2], layers: [...], seed: 1 })`. */
export function sequential(options: SequentialOptions): Sequential {
  return new Sequential(options);
}
