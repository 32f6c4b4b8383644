/**
 * onnx/ — interop with ONNX.
 * Out: `exportOnnx(model, { opset?, inputLayout? })` writes a Sequential as an ONNX model that ONNX Runtime
 * runs with the same outputs; each layer writes itself (`Layer.toOnnx`) and each activation through its
 * table row's ONNX form (export.ts implements the graph writer they use). Loading this module lets
 * `model.exportOnnx(path)` write files.
 * In: `importOnnx(bytes)` turns an ONNX model exported by PyTorch (torch.onnx.export) or from Keras
 * (tf2onnx) into an ordinary Sequential, channels-last, with its weights; `describeOnnx(bytes)` gives the
 * layers it would build as plain data; loading this module lets `loadModel(path)` read .onnx files. The
 * pieces: decode.ts (bounded reading of untrusted bytes), constants.ts (folding weight and shape
 * arithmetic), activation-match.ts (activations written as one operator or as a subgraph),
 * graph-to-layers.ts (the walk from input to output), import.ts.
 * The schema subset shared by export and import is in ./schema.ts.
 */
export { MAX_EXPORT_OPSET, MIN_EXPORT_OPSET, exportOnnx } from './export.js';
export type { ExportOptions } from './export.js';
export { ONNX_IR_VERSION, ONNX_OPSET } from './schema.js';
export { decodeOnnx, MAX_ONNX_BYTES, OnnxFormatError } from './decode.js';
export type { DecodedAttribute, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './decode.js';
export { UnsupportedOnnxError } from './activation-match.js';
export { MAX_OPSET, MIN_OPSET, SUPPORTED_OPERATORS } from './graph-to-layers.js';
export type { DescribeOptions, ImportedLayer, ImportedLayout, ImportedWeight, ModelDescription } from './graph-to-layers.js';
export { describeOnnx, importOnnx, modelFromDescription } from './import.js';
export type { ImportOnnxOptions } from './import.js';
