/**
 * What a layer writes its ONNX form through (`Layer.toOnnx`). The exporter in src/onnx implements it; the
 * layers only describe themselves, so adding a layer never touches the exporter.
 */
import type { OnnxEmitter } from '../activations/types.js';
import type { Activation } from '../ops/activation.js';

export interface OnnxGraphWriter extends OnnxEmitter {
  /** Image tensors of the exported graph: channels-last as ours (default) or channels-first as PyTorch's. */
  readonly layout: 'nhwc' | 'nchw';
  /** A float32 initializer (a weight); returns its name. */
  initializer(name: string, dims: readonly number[], values: Float32Array): string;
  /** An int64 initializer (a shape for Reshape, axes); returns its name. */
  int64s(name: string, values: readonly number[]): string;
  /** `act` applied to x through its table row's ONNX form; x itself for none or the identity. */
  activation(act: Activation | null, x: string): string;
}
