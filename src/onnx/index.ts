/**
 * onnx/ — interop with ONNX.
 * Out: `exportOnnx(model, { opset?, inputLayout? })` writes any Sequential (every layer class, every
 * activation of the table) as an ONNX model that ONNX Runtime runs with the same outputs; once this
 * module is loaded `model.exportOnnx(path)` writes the file.
 * In: `importOnnx(bytes)` turns an ONNX model exported by PyTorch (torch.onnx.export) or from Keras
 * (tf2onnx) into an ordinary Sequential, channels-last, with its weights; `describeOnnx(bytes)` gives the
 * layers it would build as plain data. Loading this module also lets `loadModel(path)` read .onnx files.
 * The pieces: schema.ts (the protobuf schema both directions share), decode.ts (bounded reading of
 * untrusted bytes), constants.ts (folding weight and shape arithmetic), activation-match.ts (activations
 * written as one operator or as a subgraph), graph-to-layers.ts (the walk from input to output), import.ts;
 * graph-writer.ts, export-layers.ts and export-activations.ts (one entry per layer class and per activation), export.ts.
 */
export { exportOnnx, MAX_EXPORT_OPSET, MIN_EXPORT_OPSET, ONNX_IR_VERSION, ONNX_OPSET } from './export.js';
export type { ExportOnnxOptions } from './export.js';
export { ACTIVATION_EXPORTS } from './export-activations.js';
export { LAYER_EXPORTS } from './export-layers.js';
export { decodeOnnx, MAX_ONNX_BYTES, OnnxFormatError } from './decode.js';
export type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './decode.js';
export { UnsupportedOnnxError } from './activation-match.js';
export { MAX_OPSET, MIN_OPSET, SUPPORTED_OPERATORS } from './graph-to-layers.js';
export type { DescribeOptions, ImportedLayer, ImportedLayout, ImportedWeight, ModelDescription } from './graph-to-layers.js';
export { describeOnnx, importOnnx, modelFromDescription, readOnnxFile } from './import.js';
export type { ImportOnnxOptions } from './import.js';
