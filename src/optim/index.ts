/**
 * optim/ — SGD (momentum, Nesterov, weight decay), Adam and AdamW with PyTorch's update rules, each update
 * a backend kernel; step and cosine learning-rate schedules; gradient clipping by global norm. Parameters
 * flagged `noDecay` skip weight decay. `optimizers.sgd({...})` etc. for the model API. An optimizer's state
 * (update count, moment buffers) is exported and imported by name for checkpoints.
 */
import { adam, adamw, sgd } from './optimizers.js';
import { cosineDecay, stepDecay } from './schedules.js';

export { Adam, AdamW, Optimizer, SGD, adam, adamw, clipGradNorm, optimizerFromConfig, sgd } from './optimizers.js';
export type { AdamOptions, OptimizerBaseOptions, OptimizerState, ParameterLike, SgdOptions } from './optimizers.js';
export { cosineDecay, scheduleFromJSON, stepDecay } from './schedules.js';
export type { CosineDecayOptions, LearningRateSchedule, StepDecayOptions } from './schedules.js';

/** The Keras-style namespace: `optimizers.adam({ learningRate: 1e-3 })`, `optimizers.schedules.cosineDecay(…)`. */
export const optimizers = { sgd, adam, adamw, schedules: { stepDecay, cosineDecay } } as const;
