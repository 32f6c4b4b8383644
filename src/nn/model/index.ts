/**
 * Sequential models: building and running (./sequential.ts), training (./trainer.ts, with callbacks in
 * ./callbacks.ts, data checks in ./data.ts and checkpoints in ./checkpoint.ts), and saving and loading
 * (./encode.ts, ./load.ts; PyTorch state_dicts in ./pytorch.ts).
 */
export { Sequential, sequential } from './sequential.js';
export type { SequentialConfig, SequentialOptions } from './sequential.js';
export { Trainer } from './trainer.js';
export type { CompileOptions, FitOptions, MetricId, TrainableModel } from './trainer.js';
export { FitInterruptedError, NonFiniteLossError } from './callbacks.js';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, latestCheckpoint, readCheckpointState } from './checkpoint.js';
export type { CheckpointEvery, CheckpointOptions, CheckpointState, EpochSums, TrainingPosition } from './checkpoint.js';
export type { Callbacks, History, Logs, TrainBegin, TrainedModel } from './callbacks.js';
export type { Inputs, Targets } from './data.js';
export { encodeModel } from './encode.js';
export { loadModel, loadModelFromBytes, modelFromSafetensors, registerModelReader } from './load.js';
export type { ModelReader } from './load.js';
export { loadWeights, toTorchStateDict } from './pytorch.js';
export type { LoadWeightsOptions, LoadWeightsReport } from './pytorch.js';
export { setOnnxExporter } from './sequential.js';
export type { OnnxExporter } from './sequential.js';
