/**
 * onnx/ — interop with ONNX: `exportOnnx(model)` writes a Sequential as an ONNX model that ONNX Runtime
 * runs with the same outputs; each layer writes itself (`Layer.toOnnx`) and each activation through its
 * table row's ONNX form. The schema subset shared by export and import is in ./schema.ts.
 */
export { exportOnnx } from './export.js';
export type { ExportOptions } from './export.js';
export { ONNX_IR_VERSION, ONNX_OPSET } from './schema.js';
