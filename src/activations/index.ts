/**
 * activations/ — the activation table (one typed row per member of the ReLU family), its scalar float64
 * reference math, and `getActivation`, which applies a row forward and backward on the current backend.
 */
export type { ActivationSpec, ParamSpec, ParamValues, Kink, FlatRegions, InitName } from './types.js';
export { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA } from './table.js';
export {
  Activation,
  activationIds,
  getActivation,
  getSpec,
  listActivations,
  maxAbsDerivative,
  resolveParams,
  toActivation,
} from './registry.js';
export type { ActivationLike, ActivationOptions } from './registry.js';
export * as scalar from './math.js';
