/**
 * ONNX export of any Sequential the engine builds, so that ONNX Runtime and other ONNX tools run it with
 * the same outputs: each layer as export-layers.ts writes it, each activation as export-activations.ts
 * does, encoded by graph-writer.ts. The batch axis is symbolic ("batch"); the graph's input is "input"
 * and its output "output".
 */
import type { Sequential } from '../nn/model.js';
import { setOnnxExporter } from '../nn/model.js';
import { describe } from '../util/describe.js';
import { exportLayer } from './export-layers.js';
import type { ExportState } from './export-layers.js';
import { OnnxGraphBuilder, ints, irVersionFor } from './graph-writer.js';

/** The default opset: ONNX 1.12's, which ONNX Runtime 1.12 and later and PyTorch 1.13 read and write. */
export const ONNX_OPSET = 17;
/** The IR version written with the default opset. */
export const ONNX_IR_VERSION = irVersionFor(ONNX_OPSET);
/** Opsets the exporter writes: 13 (Unsqueeze and Split take inputs) to 21. */
export const MIN_EXPORT_OPSET = 13;
export const MAX_EXPORT_OPSET = 21;

export interface ExportOnnxOptions {
  /** Default-domain opset to write (default 17). Gelu and Mish are single operators from 20 and 18, HardSwish from 14. */
  readonly opset?: number;
  /** 'NHWC' (default): images in as `predict` takes them. 'NCHW': PyTorch's layout, a graph with no Transpose. */
  readonly inputLayout?: 'NHWC' | 'NCHW';
  /** The graph's name (default: the model's). */
  readonly name?: string;
}

/** Encodes the model as an ONNX ModelProto. */
export function exportOnnx(model: Sequential, options: ExportOnnxOptions = {}): Uint8Array {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`exportOnnx: model must be a Sequential model, got ${describe(model)}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`exportOnnx: options must be an object like { opset: 17, inputLayout: 'NHWC' }, got ${describe(options)}`);
  const opset = options.opset ?? ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_EXPORT_OPSET || opset > MAX_EXPORT_OPSET) {
    throw new RangeError(`exportOnnx: opset must be an integer from ${MIN_EXPORT_OPSET} to ${MAX_EXPORT_OPSET}, got ${describe(opset)}`);
  }
  const inputLayout = options.inputLayout ?? 'NHWC';
  if (inputLayout !== 'NHWC' && inputLayout !== 'NCHW') throw new TypeError(`exportOnnx: inputLayout must be 'NHWC' or 'NCHW', got ${describe(inputLayout)}`);
  if (options.name !== undefined && typeof options.name !== 'string') throw new TypeError(`exportOnnx: name must be a string, got ${describe(options.name)}`);

  const images = model.inputShape.length === 3;
  const channelsLast = !images || inputLayout === 'NHWC';
  const g = new OnnxGraphBuilder(opset, ['input']);
  const s: ExportState = {
    x: 'input',
    layout: images ? inputLayout : 'features',
    shape: [...model.inputShape],
    featureOrder: null,
  };
  if (!images && model.inputShape.length !== 1) {
    throw new Error(`exportOnnx: the model's inputShape is [${model.inputShape.join(', ')}]; features [n] and images [h, w, c] are written`);
  }
  for (const layer of model.layers) exportLayer(g, layer, s, channelsLast);
  // Images out of a channels-last graph go back to NHWC, as `predict` returns them.
  if (s.layout === 'NCHW' && channelsLast) {
    s.x = g.node('Transpose', [s.x], 'output_to_nhwc', { perm: ints([0, 2, 3, 1]) });
    s.layout = 'NHWC';
  }
  const output = g.node('Identity', [s.x], 'output');
  const graphShape = (shape: readonly number[], layout: ExportState['layout']) =>
    shape.length === 3 && layout === 'NCHW' ? [shape[2]!, shape[0]!, shape[1]!] : [...shape];
  return g.encode({
    graphName: options.name ?? model.name ?? 'rectifier',
    producerVersion: '0.1.0',
    input: { name: 'input', shape: graphShape(model.inputShape, images ? inputLayout : 'features') },
    output: { name: output, shape: graphShape(s.shape, s.layout) },
  });
}

setOnnxExporter(exportOnnx);
