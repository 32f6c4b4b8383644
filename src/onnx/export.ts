/**
 * ONNX export of Sequential models. Every layer writes itself (`Layer.toOnnx`) through the graph writer
 * below, and every activation through its table row's ONNX form, so this file knows no layer class and no
 * activation id. The batch axis is symbolic ("batch").
 */
import type { OnnxAttribute } from '../activations/types.js';
import type { Activation } from '../ops/activation.js';
import type { OnnxGraphWriter, Sequential } from '../nn/index.js';
import { describe } from '../util/describe.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, ONNX_IR_VERSION, ONNX_OPSET, modelProto } from './schema.js';

export interface ExportOptions {
  /** The graph's name (default: the model's). */
  readonly name?: string;
  /** Default-domain opset to write (default 17). */
  readonly opset?: number;
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

/** Collects nodes and initializers; what layers and activation forms write through. */
class GraphBuilder implements OnnxGraphWriter {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  readonly layout = 'nhwc' as const;
  private count = 0;

  constructor(readonly opset: number) {}

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
}

/**
 * Encodes the model as an ONNX ModelProto: one input "input" [batch, ...inputShape] and one output,
 * channels-last like the model. A layer without an ONNX form is an error naming it.
 */
export function exportOnnx(model: Sequential, options: ExportOptions = {}): Uint8Array {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`exportOnnx: model must be a Sequential model, got ${describe(model)}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`exportOnnx: options must be an object, got ${describe(options)}`);
  const opset = options.opset ?? ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new RangeError(`exportOnnx: opset must be an integer from 13 to 21, got ${describe(opset)}`);
  const g = new GraphBuilder(opset);
  let x = 'input';
  for (const layer of model.layers) x = layer.toOnnx(g, x);
  // The graph's output needs a name of its own: an Identity when the last node is an input or a constant.
  const output = g.node('Identity', [x]);
  const valueInfo = (name: string, shape: readonly number[]) => ({
    name,
    type: { tensorType: { elemType: DATA_TYPE.FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] } } },
  });
  const type = modelProto();
  const message = type.fromObject({
    irVersion: ONNX_IR_VERSION,
    producerName: 'rectifier',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: options.name ?? model.name ?? 'rectifier',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', model.inputShape)],
      output: [valueInfo(output, model.outputShape)],
    },
  });
  return type.encode(message).finish();
}
