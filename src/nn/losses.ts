/**
 * Losses, each the mean over the batch of a numerically stable per-example loss, returned as a scalar
 * tensor on the tape (`loss.backward()`).
 */
import { square, sub } from '../ops/elementwise.js';
import { softmaxCrossEntropyPerExample, sigmoidCrossEntropyPerElement } from '../ops/losses.js';
import { mean } from '../ops/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';

/**
 * Softmax cross-entropy from logits [batch, classes] (log-sum-exp, so any logits are safe). labels: int32
 * class indices [batch] or float32 one-hot (or soft) targets [batch, classes].
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return mean(softmaxCrossEntropyPerExample(logits, labels));
}

/** Binary cross-entropy from logits (targets in [0, 1], same shape): max(x,0) − x·z + log(1 + e^−|x|). */
export function binaryCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return mean(sigmoidCrossEntropyPerElement(logits, targets));
}

/** Mean of (prediction − target)² over every value. */
export function meanSquaredError(predictions: Tensor, targets: Tensor): Tensor {
  if (!(predictions instanceof Tensor) || !(targets instanceof Tensor)) {
    throw new TypeError(`meanSquaredError: predictions and targets must be Tensors, got ${describe(predictions)} and ${describe(targets)}`);
  }
  if (predictions.size !== targets.size) {
    throw new RangeError(`meanSquaredError: predictions [${predictions.shape.join(', ')}] and targets [${targets.shape.join(', ')}] must have the same shape`);
  }
  return mean(square(sub(predictions, targets)));
}

export type LossId = 'softmax_cross_entropy' | 'binary_cross_entropy' | 'mse';
export const LOSS_IDS: readonly LossId[] = ['softmax_cross_entropy', 'binary_cross_entropy', 'mse'];

const BY_ID: Record<LossId, (y: Tensor, t: Tensor) => Tensor> = {
  softmax_cross_entropy: softmaxCrossEntropy,
  binary_cross_entropy: binaryCrossEntropy,
  mse: meanSquaredError,
};

// Keras' categorical_crossentropy takes probabilities unless from_logits is set, so it is not an alias;
// PyTorch's CrossEntropyLoss, like ours, takes logits.
const ALIASES: Record<string, LossId> = {
  cross_entropy: 'softmax_cross_entropy',
  mean_squared_error: 'mse',
};

/** The loss function for an id (cross_entropy and mean_squared_error accepted as aliases). */
export function getLoss(id: string): { id: LossId; fn: (y: Tensor, t: Tensor) => Tensor } {
  if (typeof id !== 'string') throw new TypeError(`loss must be one of ${LOSS_IDS.join(', ')}, got ${describe(id)}`);
  const key = (ALIASES[id] ?? id) as LossId;
  const fn = BY_ID[key];
  if (!fn) throw new Error(`unknown loss "${id}"; expected one of ${LOSS_IDS.join(', ')}`);
  return { id: key, fn };
}
