/**
 * Matrix products: `matmul` and `linear` (y = act(x·w + bias), the dense layer's op, with bias and
 * activation in the GEMM's epilogue where ./epilogue.ts allows it). Backward keeps x and w.
 */
import type { ActivationLike } from '../activations/lookup.js';
import { willRecord } from '../autograd/tape.js';
import type { Backend } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Activation } from './activation.js';
import type { ActivationRunOptions } from './activate.js';
import { alloc, check, sameBackend } from './check.js';
import { finishEpilogue, planEpilogue } from './epilogue.js';

/** a [m×k] · b [k×n]. Backward keeps both inputs: da = dy·bᵀ, db = aᵀ·dy. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return linear(a, b);
}

/**
 * y = act(x·w + bias) for x [m×k], w [k×n], bias [n]: the dense layer's op. When the backward can read
 * f' from y (relu, sigmoid, tanh …) or nothing is recorded, bias and activation run fused in the matmul's
 * epilogue (one kernel call). Activations whose backward needs their input (elu, gelu …) keep the
 * pre-activation z = x·w + b from a matmul with a bias epilogue, then apply the activation.
 */
export function linear(
  x: Tensor,
  w: Tensor,
  bias?: Tensor | null,
  activation?: ActivationLike | Activation | null,
  options: ActivationRunOptions = {},
): Tensor {
  const op = bias === undefined && activation === undefined ? 'matmul' : 'linear';
  check(op, op === 'matmul' ? 'a' : 'x', x);
  check(op, op === 'matmul' ? 'b' : 'w', w);
  if (bias !== undefined && bias !== null) check(op, 'bias', bias);
  const be = sameBackend(op, x, w, ...(bias ? [bias] : []));
  if (x.rank !== 2 || w.rank !== 2) {
    throw new RangeError(`${op}: expected matrices (rank 2), got shapes [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  const [m, k] = x.shape as [number, number];
  const [k2, n] = w.shape as [number, number];
  if (k !== k2) throw new RangeError(`${op}: inner dimensions differ: [${m}, ${k}] · [${k2}, ${n}] (${k} vs ${k2})`);
  if (bias && bias.size !== n) throw new RangeError(`${op}: bias must hold ${n} values (one per output column), got shape [${bias.shape.join(', ')}]`);
  const inputs = bias ? [x, w, bias] : [x, w];
  const recording = willRecord(inputs);
  const plan = planEpilogue(activation, options, recording);
  const z = alloc([m, n], be);
  be.matmul(x.storage, w.storage, z.storage, { m, k, n }, { bias: bias?.storage, activation: plan.fused ? plan.act! : undefined });
  return finishEpilogue(op, be, z, inputs, (dz) => linearGrads(be, x, w, bias ?? null, dz, m, k, n), plan, recording, options);
}

function linearGrads(be: Backend, x: Tensor, w: Tensor, bias: Tensor | null, dz: Tensor, m: number, k: number, n: number): Array<Tensor | null> {
  let dx: Tensor | null = null;
  let dw: Tensor | null = null;
  let db: Tensor | null = null;
  if (x.requiresGrad) {
    dx = alloc(x.shape, be);
    be.matmul(dz.storage, w.storage, dx.storage, { m, k: n, n: k, transposeB: true });
  }
  if (w.requiresGrad) {
    dw = alloc(w.shape, be);
    be.matmul(x.storage, dz.storage, dw.storage, { m: k, k: m, n, transposeA: true });
  }
  if (bias && bias.requiresGrad) {
    db = alloc(bias.shape, be);
    be.sumAxis(dz.storage, db.storage, 1, m, n);
  }
  return bias ? [dx, dw, db] : [dx, dw];
}
