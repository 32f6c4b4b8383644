/**
 * autograd/ — the tape behind `loss.backward()`: ops record a node only when an input requires a
 * gradient and recording is on (`noGrad` turns it off); leaf gradients accumulate until `zeroGrad`. And
 * `gradcheck`, which compares the tape with central differences for tests of every op and layer.
 */
export { backward, gradOf, isGradEnabled, noGrad, record, requireGrad, requiresGrad, retainGrad, willRecord, zeroGrad } from './tape.js';
export type { BackwardRule } from './tape.js';
export { assertGradients, gradcheck } from './gradcheck.js';
export type { GradcheckMismatch, GradcheckOptions, GradcheckResult } from './gradcheck.js';
export { Parameter } from './parameter.js';
export type { ParameterOptions } from './parameter.js';
