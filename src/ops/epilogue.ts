/**
 * The one place that decides how an op with a linear part and an activation (linear, conv2d) runs its
 * activation: fused into the kernel's epilogue — when nothing is recorded, or when the backward can read
 * f' from the output (relu, sigmoid, tanh …), so the output is all the backward needs — or applied after,
 * keeping the pre-activation z for a backward that needs it (elu, gelu …) and for rrelu in training.
 */
import type { ActivationLike } from '../activations/lookup.js';
import { record } from '../autograd/tape.js';
import type { Backend } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { Activation, resolveActivation } from './activation.js';
import { activate, activationGrad, isStochasticTraining, type ActivationRunOptions } from './activate.js';

export interface EpiloguePlan {
  /** The activation, or null for none (the identity counts as none). */
  readonly act: Activation | null;
  /** True when the kernel applies `act` itself. */
  readonly fused: boolean;
}

/** Resolves the activation and decides whether the kernel fuses it. */
export function planEpilogue(activation: ActivationLike | Activation | null | undefined, options: ActivationRunOptions, recording: boolean): EpiloguePlan {
  const resolved = resolveActivation(activation);
  const act = resolved === null || resolved.isIdentity ? null : resolved;
  const fused = act !== null && !isStochasticTraining(act, options) && (!recording || act.backwardReadsOutput);
  return { act, fused };
}

/**
 * Finishes an op whose kernel wrote z (= act(z) already when the plan fused it): records the backward —
 * the activation's step, then `grads(dz)` for the linear part — and applies an unfused activation.
 */
export function finishEpilogue(
  op: string,
  be: Backend,
  z: Tensor,
  inputs: readonly Tensor[],
  grads: (dz: Tensor) => Array<Tensor | null>,
  plan: EpiloguePlan,
  recording: boolean,
  options: ActivationRunOptions,
): Tensor {
  const { act, fused } = plan;
  if (fused || act === null) {
    if (!recording) return z;
    return record(op, z, inputs, (dy) => {
      if (!act) return grads(dy);
      const dz = activationGrad(be, act, z, z, dy);
      const result = grads(dz);
      dz.dispose();
      return result;
    });
  }
  if (!recording) {
    // rrelu in training without a tape: z is only a temporary.
    const y = activate(z, act, options);
    z.dispose();
    return y;
  }
  // The activation's backward reads z, so z lives until the step's tidy scope ends.
  return activate(record(op, z, inputs, grads), act, options);
}
