/**
 * The activation step shared by the ops that can fuse an activation into their epilogue (linear in
 * ops.ts, conv2d in ops-conv.ts) and by `activate` itself: resolving the activation, whether it is
 * rrelu's random training mode (never fused), and its backward from the kept x or y.
 */
import { Activation, toActivation } from '../activations/registry.js';
import type { ActivationLike } from '../activations/registry.js';
import type { ActivationCall, Backend } from '../backend/types.js';
import type { Rng } from './random.js';
import { Tensor, empty } from './tensor.js';

export interface ActivationRunOptions {
  /** rrelu draws random slopes in training and uses (lower + upper)/2 otherwise. */
  readonly training?: boolean;
  /** The generator for rrelu's slopes in training (required then). */
  readonly rng?: Rng;
}

export function resolveAct(act: ActivationLike | Activation | null | undefined): Activation | null {
  if (act === null || act === undefined) return null;
  return act instanceof Activation ? act : toActivation(act);
}

export function isStochasticTraining(act: Activation, options: ActivationRunOptions): boolean {
  return !!act.spec.stochastic && options.training === true;
}

/** dL/dx of the activation given dL/dy, from y where the spec's backward reads y (relu), else from x. */
export function activationGrad(be: Backend, call: ActivationCall, x: Tensor, y: Tensor, dy: Tensor): Tensor {
  const g = empty(dy.shape, 'float32', be);
  if (call.spec.backwardFrom === 'y') be.unaryGradFromY(call, y.storage, dy.storage, g.storage);
  else be.unaryGrad(call, x.storage, dy.storage, g.storage);
  return g;
}
