/**
 * What a layer writes its ONNX form through (`Layer.toOnnx`). The exporter in src/onnx implements it; the
 * layers only describe themselves, so adding a layer never touches the exporter.
 *
 * Images travel between layers in the graph's layout (`layout`). ONNX's Conv, pools and
 * BatchNormalization read channels-first tensors, so a layer that uses one asks `channelsFirst(x)` for its
 * input and hands its result back through `fromChannelsFirst(y)`; in a channels-last graph these are the
 * Transposes around it, and the writer drops a pair that cancels, so consecutive image layers transpose
 * once. A layer that needs our own order of values (a flatten, whose features the next dense layer's
 * rows follow) asks `channelsLast(x)`.
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
  /** Image x (in the graph's layout) as NCHW. */
  channelsFirst(x: string): string;
  /** Image y (NCHW) in the graph's layout. */
  fromChannelsFirst(y: string): string;
  /** Image x (in the graph's layout) as NHWC, our order of values. */
  channelsLast(x: string): string;
}
