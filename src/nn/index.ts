/**
 * nn/ — the Layer protocol (./layer.ts) and the layers, one family per file in ./layers/ (dense, conv2d,
 * pools, zeroPadding2d, flatten, dropout, batchNorm, activation, prelu, rrelu, randomTranslation;
 * channels-last NHWC), initializers (He, Glorot, LeCun, RAI), losses (softmax and binary cross-entropy
 * from logits, MSE), and Sequential models with Keras' surface (`sequential`, `compile`, `fit`,
 * `evaluate`, `predict`, `summary`, `save`/`loadModel` in .safetensors) and PyTorch's lower level.
 * PyTorch state_dicts load onto the equivalent Sequential with `loadWeights(model, path, { layout:
 * 'pytorch' })` and are written by `model.save(path, { layout: 'pytorch' })`; `loadModel` and
 * `model.exportOnnx` read and write ONNX once src/onnx (above nn) has registered its reader and writer.
 *
 * Keras style:
 *   const model = sequential({ inputShape: [2], seed: 1, layers: [
 *     layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 2 }) ] });
 *   model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
 *   const history = await model.fit(x, y, { epochs: 20, batchSize: 32 });
 *   // with checkpoints, and continuing from the latest after a crash:
 *   await model.fit(x, y, { epochs: 20, checkpoint: { path: 'run', every: { steps: 500 } } });
 *   await model.fit(x, y, { resume: 'run', checkpoint: { path: 'run', every: { steps: 500 } } });
 *
 * PyTorch style (one step; tidy disposes the step's intermediates):
 *   const optimizer = optimizers.sgd({ learningRate: 0.1, momentum: 0.9 });
 *   tidy(() => {
 *     const loss = softmaxCrossEntropy(model.forward(xb, { training: true }), yb);
 *     loss.backward();
 *   });
 *   optimizer.step(model.parameters());
 *   optimizer.zeroGrad(model.parameters());
 * or `model.trainStep(xb, yb)` after `compile`.
 */
export { Layer } from './layer.js';
export type { DiagnosticForward, ForwardContext, LayerConfig, LayerRole } from './layer.js';
export type { OnnxGraphWriter } from './onnx-writer.js';
export {
  ActivationLayer, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D, PReLU, RReLU, RandomTranslation, TransformLayer, ZeroPadding2D,
  layerClassNames, layerFromConfig, layers, registerLayer,
} from './layers/index.js';
export type {
  ActivationLayerOptions, BatchNormOptions, Conv2dLayerOptions, DenseOptions, DropoutOptions, LayerMaker,
  Pool2dLayerOptions, PReLUOptions, RReLUOptions, RandomTranslationOptions, TransformOptions, ZeroPadding2dOptions,
} from './layers/index.js';
export { INITIALIZER_IDS, RAI_SIGMA, computeFans, defaultInitializer, initialize, raiInit, resolveInitializer } from './init.js';
export type { InitializerId, InitializerLike, ResolvedInitializer } from './init.js';
export { LOSS_IDS, binaryCrossEntropy, getLoss, meanSquaredError, softmaxCrossEntropy } from './losses.js';
export type { LossId } from './losses.js';
export {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, FitInterruptedError, NonFiniteLossError, Sequential, Trainer, encodeModel, latestCheckpoint, loadModel,
  loadModelFromBytes, loadWeights, modelFromSafetensors, readCheckpointState, registerModelReader, sequential, setOnnxExporter, toTorchStateDict,
} from './model/index.js';
export type {
  CheckpointEvery, CheckpointOptions, CheckpointState, EpochSums, TrainingPosition,
  LoadWeightsOptions, LoadWeightsReport, ModelReader, OnnxExporter,
  Callbacks, CompileOptions, FitOptions, History, Inputs, Logs, MetricId, SequentialConfig, SequentialOptions, Targets, TrainBegin, TrainableModel, TrainedModel,
} from './model/index.js';
export { cnn, cnnLayers, mlp, mlpLayers } from './presets.js';
export type { CnnPreset, MlpPreset } from './presets.js';
