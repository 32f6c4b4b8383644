/**
 * Training a compiled model: the loss, the metrics and the optimizer that `compile` chose, the training
 * loop (`fit`), one step (`trainStep`), and `evaluate`. Every step runs inside `tidy`, so a step's
 * intermediates (activations, tape, gradients other than the parameters') are freed when it ends;
 * parameter gradients are cleared after the update. When a loss is not finite the weights of the last
 * finite loss are restored from a snapshot taken before each update. `fit` writes checkpoints and resumes
 * from them (./checkpoint.ts): a resumed run ends with the weights it would have had without stopping.
 */
import type { Parameter } from '../../autograd/parameter.js';
import { noGrad } from '../../autograd/tape.js';
import { Optimizer, adam, adamw, sgd } from '../../optim/optimizers.js';
import { shapeSize, empty } from '../../tensor/create.js';
import { keep, tidy, type Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import { Rng } from '../../util/random.js';
import { getLoss, type LossId } from '../losses.js';
import type { Layer } from '../layer.js';
import { FitInterruptedError, NonFiniteLossError, type Callbacks, type History, type Logs } from './callbacks.js';
import {
  checkpointPlan, checkSameModel, fingerprint, namedParameters, readCheckpoint, restoreWeights, samePath, writeCheckpoint,
  type CheckpointOptions, type CheckpointState, type EpochSums, type TrainingPosition,
} from './checkpoint.js';
import { batchTensors, countCorrect, prepareData, type Inputs, type Prepared, type Targets } from './data.js';

export type MetricId = 'accuracy';

export interface CompileOptions {
  /** An optimizer (optimizers.sgd({...}) …) or its name with default settings. */
  readonly optimizer: Optimizer | 'sgd' | 'adam' | 'adamw';
  readonly loss: LossId | 'cross_entropy' | 'mean_squared_error';
  readonly metrics?: readonly MetricId[];
}

export interface FitOptions {
  /** Passes over the data (default 1; when resuming, the checkpoint's). */
  readonly epochs?: number;
  /** Default 32; when resuming, the checkpoint's (a different one is an error). */
  readonly batchSize?: number;
  /** Default true; when resuming, the checkpoint's (a different one is an error). */
  readonly shuffle?: boolean;
  readonly validationData?: readonly [Inputs, Targets];
  /** Keras-style callbacks, and diagnostics such as `monitor()` from src/monitors. */
  readonly callbacks?: Callbacks | readonly Callbacks[];
  /** 0 silent (default), 1 one line per epoch. */
  readonly verbose?: 0 | 1;
  /**
   * Write checkpoints into a directory (./checkpoint.ts describes its files): every epoch by default,
   * `every: n` epochs, `every: { steps: n }`, or only on interruption (`every: 'interrupt'`).
   */
  readonly checkpoint?: CheckpointOptions;
  /**
   * Continue from the latest checkpoint in this directory: weights, optimizer state, schedule position,
   * the Rng's stream, the sample order and the history, so that the run ends with the weights it would
   * have had without stopping. The model must be built and compiled as the checkpoint's was, and x and y
   * must be the same data (both are checked).
   */
  readonly resume?: string;
  /**
   * Stops training when it aborts: the step in progress finishes, a checkpoint is written (with the
   * checkpoint option) and fit rejects with a FitInterruptedError that says how to resume.
   */
  readonly signal?: AbortSignal;
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
  /** The architecture as plain data (checkpoints store it and check it on resume). */
  toJSON(): object;
  /** The compile settings as plain data, or null. */
  trainingConfig(): object | null;
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
    if (options.epochs !== undefined && (!Number.isInteger(options.epochs) || options.epochs <= 0)) throw new RangeError(`fit: epochs must be a positive integer, got ${describe(options.epochs)}`);
    if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize <= 0)) throw new RangeError(`fit: batchSize must be a positive integer, got ${describe(options.batchSize)}`);
    if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new TypeError(`fit: shuffle must be a boolean, got ${describe(options.shuffle)}`);
    const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks as Callbacks];
    callbacks.forEach((c, i) => {
      if (!c || typeof c !== 'object') throw new TypeError(`fit: callbacks[${i}] must be an object with onEpochEnd/onBatchEnd/… methods, got ${describe(c)}`);
    });
    const plan = options.checkpoint === undefined ? null : checkpointPlan(options.checkpoint, 'fit');
    if (options.resume !== undefined && (typeof options.resume !== 'string' || options.resume === '')) {
      throw new TypeError(`fit: resume must be the path of a checkpoint directory, got ${describe(options.resume)}`);
    }
    const signal = options.signal;
    if (signal !== undefined && (!signal || typeof signal.aborted !== 'boolean')) throw new TypeError(`fit: signal must be an AbortSignal (new AbortController().signal), got ${describe(signal)}`);
    const data = this.prepare(x, y, 'fit');
    let val: Prepared | null = null;
    if (options.validationData !== undefined) {
      if (!Array.isArray(options.validationData) || options.validationData.length !== 2) throw new TypeError(`fit: validationData must be [x, y], got ${describe(options.validationData)}`);
      val = this.prepare(options.validationData[0], options.validationData[1], 'fit (validationData)');
    }
    const resumed = options.resume === undefined ? null : readCheckpoint(options.resume, 'fit: resume');
    const { epochs, batchSize, shuffle } = resumed ? resumedSettings(options, resumed.state, val !== null) : {
      epochs: options.epochs ?? 1, batchSize: options.batchSize ?? 32, shuffle: options.shuffle ?? true,
    };
    const model = this.model;
    const stepsPerEpoch = Math.ceil(data.n / batchSize);
    const fingerprints = plan || resumed ? { inputsCrc32: fingerprint(data.x), targetsCrc32: fingerprint(data.labels ?? data.values!) } : null;
    let history: History = { epoch: [], history: { loss: [] } };
    if (this.metrics.includes('accuracy')) history.history.accuracy = [];
    if (val) {
      history.history.valLoss = [];
      if (this.metrics.includes('accuracy')) history.history.valAccuracy = [];
    }
    const order = Int32Array.from({ length: data.n }, (_, i) => i);
    let position: TrainingPosition = { epoch: 0, step: 0, globalStep: 0 };
    let sums: EpochSums = { lossSum: 0, seen: 0, correct: 0, counted: 0 };
    let finished = false;
    if (resumed) {
      const { state } = resumed;
      if (state.data.samples !== data.n || state.data.inputsCrc32 !== fingerprints!.inputsCrc32 || state.data.targetsCrc32 !== fingerprints!.targetsCrc32) {
        throw new Error(`fit: resume: the training data differs from the checkpoint's (${state.data.samples} samples, CRC-32 ${state.data.inputsCrc32}/${state.data.targetsCrc32}; given ${data.n} samples, ${fingerprints!.inputsCrc32}/${fingerprints!.targetsCrc32}); resume with the same x and y`);
      }
      checkSameModel(model, resumed.model, resumed.files.model);
      new Rng().setState(state.rng); // checked before anything changes
      this.optimizer.importState(namedParameters(model.layers), resumed.optimizer, resumed.files.state);
      restoreWeights(model, resumed.model, resumed.files.model);
      model.rng.setState(state.rng);
      order.set(resumed.order);
      position = state.position;
      sums = state.epochSums;
      history = JSON.parse(JSON.stringify(state.history)) as History;
      finished = state.position.complete && epochs <= state.fit.epochs;
    }
    // A position already written is not written again; resuming into the directory it writes, the
    // resumed position is already there.
    const key = (at: TrainingPosition, complete: boolean) => `${at.epoch}/${at.step}/${at.globalStep}/${complete}`;
    let lastWritten = resumed && plan && samePath(plan.path, options.resume!) ? key(position, resumed.state.position.complete) : '';
    const write = (at: TrainingPosition, epochSums: EpochSums, complete: boolean): void => {
      if (!plan || key(at, complete) === lastWritten) return;
      writeCheckpoint(plan.path, {
        model,
        state: {
          position: { ...at, stepsPerEpoch, complete },
          fit: { epochs, batchSize, shuffle, validation: val !== null },
          data: { samples: data.n, ...fingerprints! },
          optimizer: { config: this.optimizer.getConfig(), iterations: this.optimizer.iterations, nextLearningRate: this.optimizer.currentLearningRate() },
          rng: model.rng.getState(),
          epochSums,
          history,
          metadata: plan.metadata,
        },
        optimizer: this.optimizer.exportState(namedParameters(model.layers)),
        order,
      });
      lastWritten = key(at, complete);
    };
    const interrupt = (at: TrainingPosition, epochSums: EpochSums): FitInterruptedError => {
      write(at, epochSums, false);
      return new FitInterruptedError(at.epoch, at.step, plan ? plan.path : null, history);
    };
    const every = plan?.every ?? null;
    const everySteps = every && 'steps' in every ? every.steps : 0;
    const everyEpochs = every && 'epochs' in every ? every.epochs : 0;

    model.stopTraining = false;
    let last: Logs | undefined;
    const resumedFrom = resumed ? { epoch: position.epoch, step: position.step, globalStep: position.globalStep } : null;
    for (const c of callbacks) await c.onTrainBegin?.({ model, inputs: data.x, history, epochs, batchSize, resumedFrom });
    let globalStep = position.globalStep;
    let lastYield = performance.now();
    for (let epoch = position.epoch; epoch < epochs && !finished && !model.stopTraining; epoch++) {
      const first = epoch === position.epoch ? position.step : 0;
      let { lossSum, seen, correct, counted } = first > 0 ? sums : { lossSum: 0, seen: 0, correct: 0, counted: 0 };
      if (first === 0 && signal?.aborted) throw interrupt({ epoch, step: 0, globalStep }, { lossSum, seen, correct, counted });
      for (const c of callbacks) await c.onEpochBegin?.(epoch);
      // A resumed epoch was shuffled before its checkpoint: its order is the checkpoint's.
      if (shuffle && first === 0) model.rng.shuffle(order);
      for (let batch = first; batch < stepsPerEpoch && !model.stopTraining; batch++) {
        const start = batch * batchSize;
        const count = Math.min(batchSize, data.n - start);
        const r = this.runStep(data, order, start, count, epoch, batch, history, callbacks);
        globalStep++;
        lossSum += r.loss * count;
        seen += count;
        correct += r.correct;
        counted += r.count;
        if (callbacks.some((c) => c.onBatchEnd)) {
          const logs = this.logsOf(r.loss, r.correct, r.count);
          for (const c of callbacks) await c.onBatchEnd?.(batch, logs);
        }
        // Mid-epoch checkpoints; the one after an epoch's last step is written at the epoch's end.
        if (batch + 1 < stepsPerEpoch && !model.stopTraining) {
          const at = { epoch, step: batch + 1, globalStep };
          if (signal?.aborted) throw interrupt(at, { lossSum, seen, correct, counted });
          if (everySteps && globalStep % everySteps === 0) write(at, { lossSum, seen, correct, counted }, false);
        }
        // Let a signal's handler run (a timer or Ctrl-C): a macrotask now and then costs nothing measurable.
        if (signal && performance.now() - lastYield > 25) {
          await yieldToEventLoop();
          lastYield = performance.now();
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
      const next = { epoch: epoch + 1, step: 0, globalStep };
      const zero = { lossSum: 0, seen: 0, correct: 0, counted: 0 };
      if (epoch + 1 >= epochs || model.stopTraining) {
        if (every) write(next, zero, true);
      } else if ((everyEpochs && (epoch + 1) % everyEpochs === 0) || (everySteps && globalStep % everySteps === 0)) {
        write(next, zero, false);
      }
      await yieldToEventLoop();
      lastYield = performance.now();
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
 * The epochs, batch size and shuffling of a resumed run: the checkpoint's, unless given; a batch size
 * or shuffling that differs is an error (the run could not continue as it began), and so is an epoch
 * count below what the checkpoint has already trained.
 */
function resumedSettings(options: FitOptions, state: CheckpointState, validation: boolean): { epochs: number; batchSize: number; shuffle: boolean } {
  const stored = state.fit;
  for (const key of ['batchSize', 'shuffle'] as const) {
    if (options[key] !== undefined && options[key] !== stored[key]) {
      throw new Error(`fit: resume: ${key} ${options[key]} conflicts with the checkpoint's ${stored[key]}; a resumed run keeps the settings it began with (omit ${key} to use them)`);
    }
  }
  if (validation !== stored.validation) {
    throw new Error(`fit: resume: the checkpoint's run ${stored.validation ? 'had' : 'had no'} validationData and this call ${validation ? 'has' : 'has none'}; pass the same validation data`);
  }
  const epochs = options.epochs ?? stored.epochs;
  const done = state.position.epoch + (state.position.step > 0 ? 1 : 0);
  if (epochs < done) throw new RangeError(`fit: resume: epochs ${epochs} is fewer than the ${done} the checkpoint has begun or finished`);
  return { epochs, batchSize: stored.batchSize, shuffle: stored.shuffle };
}

/**
 * Lets timers, I/O and the page run between epochs: a macrotask (a resolved promise would not let timers
 * run). setImmediate where it exists (Node: no 1 ms clamp), setTimeout elsewhere (browsers).
 */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
