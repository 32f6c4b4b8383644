/**
 * nn/ — layers (dense, conv2d, pools, zeroPadding2d, flatten, dropout, batchNorm, activation, prelu, rrelu; channels-last
 * NHWC), initializers (He, Glorot, LeCun, RAI), losses (softmax and binary cross-entropy from logits,
 * MSE), and Sequential models with Keras' surface (`sequential`, `compile`, `fit`, `evaluate`,
 * `predict`, `summary`, `save`/`loadModel` in .safetensors) and PyTorch's lower level. PyTorch state_dicts
 * load onto the equivalent Sequential with `loadWeights(model, path, { layout: 'pytorch' })` and are
 * written by `model.save(path, { layout: 'pytorch' })`; `loadModel` and `model.exportOnnx` read and write
 * ONNX once onnx/ (above nn) has registered its reader and writer.
 *
 * Keras style:
 *   const model = sequential({ inputShape: [2], seed: 1, layers: [
 *     layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 2 }) ] });
 *   model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
 *   const history = await model.fit(x, y, { epochs: 20, batchSize: 32 });
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
export {
  ActivationLayer, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, PReLU, RReLU, RandomTranslation, ZeroPadding2D, layerFromConfig, layers,
} from './layers.js';
export type {
  ActivationLayerOptions, BatchNormOptions, Conv2dLayerOptions, DenseOptions, DropoutOptions, ForwardContext, LayerConfig,
  Pool2dLayerOptions, PReLUOptions, RReLUOptions, RandomTranslationOptions, ZeroPadding2dOptions,
} from './layers.js';
export { INITIALIZER_IDS, RAI_SIGMA, computeFans, defaultInitializer, initialize, raiInit, resolveInitializer } from './init.js';
export type { InitializerId, InitializerLike, ResolvedInitializer } from './init.js';
export { LOSS_IDS, binaryCrossEntropy, getLoss, meanSquaredError, softmaxCrossEntropy } from './losses.js';
export type { LossId } from './losses.js';
export { NonFiniteLossError, Sequential, loadModel, registerModelReader, sequential, setFitMonitorFactory, setOnnxExporter } from './model.js';
export type { Callbacks, CompileOptions, FitMonitorFactory, ModelReader, OnnxExporter, FitMonitorOptions, FitOptions, History, Inputs, Logs, MetricId, SequentialOptions, Targets, TrainingObserver } from './model.js';
export { MAX_HEADER_BYTES, encodeSafetensors, readSafetensors, writeFileAtomic } from './safetensors.js';
export type { NamedArray, ReadSafetensorsOptions, SafetensorsContents, SafetensorsDtype } from './safetensors.js';
export { loadWeights, toTorchStateDict } from './pytorch.js';
export type { LoadWeightsOptions, LoadWeightsReport } from './pytorch.js';
