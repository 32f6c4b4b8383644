/**
 * Recurrent layers as ops on the tape: a simple RNN (Elman), an LSTM and a GRU over a whole sequence,
 * each one node with its backpropagation through time beside the forward.
 *
 * How a sequence runs. The input [batch, time, features] is turned time-major once, and its projection
 * for every step is one matrix product (x·W + b for all batch·time rows). Each step is then one recurrent
 * product h_{t−1}·U added into that step's rows: for the simple RNN with the activation in the GEMM's
 * epilogue (when the backward can read f' from the output, as relu's and tanh's can), for the LSTM and GRU
 * followed by one fused kernel for all gates of the step (`lstmCell`, `gruCell`). The backward walks the
 * steps in reverse with one product per step (dh_{t−1} += dz_t·Uᵀ), and the weight gradients come from
 * three products over all steps at once (xᵀ·dz, h_{t−1}ᵀ·dz, Σ dz).
 *
 * Masks: a step of a sample can be masked (padding of a shorter sequence): the state is carried through it
 * unchanged and the output there repeats the previous one (Keras' semantics), and no gradient is made by it.
 * Truncated BPTT: with `truncate: k`, the gradient does not flow through the recurrence across the step
 * boundaries k, 2k, … (the sequence is learned in chunks of k steps, as when the state is detached every k
 * steps: Williams & Peng 1990, https://doi.org/10.1162/neco.1990.2.4.490); gradient clipping
 * (`clipNorm` of the optimizers) is the usual companion against exploding gradients.
 */
import { record, willRecord } from '../autograd/tape.js';
import type { Backend, Storage } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import type { Activation } from './activation.js';
import { alloc, check, sameBackend } from './check.js';

/** Watches one recurrent op: its states over time and, in training, the gradient reaching each step. */
export interface SequenceProbe {
  /** The hidden states of a forward, time-major [steps, rows, units]; the view is valid during the call. */
  states?(values: Float32Array, steps: number, rows: number, units: number): void;
  /** ‖dL/dh_t‖ (Frobenius over the batch) for t = 0 … steps−1, from the backward through time. */
  stepGradientNorms?(norms: Float64Array): void;
}

export interface SequenceOptions {
  /** Output every step's state [batch, time, units] (true) or only the last one [batch, units] (false, the default). */
  readonly returnSequences?: boolean;
  /** 1 where step t of sample b is real, 0 where it is padding: mask[b·time + t]. */
  readonly mask?: Uint8Array | null;
  /** Truncated BPTT: cut the recurrent gradient every `truncate` steps (0 or undefined: never). */
  readonly truncate?: number;
  readonly probe?: SequenceProbe | null;
}

interface Geometry {
  readonly batch: number;
  readonly steps: number;
  readonly features: number;
  readonly units: number;
}

function checkSequence(op: string, x: Tensor, kernel: Tensor, recurrent: Tensor, gates: number): Geometry {
  check(op, 'x', x);
  check(op, 'kernel', kernel);
  check(op, 'recurrentKernel', recurrent);
  if (x.rank !== 3) throw new RangeError(`${op}: x must be [batch, time, features], got shape [${x.shape.join(', ')}]`);
  const [batch, steps, features] = x.shape as [number, number, number];
  if (steps === 0) throw new RangeError(`${op}: x has no time steps (shape [${x.shape.join(', ')}])`);
  if (recurrent.rank !== 2 || recurrent.shape[1] !== gates * recurrent.shape[0]!) {
    throw new RangeError(`${op}: recurrentKernel must be [units, ${gates}·units], got shape [${recurrent.shape.join(', ')}]`);
  }
  const units = recurrent.shape[0]!;
  if (kernel.rank !== 2 || kernel.shape[0] !== features || kernel.shape[1] !== gates * units) {
    throw new RangeError(`${op}: kernel must be [features, ${gates}·units] = [${features}, ${gates * units}] for x [${x.shape.join(', ')}], got [${kernel.shape.join(', ')}]`);
  }
  return { batch, steps, features, units };
}

function checkOptions(op: string, g: Geometry, o: SequenceOptions): { returnSequences: boolean; mask: Uint8Array | null; truncate: number; probe: SequenceProbe | null } {
  if (o === null || typeof o !== 'object') throw new TypeError(`${op}: options must be an object, got ${describe(o)}`);
  const mask = o.mask ?? null;
  if (mask !== null && (!(mask instanceof Uint8Array) || mask.length !== g.batch * g.steps)) {
    throw new RangeError(`${op}: mask must be a Uint8Array of batch·time = ${g.batch * g.steps} values, got ${describe(mask)}`);
  }
  const truncate = o.truncate ?? 0;
  if (!Number.isInteger(truncate) || truncate < 0) throw new RangeError(`${op}: truncate must be an integer >= 0 (steps; 0 for full BPTT), got ${describe(truncate)}`);
  return { returnSequences: o.returnSequences ?? false, mask, truncate, probe: o.probe ?? null };
}

/** The view of step t of a time-major buffer whose steps are `width` values long. */
function step(be: Backend, t: Tensor, index: number, width: number): Storage {
  return be.slice(t.storage, index * width, width);
}

/** Rows masked at step t take the previous step's row (zeros at t = 0): the state is carried through padding. */
function carryMasked(be: Backend, buf: Tensor, t: number, g: Geometry, width: number, mask: Uint8Array): void {
  for (let b = 0; b < g.batch; b++) {
    if (mask[b * g.steps + t]) continue;
    const at = (t * g.batch + b) * width;
    if (t > 0) be.copyRange(buf.storage, at - g.batch * width, buf.storage, at, width);
    else buf.storage.f32().fill(0, at, at + width);
  }
}

/** Backward through masked rows: their gradient goes to the previous step unchanged and they make none. */
function passMasked(buf: Tensor, t: number, g: Geometry, width: number, mask: Uint8Array): void {
  const v = buf.storage.f32();
  for (let b = 0; b < g.batch; b++) {
    if (mask[b * g.steps + t]) continue;
    const at = (t * g.batch + b) * width;
    if (t > 0) for (let i = 0; i < width; i++) v[at - g.batch * width + i]! += v[at + i]!;
    v.fill(0, at, at + width);
  }
}

/** The input projection of every step: x time-major [T·B, F] · kernel + bias. */
function project(be: Backend, x: Tensor, kernel: Tensor, bias: Tensor | null, g: Geometry, width: number): { xt: Tensor; p: Tensor } {
  const xt = alloc([g.steps, g.batch, g.features], be);
  be.swapLeadingAxes(x.storage, xt.storage, g.batch, g.steps, g.features);
  const p = alloc([g.steps * g.batch, width], be);
  be.matmul(xt.storage, kernel.storage, p.storage, { m: g.steps * g.batch, k: g.features, n: width }, bias ? { bias: bias.storage } : undefined);
  return { xt, p };
}

/** The op's output from the time-major states h: all of them batch-major, or the last step's. */
function outputOf(be: Backend, h: Tensor, g: Geometry, returnSequences: boolean): Tensor {
  if (returnSequences) {
    const y = alloc([g.batch, g.steps, g.units], be);
    be.swapLeadingAxes(h.storage, y.storage, g.steps, g.batch, g.units);
    return y;
  }
  const y = alloc([g.batch, g.units], be);
  be.copyRange(h.storage, (g.steps - 1) * g.batch * g.units, y.storage, 0, g.batch * g.units);
  return y;
}

/** dL/dh per step, time-major, seeded from the output's gradient. */
function stateGradients(be: Backend, dy: Tensor, g: Geometry, returnSequences: boolean): Tensor {
  const dh = alloc([g.steps, g.batch, g.units], be);
  if (returnSequences) {
    be.swapLeadingAxes(dy.storage, dh.storage, g.batch, g.steps, g.units);
  } else {
    dh.storage.f32().fill(0, 0, (g.steps - 1) * g.batch * g.units);
    be.copyRange(dy.storage, 0, dh.storage, (g.steps - 1) * g.batch * g.units, g.batch * g.units);
  }
  return dh;
}

/** The gradients every recurrent op shares: input, kernel, recurrent kernel (from time-major dz [T·B, width]). */
function sharedGrads(
  be: Backend, g: Geometry, width: number, xt: Tensor, h: Tensor, dz: Tensor, dzRecurrent: Tensor,
  x: Tensor, kernel: Tensor, recurrent: Tensor,
): { dx: Tensor | null; dk: Tensor | null; dr: Tensor | null } {
  const rows = g.steps * g.batch;
  let dx: Tensor | null = null;
  let dk: Tensor | null = null;
  let dr: Tensor | null = null;
  if (kernel.requiresGrad) {
    dk = alloc(kernel.shape, be);
    be.matmul(xt.storage, dz.storage, dk.storage, { m: g.features, k: rows, n: width, transposeA: true });
  }
  if (recurrent.requiresGrad) {
    dr = alloc(recurrent.shape, be);
    if (g.steps === 1) dr.storage.f32().fill(0);
    else {
      const prev = be.slice(h.storage, 0, (g.steps - 1) * g.batch * g.units);
      const later = be.slice(dzRecurrent.storage, g.batch * width, (g.steps - 1) * g.batch * width);
      be.matmul(prev, later, dr.storage, { m: g.units, k: (g.steps - 1) * g.batch, n: width, transposeA: true });
    }
  }
  if (x.requiresGrad) {
    const dxt = alloc([g.steps, g.batch, g.features], be);
    be.matmul(dz.storage, kernel.storage, dxt.storage, { m: rows, k: width, n: g.features, transposeB: true });
    dx = alloc(x.shape, be);
    be.swapLeadingAxes(dxt.storage, dx.storage, g.steps, g.batch, g.features);
    dxt.dispose();
  }
  return { dx, dk, dr };
}

function biasGrad(be: Backend, bias: Tensor | null, dz: Tensor, rows: number, width: number): Tensor | null {
  if (!bias || !bias.requiresGrad) return null;
  const db = alloc(bias.shape, be);
  be.sumAxis(dz.storage, db.storage, 1, rows, width);
  return db;
}

function cut(t: number, truncate: number): boolean {
  return truncate > 0 && t % truncate === 0;
}

function reportNorms(probe: SequenceProbe | null, norms: Float64Array | null): void {
  if (probe?.stepGradientNorms && norms) probe.stepGradientNorms(norms);
}

/**
 * A simple (Elman) RNN, h_t = act(x_t·kernel + h_{t−1}·recurrentKernel + bias) from h_{−1} = 0, over
 * x [batch, time, features]; kernel [features, units], recurrentKernel [units, units], bias [units] or
 * null. With `activation` relu and an identity recurrent kernel this is the IRNN of Le, Jaitly & Hinton
 * 2015 (https://arxiv.org/abs/1504.00941). Backward keeps the time-major input, the states and, for an
 * activation whose derivative needs its input, the pre-activations.
 */
export function simpleRnn(x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor | null, activation: Activation, options: SequenceOptions = {}): Tensor {
  const op = 'simpleRnn';
  const g = checkSequence(op, x, kernel, recurrent, 1);
  if (bias) check(op, 'bias', bias);
  if (bias && bias.size !== g.units) throw new RangeError(`${op}: bias must hold ${g.units} values, got shape [${bias.shape.join(', ')}]`);
  const o = checkOptions(op, g, options);
  const inputs = bias ? [x, kernel, recurrent, bias] : [x, kernel, recurrent];
  const be = sameBackend(op, ...inputs);
  const recording = willRecord(inputs);
  const act = activation.isIdentity ? null : activation;
  if (act?.stochastic) throw new Error(`${op}: ${act.id} draws random slopes in training and cannot run inside a recurrence; use leaky_relu`);
  const fromY = act === null || act.backwardReadsOutput;
  const U = g.units;
  const width = g.batch * U;
  const { xt, p } = project(be, x, kernel, bias, g, U);
  // With f' readable from y, the states overwrite the projections in place; otherwise z is kept apart.
  const z = p;
  const h = fromY ? p : alloc([g.steps, g.batch, U], be);
  for (let t = 0; t < g.steps; t++) {
    const zt = step(be, z, t, width);
    const ht = step(be, h, t, width);
    if (t > 0) {
      const prev = step(be, h, t - 1, width);
      if (fromY) be.matmul(prev, recurrent.storage, ht, { m: g.batch, k: U, n: U, accumulate: true, sequential: true }, act ? { activation: act } : undefined);
      else {
        be.matmul(prev, recurrent.storage, zt, { m: g.batch, k: U, n: U, accumulate: true, sequential: true });
        be.unary(act!, zt, ht);
      }
    } else if (act) {
      be.unary(act, zt, ht);
    }
    if (o.mask) carryMasked(be, h, t, g, U, o.mask);
  }
  o.probe?.states?.(h.storage.f32(), g.steps, g.batch, U);
  const y = outputOf(be, h, g, o.returnSequences);
  if (!recording) {
    xt.dispose();
    p.dispose();
    if (h !== p) h.dispose();
    return y;
  }
  return record(op, y, inputs, (dy) => {
    const dz = stateGradients(be, dy, g, o.returnSequences);
    const norms = o.probe?.stepGradientNorms ? new Float64Array(g.steps) : null;
    for (let t = g.steps - 1; t >= 0; t--) {
      const dzt = step(be, dz, t, width);
      if (norms) norms[t] = Math.sqrt(be.sumSquares(dzt));
      if (o.mask) passMasked(dz, t, g, U, o.mask);
      if (act) {
        if (fromY) be.unaryGradFromY(act, step(be, h, t, width), dzt, dzt);
        else be.unaryGrad(act, step(be, z, t, width), dzt, dzt);
      }
      if (t > 0 && !cut(t, o.truncate)) {
        be.matmul(dzt, recurrent.storage, step(be, dz, t - 1, width), { m: g.batch, k: U, n: U, transposeB: true, accumulate: true, sequential: true });
      }
    }
    reportNorms(o.probe, norms);
    const { dx, dk, dr } = sharedGrads(be, g, U, xt, h, dz, dz, x, kernel, recurrent);
    const db = biasGrad(be, bias, dz, g.steps * g.batch, U);
    dz.dispose();
    return bias ? [dx, dk, dr, db] : [dx, dk, dr];
  });
}

export interface GatedActivations {
  /** The gates' activation (sigmoid in Keras and PyTorch; hard_sigmoid in old Keras). */
  readonly gate: Activation;
  /** The candidate's and (LSTM) the cell output's activation (tanh by default). */
  readonly cell: Activation;
}

/**
 * An LSTM over x [batch, time, features]: kernel [features, 4·units], recurrentKernel [units, 4·units],
 * bias [4·units] or null, the gates in the order input, forget, cell, output (Keras' and PyTorch's).
 * Returns h (all steps or the last). Backward keeps the input, the gates' pre-activations, the cell
 * states and the hidden states.
 */
export function lstm(x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor | null, acts: GatedActivations, options: SequenceOptions = {}): Tensor {
  const op = 'lstm';
  const g = checkSequence(op, x, kernel, recurrent, 4);
  if (bias) check(op, 'bias', bias);
  if (bias && bias.size !== 4 * g.units) throw new RangeError(`${op}: bias must hold 4·units = ${4 * g.units} values, got shape [${bias.shape.join(', ')}]`);
  const o = checkOptions(op, g, options);
  const inputs = bias ? [x, kernel, recurrent, bias] : [x, kernel, recurrent];
  const be = sameBackend(op, ...inputs);
  const recording = willRecord(inputs);
  const U = g.units;
  const width = g.batch * U;
  const gw = 4 * width;
  const { xt, p: gates } = project(be, x, kernel, bias, g, 4 * U);
  const c = alloc([g.steps, g.batch, U], be);
  const h = alloc([g.steps, g.batch, U], be);
  for (let t = 0; t < g.steps; t++) {
    const gt = step(be, gates, t, gw);
    if (t > 0) be.matmul(step(be, h, t - 1, width), recurrent.storage, gt, { m: g.batch, k: U, n: 4 * U, accumulate: true, sequential: true });
    be.lstmCell(gt, t > 0 ? step(be, c, t - 1, width) : null, step(be, c, t, width), step(be, h, t, width), g.batch, U, acts.gate, acts.cell);
    if (o.mask) {
      carryMasked(be, c, t, g, U, o.mask);
      carryMasked(be, h, t, g, U, o.mask);
    }
  }
  o.probe?.states?.(h.storage.f32(), g.steps, g.batch, U);
  const y = outputOf(be, h, g, o.returnSequences);
  if (!recording) {
    for (const t of [xt, gates, c, h]) t.dispose();
    return y;
  }
  return record(op, y, inputs, (dy) => {
    const dh = stateGradients(be, dy, g, o.returnSequences);
    const dGates = alloc([g.steps * g.batch, 4 * U], be);
    const dc = alloc([g.batch, U], be);
    dc.storage.f32().fill(0);
    const norms = o.probe?.stepGradientNorms ? new Float64Array(g.steps) : null;
    for (let t = g.steps - 1; t >= 0; t--) {
      const dht = step(be, dh, t, width);
      const dgt = step(be, dGates, t, gw);
      if (norms) norms[t] = Math.sqrt(be.sumSquares(dht));
      if (o.mask) passMasked(dh, t, g, U, o.mask);
      // Masked rows keep their carried dc and make no gate gradient.
      const masked: number[] = [];
      const keptDc: Float32Array[] = [];
      if (o.mask) {
        for (let b = 0; b < g.batch; b++) {
          if (o.mask[b * g.steps + t]) continue;
          masked.push(b);
          keptDc.push(dc.storage.f32().slice(b * U, (b + 1) * U));
        }
      }
      be.lstmCellGrad(gt(t), t > 0 ? step(be, c, t - 1, width) : null, step(be, c, t, width), dht, dc.storage, dgt, g.batch, U, acts.gate, acts.cell);
      if (masked.length) {
        const dcv = dc.storage.f32();
        const dgv = dGates.storage.f32();
        masked.forEach((b, k) => {
          dcv.set(keptDc[k]!, b * U);
          dgv.fill(0, (t * g.batch + b) * 4 * U, (t * g.batch + b + 1) * 4 * U);
        });
      }
      if (t > 0 && !cut(t, o.truncate)) {
        be.matmul(dgt, recurrent.storage, step(be, dh, t - 1, width), { m: g.batch, k: 4 * U, n: U, transposeB: true, accumulate: true, sequential: true });
      } else if (t > 0) {
        dc.storage.f32().fill(0);
      }
    }
    reportNorms(o.probe, norms);
    const { dx, dk, dr } = sharedGrads(be, g, 4 * U, xt, h, dGates, dGates, x, kernel, recurrent);
    const db = biasGrad(be, bias, dGates, g.steps * g.batch, 4 * U);
    dh.dispose();
    dGates.dispose();
    dc.dispose();
    return bias ? [dx, dk, dr, db] : [dx, dk, dr];
  });
  function gt(t: number): Storage {
    return step(be, gates, t, gw);
  }
}

/**
 * A GRU over x [batch, time, features] with the reset gate after the recurrent product (PyTorch, Keras'
 * reset_after, ONNX's linear_before_reset): kernel [features, 3·units], recurrentKernel [units, 3·units],
 * bias and recurrentBias [3·units] or null, the gates in the order update, reset, candidate (z, r, n:
 * Keras' and ONNX's). Backward keeps the input, both projections of every step and the hidden states.
 */
export function gru(
  x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor | null, recurrentBias: Tensor | null, acts: GatedActivations, options: SequenceOptions = {},
): Tensor {
  const op = 'gru';
  const g = checkSequence(op, x, kernel, recurrent, 3);
  for (const [name, b] of [['bias', bias], ['recurrentBias', recurrentBias]] as const) {
    if (!b) continue;
    check(op, name, b);
    if (b.size !== 3 * g.units) throw new RangeError(`${op}: ${name} must hold 3·units = ${3 * g.units} values, got shape [${b.shape.join(', ')}]`);
  }
  const o = checkOptions(op, g, options);
  const inputs = [x, kernel, recurrent, ...(bias ? [bias] : []), ...(recurrentBias ? [recurrentBias] : [])];
  const be = sameBackend(op, ...inputs);
  const recording = willRecord(inputs);
  const U = g.units;
  const width = g.batch * U;
  const gw = 3 * width;
  const { xt, p } = project(be, x, kernel, bias, g, 3 * U);
  const hr = alloc([g.steps * g.batch, 3 * U], be);
  const h = alloc([g.steps, g.batch, U], be);
  for (let t = 0; t < g.steps; t++) {
    const hrt = step(be, hr, t, gw);
    if (t > 0) {
      be.matmul(step(be, h, t - 1, width), recurrent.storage, hrt, { m: g.batch, k: U, n: 3 * U, sequential: true }, recurrentBias ? { bias: recurrentBias.storage } : undefined);
    } else {
      // h_{−1} = 0: the recurrent projection is the recurrent bias alone.
      const v = hr.storage.f32();
      if (recurrentBias) {
        const rb = recurrentBias.storage.f32();
        for (let b = 0; b < g.batch; b++) v.set(rb, b * 3 * U);
      } else v.fill(0, 0, gw);
    }
    be.gruCell(step(be, p, t, gw), hrt, t > 0 ? step(be, h, t - 1, width) : null, step(be, h, t, width), g.batch, U, acts.gate, acts.cell);
    if (o.mask) carryMasked(be, h, t, g, U, o.mask);
  }
  o.probe?.states?.(h.storage.f32(), g.steps, g.batch, U);
  const y = outputOf(be, h, g, o.returnSequences);
  if (!recording) {
    for (const t of [xt, p, hr, h]) t.dispose();
    return y;
  }
  return record(op, y, inputs, (dy) => {
    const dh = stateGradients(be, dy, g, o.returnSequences);
    const dX = alloc([g.steps * g.batch, 3 * U], be);
    const dHr = alloc([g.steps * g.batch, 3 * U], be);
    const dPrev = alloc([g.batch, U], be);
    const norms = o.probe?.stepGradientNorms ? new Float64Array(g.steps) : null;
    for (let t = g.steps - 1; t >= 0; t--) {
      const dht = step(be, dh, t, width);
      if (norms) norms[t] = Math.sqrt(be.sumSquares(dht));
      if (o.mask) passMasked(dh, t, g, U, o.mask);
      const dhrt = step(be, dHr, t, gw);
      be.gruCellGrad(step(be, p, t, gw), step(be, hr, t, gw), t > 0 ? step(be, h, t - 1, width) : null, dht, step(be, dX, t, gw), dhrt, t > 0 ? dPrev.storage : null, g.batch, U, acts.gate, acts.cell);
      if (t > 0 && !cut(t, o.truncate)) {
        const prev = step(be, dh, t - 1, width);
        be.binary('add', prev, dPrev.storage, prev);
        be.matmul(dhrt, recurrent.storage, prev, { m: g.batch, k: 3 * U, n: U, transposeB: true, accumulate: true, sequential: true });
      }
    }
    reportNorms(o.probe, norms);
    const { dx, dk, dr } = sharedGrads(be, g, 3 * U, xt, h, dX, dHr, x, kernel, recurrent);
    const db = biasGrad(be, bias, dX, g.steps * g.batch, 3 * U);
    const drb = biasGrad(be, recurrentBias, dHr, g.steps * g.batch, 3 * U);
    dh.dispose();
    dX.dispose();
    dHr.dispose();
    dPrev.dispose();
    return [dx, dk, dr, ...(bias ? [db] : []), ...(recurrentBias ? [drb] : [])];
  });
}
