/**
 * activations/ — the activation table as pure data: one typed row per member of the ReLU family (its
 * parameters and their rules, float64 f and f', kinks, ONNX form, init gain, LaTeX, paper), the scalar
 * float64 maths the rows use, and lookup by id or alias. It imports nothing but util/; the executor that
 * runs a row on a backend is `Activation` in src/ops.
 */
export type { ActivationSpec, ParamSpec, ParamValues, Kink, FlatRegions, InitName, OnnxAttribute, OnnxEmitter, OnnxForm } from './types.js';
export { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA } from './table.js';
export { activationIds, getSpec, listActivations, maxAbsDerivative, resolveParams } from './lookup.js';
export type { ActivationLike } from './lookup.js';
export * as scalar from './math.js';
