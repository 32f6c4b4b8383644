/**
 * Losses per example, the fused and stable forms (the nn losses average them): softmax cross-entropy by
 * log-sum-exp, binary cross-entropy from logits.
 */
import { record, willRecord } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { alloc, check, sameBackend } from './check.js';

/**
 * Softmax cross-entropy of each row of logits [rows × classes] (log-sum-exp, stable for any logits).
 * targets: int32 labels [rows] in [0, classes) or float32 probabilities [rows × classes] (one-hot).
 * Returns the losses [rows]. Backward keeps the softmax: dlogits = (softmax − target)·dloss.
 */
export function softmaxCrossEntropyPerExample(logits: Tensor, targets: Tensor): Tensor {
  check('softmaxCrossEntropy', 'logits', logits);
  check('softmaxCrossEntropy', 'targets', targets, 'any');
  const be = sameBackend('softmaxCrossEntropy', logits, targets);
  if (logits.rank !== 2) throw new RangeError(`softmaxCrossEntropy: logits must be [rows, classes], got shape [${logits.shape.join(', ')}]`);
  const [rows, classes] = logits.shape as [number, number];
  if (targets.dtype === 'int32') {
    if (targets.size !== rows) throw new RangeError(`softmaxCrossEntropy: expected ${rows} integer labels (one per row of logits [${rows}, ${classes}]), got shape [${targets.shape.join(', ')}]`);
    const labels = targets.view() as Int32Array;
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i]!;
      if (v < 0 || v >= classes) throw new RangeError(`softmaxCrossEntropy: label ${v} at row ${i} is out of range; labels must be integers in [0, ${classes - 1}] for ${classes} classes`);
    }
  } else if (targets.size !== logits.size) {
    throw new RangeError(`softmaxCrossEntropy: one-hot targets must have the shape of logits [${rows}, ${classes}], got [${targets.shape.join(', ')}]`);
  }
  const losses = alloc([rows], be);
  const probs = alloc([rows, classes], be);
  be.softmaxCrossEntropy(logits.storage, targets.storage, rows, classes, losses.storage, probs.storage);
  if (!willRecord([logits])) {
    probs.dispose();
    return losses;
  }
  return record('softmaxCrossEntropy', losses, [logits, targets], (dy) => {
    const g = alloc(logits.shape, be);
    be.softmaxCrossEntropyGrad(probs.storage, targets.storage, rows, classes, dy.storage, g.storage);
    return [g, null];
  });
}

/**
 * Binary cross-entropy from logits, elementwise: max(x, 0) − x·z + log(1 + e^−|x|), stable for any x.
 * Backward keeps the logits: dx = (σ(x) − z)·dloss.
 */
export function sigmoidCrossEntropyPerElement(logits: Tensor, targets: Tensor): Tensor {
  check('binaryCrossEntropy', 'logits', logits);
  check('binaryCrossEntropy', 'targets', targets);
  const be = sameBackend('binaryCrossEntropy', logits, targets);
  if (targets.size !== logits.size) {
    throw new RangeError(`binaryCrossEntropy: targets must have the shape of logits [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
  }
  const losses = alloc(logits.shape, be);
  be.sigmoidCrossEntropy(logits.storage, targets.storage, losses.storage);
  if (!willRecord([logits])) return losses;
  return record('binaryCrossEntropy', losses, [logits, targets], (dy) => {
    const g = alloc(logits.shape, be);
    be.sigmoidCrossEntropyGrad(logits.storage, targets.storage, dy.storage, g.storage);
    return [g, null];
  });
}
