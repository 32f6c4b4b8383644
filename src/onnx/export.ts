/**
 * ONNX export of Sequential models. Every layer writes itself (`Layer.toOnnx`) through the graph writer
 * below, and every activation through its table row's ONNX form, so this file knows no layer class and no
 * activation id. The batch axis is symbolic ("batch").
 *
 * Layout. A channels-last graph (the default) takes images as `predict` does; the layers that use ONNX's
 * channels-first operators are wrapped in Transposes, and a Transpose back immediately followed by one
 * forward is never written, so a run of conv, pool and batch-norm layers costs one pair. A channels-first
 * graph (`inputLayout: 'NCHW'`) takes PyTorch's layout and transposes only where a flatten needs our order
 * of features. Nodes nothing reads (a Transpose whose pair was dropped) are left out of the file.
 */
import type { OnnxAttribute } from '../activations/types.js';
import type { Activation } from '../ops/activation.js';
import type { OnnxGraphWriter, Sequential } from '../nn/index.js';
import { setOnnxExporter } from '../nn/model/sequential.js';
import { describe } from '../util/describe.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, ONNX_OPSET, irVersionFor, modelProto } from './schema.js';

/** Opsets the exporter writes: 13 (Clip, Pad and Dropout take their parameters as inputs) to 21. */
export const MIN_EXPORT_OPSET = 13;
export const MAX_EXPORT_OPSET = 21;

export interface ExportOptions {
  /** The graph's name (default: the model's). */
  readonly name?: string;
  /** Default-domain opset to write (default 17). Gelu and Mish are single operators from 20 and 18, HardSwish from 14. */
  readonly opset?: number;
  /** 'NHWC' (default): images in and out as `predict` takes and gives them. 'NCHW': PyTorch's layout. */
  readonly inputLayout?: 'NHWC' | 'NCHW';
}

interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute?: Attribute[];
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function toAttribute(name: string, value: OnnxAttribute): Attribute {
  if (typeof value === 'number') return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value };
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  if ('int' in value) return { name, type: ATTRIBUTE_TYPE.INT, i: value.int };
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...value.ints] };
}

/** Little-endian bytes (ONNX raw_data), copied out of whatever memory the values live in. */
function rawFloats(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function rawInt64s(values: readonly number[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** Collects nodes and initializers; what layers and activation forms write through. */
class GraphBuilder implements OnnxGraphWriter {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  /** Output of a Transpose → its input and permutation, to drop pairs that cancel. */
  private readonly transposes = new Map<string, { input: string; perm: string }>();
  private count = 0;

  constructor(readonly opset: number, readonly layout: 'nhwc' | 'nchw') {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  node(op: string, inputs: readonly string[], attributes: Readonly<Record<string, OnnxAttribute>> = {}): string {
    const output = this.fresh(op.toLowerCase());
    const attribute = Object.entries(attributes).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ input: [...inputs], output: [output], name: output, opType: op, ...(attribute.length ? { attribute } : {}) });
    return output;
  }

  scalar(value: number): string {
    const name = this.fresh('const');
    this.initializers.push({ name, dims: [], dataType: DATA_TYPE.FLOAT, rawData: rawFloats([value]) });
    return name;
  }

  initializer(name: string, dims: readonly number[], values: Float32Array): string {
    this.initializers.push({ name, dims: [...dims], dataType: DATA_TYPE.FLOAT, rawData: rawFloats(values) });
    return name;
  }

  int64s(name: string, values: readonly number[]): string {
    this.initializers.push({ name, dims: [values.length], dataType: DATA_TYPE.INT64, rawData: rawInt64s(values) });
    return name;
  }

  activation(act: Activation | null, x: string): string {
    return act === null || act.isIdentity ? x : act.spec.onnx.write(this, x, act.params);
  }

  /** A Transpose of x, or the value it undoes when x is itself the opposite Transpose. */
  private transpose(x: string, perm: readonly number[]): string {
    const made = this.transposes.get(x);
    const inverse = perm.join() === TO_NCHW.join() ? TO_NHWC.join() : TO_NCHW.join();
    if (made && made.perm === inverse) return made.input;
    const y = this.node('Transpose', [x], { perm: { ints: perm } });
    this.transposes.set(y, { input: x, perm: perm.join() });
    return y;
  }

  channelsFirst(x: string): string {
    return this.layout === 'nchw' ? x : this.transpose(x, TO_NCHW);
  }

  fromChannelsFirst(y: string): string {
    return this.layout === 'nchw' ? y : this.transpose(y, TO_NHWC);
  }

  channelsLast(x: string): string {
    return this.layout === 'nhwc' ? x : this.transpose(x, TO_NHWC);
  }

  /** The nodes the output depends on, in the order written (a dropped Transpose pair leaves orphans). */
  live(output: string): Node[] {
    const needed = new Set([output]);
    const keep: Node[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.output.some((o) => needed.has(o))) continue;
      keep.push(n);
      for (const v of n.input) needed.add(v);
    }
    return keep.reverse();
  }
}

/**
 * Encodes the model as an ONNX ModelProto: one input "input" [batch, ...] and one output, images
 * channels-last (or channels-first with `inputLayout: 'NCHW'`). A layer without an ONNX form is an
 * error naming it.
 */
export function exportOnnx(model: Sequential, options: ExportOptions = {}): Uint8Array {
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
  const g = new GraphBuilder(opset, inputLayout === 'NCHW' ? 'nchw' : 'nhwc');
  let x = 'input';
  for (const layer of model.layers) x = layer.toOnnx(g, x);
  // The graph's output needs a name of its own: an Identity when the last node is an input or a constant.
  const output = g.node('Identity', [x]);
  const nodes = g.live(output);
  const used = new Set(nodes.flatMap((n) => n.input));
  const graphShape = (shape: readonly number[]) => (shape.length === 3 && g.layout === 'nchw' ? [shape[2]!, shape[0]!, shape[1]!] : [...shape]);
  const valueInfo = (name: string, shape: readonly number[]) => ({
    name,
    type: { tensorType: { elemType: DATA_TYPE.FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] } } },
  });
  const type = modelProto();
  const message = type.fromObject({
    irVersion: irVersionFor(opset),
    producerName: 'rectifier',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: options.name ?? model.name ?? 'rectifier',
      node: nodes,
      initializer: g.initializers.filter((t) => used.has(t.name)),
      input: [valueInfo('input', graphShape(model.inputShape))],
      output: [valueInfo(output, graphShape(model.outputShape))],
    },
  });
  return type.encode(message).finish();
}

setOnnxExporter(exportOnnx);
