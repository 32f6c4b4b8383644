/**
 * What the experiments share: the data (loaded once per process), the two model shapes they compare
 * activations in (an MLP and a small CNN), a training loop that stops at Ctrl-C and survives divergence,
 * and per-layer gradient norms at a point in time.
 */
import { zeroGrad } from '../autograd/tape.js';
import { fashionMnist } from '../data/fashion-mnist.js';
import { mnist } from '../data/mnist.js';
import { flatten, take, type Dataset, type Split } from '../data/dataset.js';
import { TransformLayer, cnn as cnnPreset, mlp as mlpPreset, type CnnPreset } from '../nn/index.js';
import type { InitializerLike } from '../nn/init.js';
import { NonFiniteLossError, type Callbacks, type History, type Logs, type Sequential } from '../nn/index.js';
import { getLoss } from '../nn/losses.js';
import { monitor, type EpochHealth, type MonitorOptions } from '../monitors/index.js';
import { tensor } from '../tensor/create.js';
import { Tensor, tidy } from '../tensor/tensor.js';

export type ImageSetName = 'fashion-mnist' | 'mnist';

const loaded = new Map<ImageSetName, Promise<Split>>();

/** Fashion-MNIST or MNIST, loaded once per process however many experiments ask. */
export function loadImages(name: ImageSetName): Promise<Split> {
  if (name !== 'fashion-mnist' && name !== 'mnist') throw new TypeError(`loadImages: name must be "fashion-mnist" or "mnist", got ${JSON.stringify(name)}`);
  let p = loaded.get(name);
  if (!p) {
    p = name === 'fashion-mnist' ? fashionMnist() : mnist();
    // A failed load should not poison later attempts.
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

/**
 * The first `trainSize` training and `testSize` test images (both sets are class-interleaved, so any prefix
 * is balanced), flattened to vectors when `flat`.
 */
export async function imageData(name: ImageSetName, trainSize: number, testSize: number, flat: boolean): Promise<{ train: Dataset; test: Dataset }> {
  const split = await loadImages(name);
  const train = take(split.train, Math.min(trainSize, split.train.length));
  const test = take(split.test, Math.min(testSize, split.test.length));
  return flat ? { train: flatten(train), test: flatten(test) } : { train, test };
}

export interface MlpSpec {
  /** Features per sample. */
  readonly inputs: number;
  /** Units of each hidden layer. */
  readonly hidden: readonly number[];
  /** Any id of the activation table; `prelu` is a learnable PReLU layer (see src/nn/presets.ts). */
  readonly activation: string;
  readonly outputs: number;
  /** Kernel initializer of the hidden layers (default: the activation's own, see src/nn/init.ts). */
  readonly init?: InitializerLike;
  /** Bias initializer of the hidden layers (default zeros). */
  readonly biasInit?: InitializerLike;
  readonly seed: number;
}

/** A fully connected network on vectors: the lab's MLP preset (src/nn/presets.ts). */
export function mlp(spec: MlpSpec): Sequential {
  const { inputs, ...rest } = spec;
  return mlpPreset({ ...rest, inputShape: [inputs] });
}

/** The lab's CNN preset (src/nn/presets.ts): 3×3 'valid' convolutions, each followed by a 2×2 max-pool. */
export function cnn(spec: CnnPreset): Sequential {
  return cnnPreset(spec);
}

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly signal: AbortSignal;
  /** Called after every optimizer step with the running step count (from 1) and the batch's logs. */
  readonly onStep?: (step: number, logs: Logs) => void | Promise<void>;
  readonly onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  /** Diagnostics during training (src/monitors' fit monitor with these options); its epochs come back in `health`. */
  readonly monitor?: MonitorOptions;
}

export interface TrainOutcome {
  readonly history: History;
  /** Wall time of `fit`, callbacks included. */
  readonly seconds: number;
  readonly steps: number;
  /** True when Ctrl-C stopped the run before its last epoch ended. */
  readonly aborted: boolean;
  /** True when the loss became NaN or infinite; the model keeps the weights of the last finite loss. */
  readonly diverged: boolean;
  /** The fit monitor's per-epoch health, when `monitor` was given (else empty). */
  readonly health: EpochHealth[];
}

/**
 * Trains a compiled model with `fit` on a dataset, stopping after the current step when `signal` aborts or
 * when `onStep` sets `model.stopTraining`. A loss that turns non-finite ends the run with `diverged`.
 */
export async function train(model: Sequential, data: Dataset, options: TrainOptions): Promise<TrainOutcome> {
  let steps = 0;
  const callbacks: Callbacks = {
    onBatchEnd: async (_batch, logs) => {
      steps++;
      await options.onStep?.(steps, logs);
      if (options.signal.aborted) model.stopTraining = true;
    },
    onEpochEnd: async (epoch, logs) => {
      await options.onEpochEnd?.(epoch, logs);
    },
  };
  const watcher = options.monitor ? monitor(options.monitor) : null;
  const started = performance.now();
  let history: History;
  let diverged = false;
  try {
    history = await model.fit(data.x, data.y, { epochs: options.epochs, batchSize: options.batchSize, callbacks: watcher ? [callbacks, watcher] : [callbacks] });
  } catch (error) {
    if (!(error instanceof NonFiniteLossError)) throw error;
    diverged = true;
    history = error.history ?? { epoch: [], history: { loss: [] } };
  }
  const seconds = (performance.now() - started) / 1000;
  return { history, seconds, steps, aborted: options.signal.aborted && history.epoch.length < options.epochs, diverged, health: watcher ? watcher.epochs.filter(Boolean) : [] };
}

/** Accuracy of a compiled classifier on a dataset, in inference mode. */
export function accuracy(model: Sequential, data: Dataset): number {
  return model.evaluate(data.x, data.y, { batchSize: 500 }).accuracy ?? NaN;
}

/** The layers that carry a kernel (the transforms: dense and conv), which gradient norms are reported for. */
export function weightLayers(model: Sequential): TransformLayer[] {
  return model.layers.filter((l): l is TransformLayer => l instanceof TransformLayer);
}

/**
 * ‖∂L/∂W‖₂ of each weight layer's kernel for one batch, at the model's current weights (the loss is the
 * compiled one). The gradients are cleared afterwards, so training state is untouched.
 */
export function kernelGradientNorms(model: Sequential, x: Float32Array, y: Int32Array): number[] {
  if (!(x instanceof Float32Array) || !(y instanceof Int32Array)) {
    throw new TypeError('kernelGradientNorms: expected x a Float32Array and y an Int32Array of labels');
  }
  const n = y.length;
  const params = model.parameters();
  const lossFn = getLoss('softmax_cross_entropy').fn;
  tidy(() => {
    const out = model.forward(tensor(x, [n, ...model.inputShape]), { training: true });
    lossFn(out, tensor(y, [n])).backward();
  });
  const norms = weightLayers(model).map((l) => {
    const g = l.kernel.grad;
    return g ? Math.sqrt(g.backend.sumSquares(g.storage)) : 0;
  });
  zeroGrad(params.map((p) => p.value));
  return norms;
}

/** A tensor of a batch of samples, for forward passes outside `fit`. */
export function batchTensor(model: Sequential, x: Float32Array): Tensor {
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  return tensor(x, [x.length / per, ...model.inputShape]);
}
