/**
 * Sequential models with the Keras/TensorFlow.js surface (`sequential`, `compile`, `fit`, `evaluate`,
 * `predict`, `summary`, `save`) and a PyTorch-style lower level (`forward`, `trainStep`, `parameters`).
 *
 * Determinism: one seed. The model's Rng forks one stream for initialisation (one sub-stream per layer)
 * and one for training (shuffling, dropout masks, rrelu slopes), so the same seed and backend give
 * bit-identical weights after training.
 *
 * Memory: every step runs inside `tidy`, so a step's intermediates (activations, tape, gradients other
 * than the parameters') are disposed when it ends; parameter gradients are disposed after the update.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { getSpec, resolveParams } from '../activations/lookup.js';
import { Activation } from '../ops/activation.js';
import { Parameter } from '../autograd/parameter.js';
import { noGrad } from '../autograd/tape.js';
import { Optimizer, optimizerFromConfig, adam, adamw, sgd } from '../optim/optimizers.js';
import { Rng } from '../util/random.js';
import { empty, shapeSize, tensor } from '../tensor/create.js';
import { Tensor, keep, tidy } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import type { Shape } from '../tensor/tensor.js';
import { ActivationLayer, BatchNorm, Dropout, Layer, PReLU, RReLU, layerFromConfig } from './layers.js';
import type { LayerConfig } from './layers.js';
import { getLoss } from './losses.js';
import type { LossId } from './losses.js';
import { encodeSafetensors, readSafetensors, writeFileAtomic } from './safetensors.js';
import type { NamedArray } from './safetensors.js';
import { toTorchStateDict } from './pytorch.js';

export interface SequentialOptions {
  /** Shape of one sample, without the batch axis: [features] or [height, width, channels]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly Layer[];
  /** Seeds initialisation, shuffling, dropout and rrelu (default 0). */
  readonly seed?: number;
  readonly name?: string;
}

export type MetricId = 'accuracy';

export interface CompileOptions {
  /** An optimizer (optimizers.sgd({...}) …) or its name with default settings. */
  readonly optimizer: Optimizer | 'sgd' | 'adam' | 'adamw';
  readonly loss: LossId | 'cross_entropy' | 'mean_squared_error';
  readonly metrics?: readonly MetricId[];
}

/** What `fit` reports per batch and per epoch. */
export interface Logs {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onTrainEnd?(logs: Logs | undefined): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export type Inputs = Tensor | Float32Array;
export type Targets = Tensor | Int32Array | Float32Array;

export interface FitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
  readonly validationData?: readonly [Inputs, Targets];
  readonly callbacks?: Callbacks | readonly Callbacks[];
  /** 0 silent (default), 1 one line per epoch. */
  readonly verbose?: 0 | 1;
  /**
   * Diagnostics while training (dead units, sparsity, gradient flow, saturation; see src/monitors):
   * true for the defaults or the monitor's options. Stored per epoch in `history.monitor`.
   */
  readonly monitor?: boolean | FitMonitorOptions;
}

/** The options of `fit({ monitor })`; src/monitors declares its fields by widening this interface. */
export interface FitMonitorOptions {}

/**
 * Watches `fit` from inside, where callbacks cannot see: each layer's output and the gradients before
 * the update. src/monitors implements it; every method is optional.
 */
export interface TrainingObserver {
  trainBegin?(history: History): void | Promise<void>;
  stepBegin?(epoch: number, step: number): void;
  /** Each layer's output in a training forward, inside the step's tidy scope (freed when the step ends). */
  layerOutput?(layerIndex: number, output: Tensor): void;
  /** After backward, before the update: the parameters' gradients are readable. Skipped when the loss is not finite. */
  afterBackward?(): void;
  /**
   * After the optimizer update, before the gradients are cleared. `before` gives a parameter's values as
   * they were before this update (the model's own snapshot, the one it restores after a non-finite loss).
   */
  afterUpdate?(before: (p: Parameter) => Tensor | undefined): void;
  /** At each epoch's end, before the callbacks' onEpochEnd. */
  epochEnd?(epoch: number, logs: Logs, history: History): void | Promise<void>;
  trainEnd?(history: History): void | Promise<void>;
}

/** Makes the observer behind `fit({ monitor })` from the model, the options and the training inputs. */
export type FitMonitorFactory = (model: Sequential, options: FitMonitorOptions, trainingInputs: Float32Array) => TrainingObserver;

// Set by src/monitors when it loads: nn sits below monitors in the layering, so it cannot import it.
let fitMonitorFactory: FitMonitorFactory | null = null;

/** Installs what `fit({ monitor })` uses (src/monitors does so when imported). */
export function setFitMonitorFactory(factory: FitMonitorFactory): void {
  if (typeof factory !== 'function') throw new TypeError(`setFitMonitorFactory: factory must be a function (model, options, inputs) => TrainingObserver, got ${describe(factory)}`);
  fitMonitorFactory = factory;
}

export interface History {
  readonly epoch: number[];
  readonly history: { loss: number[]; accuracy?: number[]; valLoss?: number[]; valAccuracy?: number[] };
}

/** Thrown when the loss becomes NaN or ±Inf; the model keeps the weights of the last finite loss. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly history: History | null,
    learningRate: number | null,
  ) {
    super(
      `the loss became ${loss} at epoch ${epoch}, step ${step}; training stopped and the weights of the last finite loss were kept. ` +
        `Try a smaller learning rate${learningRate !== null ? ` (it is ${learningRate})` : ''}, gradient clipping (clipNorm), or check the inputs' scale.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

interface Prepared {
  readonly x: Float32Array;
  readonly n: number;
  /** Class labels (softmax cross-entropy with integer targets). */
  readonly labels: Int32Array | null;
  /** Float targets, outSize per sample (one-hot, binary targets, regression targets). */
  readonly values: Float32Array | null;
}

/** Default layer names, as Keras: dense_1, conv2d_1, … */
const BASE_NAMES: Record<string, string> = {
  Conv2D: 'conv2d', MaxPool2D: 'max_pool2d', AvgPool2D: 'avg_pool2d', BatchNorm: 'batch_norm', PReLU: 'prelu', RReLU: 'rrelu',
  ZeroPadding2D: 'zero_padding2d',
};

function snake(name: string): string {
  return BASE_NAMES[name] ?? name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function activationOf(layer: Layer): Activation | null {
  if (layer instanceof ActivationLayer || layer instanceof RReLU) return layer.activation;
  if (layer instanceof PReLU) {
    const spec = getSpec('prelu');
    return new Activation(spec, resolveParams(spec, { alpha: layer.alphaInitializer }));
  }
  return null;
}

export class Sequential {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly layers: readonly Layer[];
  readonly seed: number;
  /** Set to true (from a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  private lossId: LossId | null = null;
  private metrics: MetricId[] = [];
  private readonly trainRng: Rng;
  private backup: Tensor[] | null = null;
  private backupOf: Map<Parameter, Tensor> | null = null;
  private disposed = false;

  constructor(options: SequentialOptions) {
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
    this.name = name;
    this.seed = seed;
    this.inputShape = [...inputShape];
    this.layers = [...layers];

    const counts = new Map<string, number>();
    const names = new Set<string>();
    for (const l of this.layers) {
      const base = snake(l.className);
      const k = (counts.get(base) ?? 0) + 1;
      counts.set(base, k);
      if (!l.name) l.name = `${base}_${k}`;
      if (names.has(l.name)) throw new Error(`sequential: two layers are named "${l.name}"; layer names must be unique`);
      names.add(l.name);
    }

    const root = new Rng(seed);
    const initRng = root.fork();
    this.trainRng = root.fork();
    let shape: Shape = this.inputShape;
    this.layers.forEach((l, i) => {
      let next: Activation | null = null;
      for (let j = i + 1; j < this.layers.length; j++) {
        const lj = this.layers[j]!;
        if (lj instanceof BatchNorm || lj instanceof Dropout) continue;
        next = activationOf(lj);
        break;
      }
      try {
        shape = l.build(shape, initRng.fork(), next);
      } catch (e) {
        const msg = (e as Error).message;
        const source = i === 0 ? 'the model input' : `the output of layer ${i - 1} (${this.layers[i - 1]!.name})`;
        throw new RangeError(`sequential: layer ${i} (${l.name}, ${l.className}) cannot take ${source}, shape [${shape.join(', ')}]: ${msg}`);
      }
    });
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

  compile(options: CompileOptions): this {
    if (!options || typeof options !== 'object') throw new TypeError(`compile: expected { optimizer, loss, metrics? }, got ${describe(options)}`);
    const opt = options.optimizer;
    if (opt instanceof Optimizer) this.optimizer = opt;
    else if (opt === 'sgd') this.optimizer = sgd();
    else if (opt === 'adam') this.optimizer = adam();
    else if (opt === 'adamw') this.optimizer = adamw();
    else throw new TypeError(`compile: optimizer must be optimizers.sgd/adam/adamw({...}) or "sgd", "adam", "adamw", got ${describe(opt)}`);
    this.lossId = getLoss(options.loss as string).id;
    const metrics = options.metrics ?? [];
    if (!Array.isArray(metrics)) throw new TypeError(`compile: metrics must be an array such as ['accuracy'], got ${describe(metrics)}`);
    for (const m of metrics) {
      if (m !== 'accuracy') throw new Error(`compile: unknown metric ${describe(m)}; the available metric is "accuracy"`);
      if (this.lossId === 'mse') throw new Error('compile: accuracy needs a classification loss (softmax_cross_entropy or binary_cross_entropy), not mse');
    }
    this.metrics = [...metrics];
    if (this.lossId === 'softmax_cross_entropy' && this.outputShape.length !== 1) {
      throw new RangeError(`compile: softmax_cross_entropy needs outputs of shape [classes] per sample, but the model outputs [${this.outputShape.join(', ')}]; add a flatten and a dense layer`);
    }
    return this;
  }

  /** Runs the layers on a batch [batch, ...inputShape]; records the tape when inputs or weights require it. */
  forward(x: Tensor, options: { training?: boolean; onLayerOutput?: (layerIndex: number, output: Tensor) => void } = {}): Tensor {
    this.checkAlive();
    if (!(x instanceof Tensor) || x.dtype !== 'float32') throw new TypeError(`forward: x must be a float32 Tensor of shape [batch, ${this.inputShape.join(', ')}], got ${describe(x)}`);
    if (x.rank !== this.inputShape.length + 1 || x.shape.slice(1).join() !== this.inputShape.join()) {
      throw new RangeError(`forward: x must have shape [batch, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    const ctx = { training: options.training ?? false, rng: this.trainRng };
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
    if (!this.lossId) throw new Error('lossFn: call compile({ optimizer, loss }) first');
    return getLoss(this.lossId).fn(output, targets);
  }

  /**
   * One training step on one batch: forward, loss, backward, optimizer update, gradients cleared.
   * Returns the batch loss (and accuracy when compiled with it).
   */
  trainStep(x: Inputs, y: Targets): Logs {
    const data = this.prepare(x, y, 'trainStep');
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    const r = this.runStep(data, order, 0, data.n, 0, 0);
    return this.logsOf(r.loss, r.correct, r.count);
  }

  private requireCompiled(where: string): { optimizer: Optimizer; lossId: LossId } {
    if (!this.optimizer || !this.lossId) throw new Error(`${where}: call model.compile({ optimizer, loss }) before training or evaluating`);
    return { optimizer: this.optimizer, lossId: this.lossId };
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`model ${this.name} was disposed`);
  }

  private logsOf(loss: number, correct: number, count: number): Logs {
    const logs: Logs = { loss };
    if (this.metrics.includes('accuracy')) logs.accuracy = count ? correct / count : 0;
    return logs;
  }

  /** Converts and validates inputs and targets, naming what to fix. */
  private prepare(x: Inputs, y: Targets, where: string): Prepared {
    const { lossId } = this.requireCompiled(where);
    const inSize = shapeSize(this.inputShape);
    const outSize = shapeSize(this.outputShape);
    let xs: Float32Array;
    if (x instanceof Tensor) {
      if (x.dtype !== 'float32') throw new TypeError(`${where}: x must be float32, got an ${x.dtype} tensor; convert it with Float32Array.from`);
      if (x.shape.slice(1).join() !== this.inputShape.join()) throw new RangeError(`${where}: x must have shape [samples, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
      xs = x.data as Float32Array;
    } else if (x instanceof Float32Array) {
      xs = x;
    } else {
      throw new TypeError(`${where}: x must be a Tensor or a Float32Array with ${inSize} values per sample (inputShape [${this.inputShape.join(', ')}]), got ${describe(x)}`);
    }
    if (xs.length === 0) throw new RangeError(`${where}: the dataset is empty (x has no samples)`);
    if (xs.length % inSize !== 0) throw new RangeError(`${where}: x has ${xs.length} values, not a multiple of ${inSize} (inputShape [${this.inputShape.join(', ')}])`);
    const n = xs.length / inSize;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]!)) {
        throw new RangeError(`${where}: x holds ${xs[i]} at sample ${Math.floor(i / inSize)}, value ${i % inSize}; remove or impute non-finite inputs before training`);
      }
    }
    let ys: Int32Array | Float32Array;
    if (y instanceof Tensor) ys = y.data;
    else if (y instanceof Int32Array || y instanceof Float32Array) ys = y;
    else throw new TypeError(`${where}: y must be an Int32Array of labels, a Float32Array of targets or a Tensor, got ${describe(y)}`);

    if (lossId === 'softmax_cross_entropy') {
      if (ys instanceof Int32Array) {
        if (ys.length !== n) throw new RangeError(`${where}: y has ${ys.length} labels but x has ${n} samples`);
        for (let i = 0; i < n; i++) {
          if (ys[i]! < 0 || ys[i]! >= outSize) throw new RangeError(`${where}: label ${ys[i]} at sample ${i} is out of range; labels must be in [0, ${outSize - 1}] for a model with ${outSize} outputs`);
        }
        return { x: xs, n, labels: ys, values: null };
      }
      if (ys.length === n && outSize !== 1) throw new TypeError(`${where}: y looks like class labels (${n} values) but is a Float32Array; pass labels as an Int32Array, or one-hot targets with ${outSize} values per sample`);
      if (ys.length !== n * outSize) throw new RangeError(`${where}: one-hot y must hold ${n}×${outSize} = ${n * outSize} values, got ${ys.length}`);
      checkFinite(where, ys);
      return { x: xs, n, labels: null, values: ys };
    }
    if (ys.length !== n * outSize) throw new RangeError(`${where}: y must hold ${outSize} value(s) per sample (${n * outSize} in all) to match outputs [${this.outputShape.join(', ')}], got ${ys.length}`);
    const values = ys instanceof Float32Array ? ys : Float32Array.from(ys);
    checkFinite(where, values);
    if (lossId === 'binary_cross_entropy') {
      for (let i = 0; i < values.length; i++) {
        if (values[i]! < 0 || values[i]! > 1) throw new RangeError(`${where}: binary_cross_entropy targets must be in [0, 1], got ${values[i]} at index ${i}`);
      }
    }
    return { x: xs, n, labels: null, values };
  }

  private batchTensors(data: Prepared, order: Int32Array, start: number, count: number): { xb: Tensor; tb: Tensor } {
    const inSize = shapeSize(this.inputShape);
    const outSize = shapeSize(this.outputShape);
    const xb = new Float32Array(count * inSize);
    for (let r = 0; r < count; r++) {
      const i = order[start + r]!;
      xb.set(data.x.subarray(i * inSize, (i + 1) * inSize), r * inSize);
    }
    let tb: Tensor;
    if (data.labels) {
      const lb = new Int32Array(count);
      for (let r = 0; r < count; r++) lb[r] = data.labels[order[start + r]!]!;
      tb = tensor(lb, [count]);
    } else {
      const vb = new Float32Array(count * outSize);
      for (let r = 0; r < count; r++) {
        const i = order[start + r]!;
        vb.set(data.values!.subarray(i * outSize, (i + 1) * outSize), r * outSize);
      }
      tb = tensor(vb, [count, ...this.outputShape]);
    }
    return { xb: tensor(xb, [count, ...this.inputShape]), tb };
  }

  /** Correct predictions in a batch: argmax for softmax, sign of the logit for binary cross-entropy. */
  private countCorrect(out: Tensor, data: Prepared, order: Int32Array, start: number, count: number): number {
    if (!this.metrics.includes('accuracy')) return 0;
    const o = out.view() as Float32Array;
    const outSize = shapeSize(this.outputShape);
    let correct = 0;
    if (this.lossId === 'softmax_cross_entropy') {
      for (let r = 0; r < count; r++) {
        const i = order[start + r]!;
        let best = 0;
        for (let c = 1; c < outSize; c++) if (o[r * outSize + c]! > o[r * outSize + best]!) best = c;
        let label: number;
        if (data.labels) label = data.labels[i]!;
        else {
          label = 0;
          for (let c = 1; c < outSize; c++) if (data.values![i * outSize + c]! > data.values![i * outSize + label]!) label = c;
        }
        if (best === label) correct++;
      }
      return correct;
    }
    for (let r = 0; r < count; r++) {
      const i = order[start + r]!;
      for (let c = 0; c < outSize; c++) if (o[r * outSize + c]! > 0 === data.values![i * outSize + c]! >= 0.5) correct++;
    }
    return correct;
  }

  private runStep(data: Prepared, order: Int32Array, start: number, count: number, epoch: number, step: number, history: History | null = null, observer: TrainingObserver | null = null): { loss: number; correct: number; count: number } {
    const { optimizer } = this.requireCompiled('fit');
    const params = this.parameters();
    let loss = NaN;
    let correct = 0;
    // Snapshot before the update: if this step's loss is not finite, the snapshot from the previous
    // step (the weights that produced the last finite loss) is restored.
    observer?.stepBegin?.(epoch, step);
    const onLayerOutput = observer?.layerOutput ? (i: number, t: Tensor) => observer.layerOutput!(i, t) : undefined;
    tidy(() => {
      const { xb, tb } = this.batchTensors(data, order, start, count);
      const out = this.forward(xb, { training: true, onLayerOutput });
      const l = this.lossFn(out, tb);
      loss = l.view()[0]!;
      if (!Number.isFinite(loss)) return;
      l.backward();
      correct = this.countCorrect(out, data, order, start, count);
    });
    if (!Number.isFinite(loss)) {
      optimizer.zeroGrad(params);
      this.restoreBackup();
      throw new NonFiniteLossError(epoch, step, loss, history, optimizer.currentLearningRate());
    }
    observer?.afterBackward?.();
    this.saveBackup();
    optimizer.step(params);
    observer?.afterUpdate?.((p) => this.backupOf?.get(p));
    optimizer.zeroGrad(params);
    const perSample = this.lossId === 'softmax_cross_entropy' ? count : count * shapeSize(this.outputShape);
    return { loss, correct, count: this.lossId === 'binary_cross_entropy' ? perSample : count };
  }

  private saveBackup(): void {
    const ws = this.weights();
    if (!this.backup) {
      // Snapshots belong to the model, not to any tidy scope the caller has open.
      this.backup = ws.map((p) => keep(empty(p.shape, 'float32', p.value.backend)));
      this.backupOf = new Map(ws.map((p, i) => [p, this.backup![i]!]));
    }
    ws.forEach((p, i) => p.value.backend.copyRange(p.value.storage, 0, this.backup![i]!.storage, 0, p.size));
  }

  private restoreBackup(): void {
    if (!this.backup) return;
    this.weights().forEach((p, i) => p.value.backend.copyRange(this.backup![i]!.storage, 0, p.value.storage, 0, p.size));
  }

  /** Trains for `epochs` passes over the data; resolves with the history (Keras' History shape). */
  async fit(x: Inputs, y: Targets, options: FitOptions = {}): Promise<History> {
    this.checkAlive();
    if (!options || typeof options !== 'object') throw new TypeError(`fit: options must be an object, got ${describe(options)}`);
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs <= 0) throw new RangeError(`fit: epochs must be a positive integer, got ${describe(epochs)}`);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`fit: batchSize must be a positive integer, got ${describe(batchSize)}`);
    if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new TypeError(`fit: shuffle must be a boolean, got ${describe(options.shuffle)}`);
    const shuffle = options.shuffle ?? true;
    const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks as Callbacks];
    callbacks.forEach((c, i) => {
      if (!c || typeof c !== 'object') throw new TypeError(`fit: callbacks[${i}] must be an object with onEpochEnd/onBatchEnd/… methods, got ${describe(c)}`);
    });
    const data = this.prepare(x, y, 'fit');
    let val: Prepared | null = null;
    if (options.validationData !== undefined) {
      if (!Array.isArray(options.validationData) || options.validationData.length !== 2) throw new TypeError(`fit: validationData must be [x, y], got ${describe(options.validationData)}`);
      val = this.prepare(options.validationData[0], options.validationData[1], 'fit (validationData)');
    }
    let observer: TrainingObserver | null = null;
    if (options.monitor !== undefined && options.monitor !== false) {
      if (options.monitor !== true && (typeof options.monitor !== 'object' || options.monitor === null || Array.isArray(options.monitor))) {
        throw new TypeError(`fit: monitor must be true, false or an object of monitor options, got ${describe(options.monitor)}`);
      }
      if (!fitMonitorFactory) throw new Error("fit: monitor needs the diagnostics module; import it (import 'rectifier' or src/monitors) before calling fit");
      observer = fitMonitorFactory(this, options.monitor === true ? {} : options.monitor, data.x);
    }
    const history: History = { epoch: [], history: { loss: [] } };
    if (this.metrics.includes('accuracy')) history.history.accuracy = [];
    if (val) {
      history.history.valLoss = [];
      if (this.metrics.includes('accuracy')) history.history.valAccuracy = [];
    }
    this.stopTraining = false;
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    let last: Logs | undefined;
    await observer?.trainBegin?.(history);
    for (const c of callbacks) await c.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
      for (const c of callbacks) await c.onEpochBegin?.(epoch);
      if (shuffle) this.trainRng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let counted = 0;
      let seen = 0;
      let batch = 0;
      for (let start = 0; start < data.n && !this.stopTraining; start += batchSize, batch++) {
        const count = Math.min(batchSize, data.n - start);
        const r = this.runStep(data, order, start, count, epoch, batch, history, observer);
        lossSum += r.loss * count;
        seen += count;
        correct += r.correct;
        counted += r.count;
        if (callbacks.some((c) => c.onBatchEnd)) {
          const logs = this.logsOf(r.loss, r.correct, r.count);
          for (const c of callbacks) await c.onBatchEnd?.(batch, logs);
        }
      }
      const logs = this.logsOf(lossSum / seen, correct, counted);
      if (val) {
        const v = this.evaluatePrepared(val, 256);
        logs.valLoss = v.loss;
        if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
      }
      history.epoch.push(epoch);
      history.history.loss.push(logs.loss);
      if (logs.accuracy !== undefined) history.history.accuracy!.push(logs.accuracy);
      if (logs.valLoss !== undefined) history.history.valLoss!.push(logs.valLoss);
      if (logs.valAccuracy !== undefined) history.history.valAccuracy!.push(logs.valAccuracy);
      if (options.verbose === 1) {
        const parts = Object.entries(logs).map(([k, v]) => `${k}: ${(v as number).toFixed(4)}`);
        console.log(`Epoch ${epoch + 1}/${epochs} - ${parts.join(' - ')}`);
      }
      last = logs;
      await observer?.epochEnd?.(epoch, logs, history);
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs);
      // Let timers and I/O run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await observer?.trainEnd?.(history);
    for (const c of callbacks) await c.onTrainEnd?.(last);
    return history;
  }

  /** Mean loss (and accuracy when compiled with it) over a dataset, in inference mode. */
  evaluate(x: Inputs, y: Targets, options: { batchSize?: number } = {}): Logs {
    this.checkAlive();
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`evaluate: batchSize must be a positive integer, got ${describe(batchSize)}`);
    return this.evaluatePrepared(this.prepare(x, y, 'evaluate'), batchSize);
  }

  private evaluatePrepared(data: Prepared, batchSize: number): Logs {
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    let lossSum = 0;
    let correct = 0;
    let counted = 0;
    const outSize = shapeSize(this.outputShape);
    noGrad(() => {
      for (let start = 0; start < data.n; start += batchSize) {
        const count = Math.min(batchSize, data.n - start);
        tidy(() => {
          const { xb, tb } = this.batchTensors(data, order, start, count);
          const out = this.forward(xb, { training: false });
          lossSum += this.lossFn(out, tb).view()[0]! * count;
          correct += this.countCorrect(out, data, order, start, count);
          counted += this.lossId === 'binary_cross_entropy' ? count * outSize : count;
        });
      }
    });
    return this.logsOf(lossSum / data.n, correct, counted);
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
  toJSON(): { className: 'Sequential'; name: string; inputShape: number[]; seed: number; layers: LayerConfig[] } {
    return { className: 'Sequential', name: this.name, inputShape: [...this.inputShape], seed: this.seed, layers: this.layers.map((l) => l.toJSON()) };
  }

  /**
   * Saves weights and, in the safetensors `__metadata__`, the architecture and training configuration as
   * JSON, atomically. Tensor names are `<layer>.<weight>` (dense_1.kernel …). With `{ layout: 'pytorch' }`
   * it writes the state_dict of the equivalent PyTorch nn.Sequential instead (`0.weight` …, PyTorch's
   * layouts, see pytorch.ts), which `model.load_state_dict(safetensors.torch.load_file(path))` accepts.
   */
  save(path: string, options: { readonly layout?: 'rectifier' | 'pytorch' } = {}): void {
    this.checkAlive();
    if (typeof path !== 'string' || path === '') throw new TypeError(`save: path must be a non-empty string, got ${describe(path)}`);
    if (!options || typeof options !== 'object') throw new TypeError(`save: options must be an object like { layout: 'pytorch' }, got ${describe(options)}`);
    const layout = options.layout ?? 'rectifier';
    if (layout !== 'rectifier' && layout !== 'pytorch') throw new TypeError(`save: layout must be 'rectifier' or 'pytorch', got ${describe(layout)}`);
    if (layout === 'pytorch') {
      writeFileAtomic(path, encodeSafetensors(toTorchStateDict(this), { format: 'pt' }));
      return;
    }
    const tensors = new Map<string, NamedArray>();
    for (const l of this.layers) for (const p of l.weights()) tensors.set(`${l.name}.${p.name}`, { shape: p.shape, data: p.value.data as Float32Array });
    const metadata: Record<string, string> = { format: 'rectifier', 'rectifier.version': '1', architecture: JSON.stringify(this.toJSON()) };
    if (this.optimizer && this.lossId) {
      metadata.training = JSON.stringify({ optimizer: this.optimizer.getConfig(), loss: this.lossId, metrics: this.metrics });
    }
    writeFileAtomic(path, encodeSafetensors(tensors, metadata));
  }

  /**
   * Writes the model as an ONNX file, atomically (`exportOnnx` in onnx/ says how; `options` are its
   * options: opset, inputLayout).
   */
  exportOnnx(path: string, options: Readonly<Record<string, unknown>> = {}): void {
    this.checkAlive();
    if (typeof path !== 'string' || path === '') throw new TypeError(`exportOnnx: path must be a non-empty string, got ${describe(path)}`);
    if (!onnxExporter) throw new Error('exportOnnx: the ONNX writer is not loaded; import the package (or src/onnx) to write ONNX');
    writeFileAtomic(path, onnxExporter(this, options));
  }

  /** Frees the weights, the optimizer state and the training snapshot. */
  dispose(): void {
    if (this.disposed) return;
    for (const l of this.layers) l.dispose();
    this.optimizer?.dispose();
    for (const t of this.backup ?? []) t.dispose();
    this.backup = null;
    this.backupOf = null;
    this.disposed = true;
  }
}

function checkFinite(where: string, v: Float32Array): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new RangeError(`${where}: y holds ${v[i]} at index ${i}; targets must be finite`);
  }
}

/** A Keras-style sequential model: `sequential({ inputShape: [2], layers: [...], seed: 1 })`. */
export function sequential(options: SequentialOptions): Sequential {
  return new Sequential(options);
}

/** Writes a model as ONNX bytes; set by onnx/, which sits above nn and so cannot be imported here. */
export type OnnxExporter = (model: Sequential, options: Readonly<Record<string, unknown>>) => Uint8Array;
let onnxExporter: OnnxExporter | null = null;

export function setOnnxExporter(exporter: OnnxExporter): void {
  onnxExporter = exporter;
}

/**
 * A reader for model files in another format, registered by the module that knows the format (onnx/
 * registers ONNX): nn sits below those modules, so it cannot import them.
 */
export interface ModelReader {
  readonly format: string;
  /** True when the first 16 bytes of a file that is not safetensors are this format's. */
  readonly detect: (head: Uint8Array) => boolean;
  readonly read: (path: string, options?: Readonly<Record<string, unknown>>) => Sequential;
}

const modelReaders: ModelReader[] = [];

export function registerModelReader(reader: ModelReader): void {
  if (!modelReaders.some((r) => r.format === reader.format)) modelReaders.push(reader);
}

/** A safetensors file (even a damaged one): an 8-byte header length, then the JSON header's '{'. */
function looksLikeSafetensors(head: Uint8Array): boolean {
  return head.length >= 9 && head[8] === 0x7b;
}

/**
 * Loads a model: a file written by `model.save` (architecture, weights and, when saved, the compile
 * settings), or a file of a registered format (an ONNX model once onnx/ is loaded, with `options`
 * passed to its importer). The format is decided by the file's first bytes, not by its name.
 */
export function loadModel(path: string, options?: Readonly<Record<string, unknown>>): Sequential {
  if (typeof path !== 'string' || path === '') throw new TypeError(`loadModel: path must be a non-empty string, got ${describe(path)}`);
  const fd = openSync(path, 'r');
  const head = new Uint8Array(16);
  let size: number;
  try {
    size = fstatSync(fd).size;
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (!looksLikeSafetensors(head.subarray(0, Math.min(16, size)))) {
    const reader = modelReaders.find((r) => r.detect(head.subarray(0, Math.min(16, size))));
    if (reader) return reader.read(path, options);
  }
  return loadSafetensorsModel(path);
}

function loadSafetensorsModel(path: string): Sequential {
  const { tensors, metadata } = readSafetensors(path);
  if (!metadata.architecture) throw new Error(`${path}: no architecture in the safetensors __metadata__; it was not saved by model.save (read its tensors with readSafetensors)`);
  let arch: ReturnType<Sequential['toJSON']>;
  try {
    arch = JSON.parse(metadata.architecture);
  } catch (e) {
    throw new Error(`${path}: the architecture in __metadata__ is not valid JSON (${(e as Error).message})`);
  }
  if (!arch || arch.className !== 'Sequential' || !Array.isArray(arch.layers)) throw new Error(`${path}: the architecture in __metadata__ is not a Sequential model`);
  const model = new Sequential({ inputShape: arch.inputShape, seed: arch.seed, name: arch.name, layers: arch.layers.map((l) => layerFromConfig(l)) });
  try {
    const expected = new Set<string>();
    for (const l of model.layers) {
      for (const p of l.weights()) {
        const key = `${l.name}.${p.name}`;
        expected.add(key);
        const t = tensors.get(key);
        if (!t) throw new Error(`${path}: weight "${key}" is missing`);
        if (t.shape.join() !== p.shape.join()) throw new Error(`${path}: weight "${key}" has shape [${t.shape.join(', ')}] but the architecture needs [${p.shape.join(', ')}]`);
        p.assign(t.data);
      }
    }
    for (const key of tensors.keys()) if (!expected.has(key)) throw new Error(`${path}: tensor "${key}" does not belong to any layer of the architecture`);
    if (metadata.training) {
      const training = JSON.parse(metadata.training) as { optimizer: Record<string, unknown>; loss: LossId; metrics: MetricId[] };
      model.compile({ optimizer: optimizerFromConfig(training.optimizer), loss: training.loss, metrics: training.metrics });
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
