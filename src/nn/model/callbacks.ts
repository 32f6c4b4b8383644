/**
 * What `fit` reports, and what it calls while it trains. Callbacks are Keras' (`onEpochEnd(epoch, logs)`
 * …) plus the hooks a diagnostic needs to watch training from inside, where Keras' callbacks cannot see:
 * each layer's output in a training forward, the gradients before the update, the size of the update.
 * The fit monitor of src/monitors is one such callback: `fit(x, y, { callbacks: [monitor()] })`.
 */
import type { Parameter } from '../../autograd/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';

/** What `fit` reports per batch and per epoch. */
export interface Logs {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface History {
  readonly epoch: number[];
  readonly history: { loss: number[]; accuracy?: number[]; valLoss?: number[]; valAccuracy?: number[] };
}

/** What a callback learns when training begins. */
export interface TrainBegin {
  /** The model being trained (a `Sequential`; typed loosely here to keep this module free of it). */
  readonly model: TrainedModel;
  /** The training inputs, whole samples of the model's input shape. */
  readonly inputs: Float32Array;
  /** The history fit fills in and returns. */
  readonly history: History;
  readonly epochs: number;
  readonly batchSize: number;
  /**
   * Where a resumed run continues (`fit(…, { resume })`): the epoch and the step within it of the next
   * step, and the steps run before it; null for a run from the start. A resumed run's callbacks see only
   * what happens from there: `history` already holds the earlier epochs, `onEpochBegin` is called for the
   * epoch it continues (even mid-epoch), `onBatchEnd` for the steps it runs, and that epoch's `onEpochEnd`
   * logs cover all of its steps.
   */
  readonly resumedFrom: { readonly epoch: number; readonly step: number; readonly globalStep: number } | null;
}

/** The part of a model callbacks may rely on. */
export interface TrainedModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}

export interface Callbacks {
  onTrainBegin?(info: TrainBegin): void | Promise<void>;
  onTrainEnd?(logs: Logs | undefined, history: History): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, history: History): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  /** Diagnostics: a training step begins (epoch and step within it, from 0). */
  onStepBegin?(epoch: number, step: number): void;
  /** Diagnostics: a layer's output in a training forward, inside the step's tidy scope (freed when the step ends). */
  onLayerOutput?(layerIndex: number, output: Tensor): void;
  /** Diagnostics: after backward, before the update: the parameters' gradients are readable. Skipped when the loss is not finite. */
  onAfterBackward?(): void;
  /**
   * Diagnostics: after the optimizer update, before the gradients are cleared. `before` gives a
   * parameter's values as they were before this update (the model's own snapshot).
   */
  onAfterUpdate?(before: (p: Parameter) => Tensor | undefined): void;
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

/**
 * Thrown by `fit` when its `signal` aborts: the step in progress finished, and a checkpoint was written
 * when fit had a `checkpoint` option (resume with `fit(x, y, { resume: checkpoint })`).
 */
export class FitInterruptedError extends Error {
  constructor(
    /** The epoch of the next step (from 0). */
    readonly epoch: number,
    /** The next step within that epoch (from 0). */
    readonly step: number,
    /** The checkpoint directory written, or null when fit had no checkpoint option. */
    readonly checkpoint: string | null,
    readonly history: History,
  ) {
    super(
      `training was interrupted before epoch ${epoch + 1}, step ${step + 1}; ` +
        (checkpoint !== null ? `a checkpoint was written to ${checkpoint}: continue with fit(x, y, { resume: ${JSON.stringify(checkpoint)} })` : 'no checkpoint was written (fit had no checkpoint option)'),
    );
    this.name = 'FitInterruptedError';
  }
}
