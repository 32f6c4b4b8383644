/**
 * Training a compiled model: the loss, the metrics and the optimizer that `compile` chose, the training
 * loop (`fit`), one step (`trainStep`), and `evaluate`. Every step runs inside `tidy`, so a step's
 * intermediates (activations, tape, gradients other than the parameters') are freed when it ends;
 * parameter gradients are cleared after the update. When a loss is not finite the weights of the last
 * finite loss are restored from a snapshot taken before each update.
 */
import type { Parameter } from '../../autograd/parameter.js';
import { noGrad } from '../../autograd/tape.js';
import { Optimizer, adam, adamw, sgd } from '../../optim/optimizers.js';
import { shapeSize, empty } from '../../tensor/create.js';
import { keep, tidy, type Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Rng } from '../../util/random.js';
import { getLoss, type LossId } from '../losses.js';
import type { Layer } from '../layer.js';
import { NonFiniteLossError, type Callbacks, type History, type Logs } from './callbacks.js';
import { batchTensors, countCorrect, prepareData, type Inputs, type Prepared, type Targets } from './data.js';

export type MetricId = 'accuracy';

export interface CompileOptions {
  /** An optimizer (optimizers.sgd({...}) …) or its name with default settings. */
  readonly optimizer: Optimizer | 'sgd' | 'adam' | 'adamw';
  readonly loss: LossId | 'cross_entropy' | 'mean_squared_error';
  readonly metrics?: readonly MetricId[];
}

export interface FitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
  readonly validationData?: readonly [Inputs, Targets];
  /** Keras-style callbacks, and diagnostics such as `monitor()` from src/monitors. */
  readonly callbacks?: Callbacks | readonly Callbacks[];
  /** 0 silent (default), 1 one line per epoch. */
  readonly verbose?: 0 | 1;
}

/** What the trainer needs of the model it trains (a Sequential). */
export interface TrainableModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly layers: readonly Layer[];
  /** The training stream: shuffling, dropout masks, rrelu slopes. */
  readonly rng: Rng;
  /** Set from a callback to stop `fit` after the current batch. */
  stopTraining: boolean;
  forward(x: Tensor, options: { training?: boolean; onLayerOutput?: (layerIndex: number, output: Tensor) => void }): Tensor;
  parameters(): Parameter[];
  weights(): Parameter[];
}

/** The loss, metrics and optimizer of a compiled model, and its training loop. */
export class Trainer {
  readonly optimizer: Optimizer;
  readonly lossId: LossId;
  readonly metrics: readonly MetricId[];
  /** The weights before the last update: restored after a non-finite loss, read by the monitor's update ratio. */
  private snapshot: Tensor[] | null = null;
  private snapshotOf: Map<Parameter, Tensor> | null = null;

  constructor(private readonly model: TrainableModel, options: CompileOptions) {
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
    if (this.lossId === 'softmax_cross_entropy' && model.outputShape.length !== 1) {
      throw new RangeError(`compile: softmax_cross_entropy needs outputs of shape [classes] per sample, but the model outputs [${model.outputShape.join(', ')}]; add a flatten and a dense layer`);
    }
  }

  /** The loss of outputs against targets (a scalar tensor on the tape). */
  loss(output: Tensor, targets: Tensor): Tensor {
    return getLoss(this.lossId).fn(output, targets);
  }

  /** The training configuration as saved files keep it. */
  toJSON(): { optimizer: Record<string, unknown>; loss: LossId; metrics: MetricId[] } {
    return { optimizer: this.optimizer.getConfig(), loss: this.lossId, metrics: [...this.metrics] };
  }

  prepare(x: Inputs, y: Targets, where: string): Prepared {
    return prepareData(this.model, this.lossId, x, y, where);
  }

  private logsOf(loss: number, correct: number, count: number): Logs {
    const logs: Logs = { loss };
    if (this.metrics.includes('accuracy')) logs.accuracy = count ? correct / count : 0;
    return logs;
  }

  /** One step on one batch: forward, loss, backward, update, gradients cleared. */
  trainStep(x: Inputs, y: Targets): Logs {
    const data = this.prepare(x, y, 'trainStep');
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    const r = this.runStep(data, order, 0, data.n, 0, 0);
    return this.logsOf(r.loss, r.correct, r.count);
  }

  private runStep(
    data: Prepared, order: Int32Array, start: number, count: number, epoch: number, step: number,
    history: History | null = null, callbacks: readonly Callbacks[] = [],
  ): { loss: number; correct: number; count: number } {
    const { optimizer, model } = this;
    const params = model.parameters();
    const counting = this.metrics.includes('accuracy');
    let loss = NaN;
    let correct = 0;
    for (const c of callbacks) c.onStepBegin?.(epoch, step);
    const watchers = callbacks.filter((c) => c.onLayerOutput);
    const onLayerOutput = watchers.length ? (i: number, t: Tensor) => { for (const c of watchers) c.onLayerOutput!(i, t); } : undefined;
    tidy(() => {
      const { xb, tb } = batchTensors(model, data, order, start, count);
      const out = model.forward(xb, { training: true, onLayerOutput });
      const l = this.loss(out, tb);
      loss = l.view()[0]!;
      if (!Number.isFinite(loss)) return;
      l.backward();
      if (counting) correct = countCorrect(this.lossId, out, data, order, start, count);
    });
    if (!Number.isFinite(loss)) {
      optimizer.zeroGrad(params);
      this.restoreSnapshot();
      throw new NonFiniteLossError(epoch, step, loss, history, optimizer.currentLearningRate());
    }
    for (const c of callbacks) c.onAfterBackward?.();
    this.takeSnapshot();
    optimizer.step(params);
    for (const c of callbacks) c.onAfterUpdate?.((p) => this.snapshotOf?.get(p));
    optimizer.zeroGrad(params);
    const perSample = this.lossId === 'softmax_cross_entropy' ? count : count * shapeSize(model.outputShape);
    return { loss, correct, count: this.lossId === 'binary_cross_entropy' ? perSample : count };
  }

  private takeSnapshot(): void {
    const ws = this.model.weights();
    if (!this.snapshot) {
      // Snapshots belong to the model, not to any tidy scope the caller has open.
      this.snapshot = ws.map((p) => keep(empty(p.shape, 'float32', p.value.backend)));
      this.snapshotOf = new Map(ws.map((p, i) => [p, this.snapshot![i]!]));
    }
    ws.forEach((p, i) => p.value.backend.copyRange(p.value.storage, 0, this.snapshot![i]!.storage, 0, p.size));
  }

  private restoreSnapshot(): void {
    if (!this.snapshot) return;
    this.model.weights().forEach((p, i) => p.value.backend.copyRange(this.snapshot![i]!.storage, 0, p.value.storage, 0, p.size));
  }

  /** Trains for `epochs` passes over the data; resolves with the history (Keras' History shape). */
  async fit(x: Inputs, y: Targets, options: FitOptions = {}): Promise<History> {
    if (!options || typeof options !== 'object') throw new TypeError(`fit: options must be an object, got ${describe(options)}`);
    if ('monitor' in options) {
      throw new TypeError("fit: the monitor is a callback now: fit(x, y, { callbacks: [monitor({ every: 20 })] }) with monitor from 'rectifier'; its results are on that object (.epochs, .initial)");
    }
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
    const model = this.model;
    const history: History = { epoch: [], history: { loss: [] } };
    if (this.metrics.includes('accuracy')) history.history.accuracy = [];
    if (val) {
      history.history.valLoss = [];
      if (this.metrics.includes('accuracy')) history.history.valAccuracy = [];
    }
    model.stopTraining = false;
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    let last: Logs | undefined;
    for (const c of callbacks) await c.onTrainBegin?.({ model, inputs: data.x, history, epochs, batchSize });
    for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
      for (const c of callbacks) await c.onEpochBegin?.(epoch);
      if (shuffle) model.rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let counted = 0;
      let seen = 0;
      let batch = 0;
      for (let start = 0; start < data.n && !model.stopTraining; start += batchSize, batch++) {
        const count = Math.min(batchSize, data.n - start);
        const r = this.runStep(data, order, start, count, epoch, batch, history, callbacks);
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
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, history);
      await yieldToEventLoop();
    }
    for (const c of callbacks) await c.onTrainEnd?.(last, history);
    return history;
  }

  /** Mean loss (and accuracy when compiled with it) over a dataset, in inference mode. */
  evaluate(x: Inputs, y: Targets, options: { batchSize?: number } = {}): Logs {
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`evaluate: batchSize must be a positive integer, got ${describe(batchSize)}`);
    return this.evaluatePrepared(this.prepare(x, y, 'evaluate'), batchSize);
  }

  private evaluatePrepared(data: Prepared, batchSize: number): Logs {
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    const counting = this.metrics.includes('accuracy');
    let lossSum = 0;
    let correct = 0;
    let counted = 0;
    const outSize = shapeSize(this.model.outputShape);
    noGrad(() => {
      for (let start = 0; start < data.n; start += batchSize) {
        const count = Math.min(batchSize, data.n - start);
        tidy(() => {
          const { xb, tb } = batchTensors(this.model, data, order, start, count);
          const out = this.model.forward(xb, { training: false });
          lossSum += this.loss(out, tb).view()[0]! * count;
          if (counting) correct += countCorrect(this.lossId, out, data, order, start, count);
          counted += this.lossId === 'binary_cross_entropy' ? count * outSize : count;
        });
      }
    });
    return this.logsOf(lossSum / data.n, correct, counted);
  }

  /** Frees the optimizer state and the snapshot. */
  dispose(): void {
    this.optimizer.dispose();
    for (const t of this.snapshot ?? []) t.dispose();
    this.snapshot = null;
    this.snapshotOf = null;
  }
}

/**
 * Lets timers, I/O and the page run between epochs: a macrotask (a resolved promise would not let timers
 * run). setImmediate where it exists (Node: no 1 ms clamp), setTimeout elsewhere (browsers).
 */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
