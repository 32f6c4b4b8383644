/**
 * onnx/ — interop with ONNX: `exportOnnx(model)` writes a Sequential of dense, activation, flatten and
 * dropout layers as an ONNX model (opset 17) that ONNX Runtime runs with the same outputs.
 */
export { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './export.js';
