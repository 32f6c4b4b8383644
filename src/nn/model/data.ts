/**
 * Training and evaluation data as `fit` and `evaluate` take it: inputs and targets checked once against
 * the model and its loss (naming what to fix), then assembled into batch tensors, and the accuracy count
 * of a batch.
 */
import { tensor } from '../../tensor/create.js';
import { Tensor, type Shape } from '../../tensor/tensor.js';
import { shapeSize } from '../../tensor/create.js';
import { describe } from '../../util/describe.js';
import type { LossId } from '../losses.js';

export type Inputs = Tensor | Float32Array;
export type Targets = Tensor | Int32Array | Float32Array;

/** Checked inputs and targets. */
export interface Prepared {
  readonly x: Float32Array;
  readonly n: number;
  /** Class labels (softmax cross-entropy with integer targets). */
  readonly labels: Int32Array | null;
  /** Float targets, outSize per sample (one-hot, binary targets, regression targets). */
  readonly values: Float32Array | null;
}

/** The shapes data is checked against. */
export interface DataShapes {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
}

function checkFinite(where: string, v: Float32Array): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new RangeError(`${where}: y holds ${v[i]} at index ${i}; targets must be finite`);
  }
}

/** Converts and validates inputs and targets, naming what to fix. */
export function prepareData(model: DataShapes, lossId: LossId, x: Inputs, y: Targets, where: string): Prepared {
  const inSize = shapeSize(model.inputShape);
  const outSize = shapeSize(model.outputShape);
  let xs: Float32Array;
  if (x instanceof Tensor) {
    if (x.dtype !== 'float32') throw new TypeError(`${where}: x must be float32, got an ${x.dtype} tensor; convert it with Float32Array.from`);
    if (x.shape.slice(1).join() !== model.inputShape.join()) throw new RangeError(`${where}: x must have shape [samples, ${model.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    xs = x.data as Float32Array;
  } else if (x instanceof Float32Array) {
    xs = x;
  } else {
    throw new TypeError(`${where}: x must be a Tensor or a Float32Array with ${inSize} values per sample (inputShape [${model.inputShape.join(', ')}]), got ${describe(x)}`);
  }
  if (xs.length === 0) throw new RangeError(`${where}: the dataset is empty (x has no samples)`);
  if (xs.length % inSize !== 0) throw new RangeError(`${where}: x has ${xs.length} values, not a multiple of ${inSize} (inputShape [${model.inputShape.join(', ')}])`);
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
  if (ys.length !== n * outSize) throw new RangeError(`${where}: y must hold ${outSize} value(s) per sample (${n * outSize} in all) to match outputs [${model.outputShape.join(', ')}], got ${ys.length}`);
  const values = ys instanceof Float32Array ? ys : Float32Array.from(ys);
  checkFinite(where, values);
  if (lossId === 'binary_cross_entropy') {
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0 || values[i]! > 1) throw new RangeError(`${where}: binary_cross_entropy targets must be in [0, 1], got ${values[i]} at index ${i}`);
    }
  }
  return { x: xs, n, labels: null, values };
}

/** The inputs and targets of samples order[start … start+count−1] as tensors. */
export function batchTensors(model: DataShapes, data: Prepared, order: Int32Array, start: number, count: number): { xb: Tensor; tb: Tensor } {
  const inSize = shapeSize(model.inputShape);
  const outSize = shapeSize(model.outputShape);
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
    tb = tensor(vb, [count, ...model.outputShape]);
  }
  return { xb: tensor(xb, [count, ...model.inputShape]), tb };
}

/** Correct predictions in a batch: argmax for softmax, sign of the logit for binary cross-entropy. */
export function countCorrect(lossId: LossId, out: Tensor, data: Prepared, order: Int32Array, start: number, count: number): number {
  const o = out.view() as Float32Array;
  const outSize = out.size / count;
  let correct = 0;
  if (lossId === 'softmax_cross_entropy') {
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
