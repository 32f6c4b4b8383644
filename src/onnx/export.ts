/**
 * ONNX export of Sequential models made of dense layers and activations (flatten and dropout pass
 * through), so that ONNX Runtime and other ONNX tools can run them: each dense layer becomes a Gemm
 * node (X·W + B, with W stored as our [in, out] kernel) followed by its activation's ONNX op.
 *
 * The encoding uses protobufjs with the part of ONNX's schema in schema.ts (IR version 8). The batch axis
 * is symbolic ("batch").
 */
import { Activation } from '../ops/activation.js';
import { ActivationLayer, Dense, Dropout, Flatten } from '../nn/layers.js';
import type { Sequential } from '../nn/model.js';
import { AttributeType, DataType, modelProto } from './schema.js';

/** ONNX IR version 8 and default-domain opset 17 (ONNX 1.12): what ONNX Runtime 1.12 and later read. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

const FLOAT = DataType.FLOAT;
const ATTR_FLOAT = AttributeType.FLOAT;
const ATTR_INT = AttributeType.INT;

interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute?: { name: string; type: number; f?: number; i?: number }[];
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

const floatAttr = (name: string, f: number) => ({ name, type: ATTR_FLOAT, f });
const intAttr = (name: string, i: number) => ({ name, type: ATTR_INT, i });

/** Little-endian float32 bytes (ONNX raw_data), copied out of whatever memory the tensor lives in. */
function rawFloats(values: ArrayLike<number>): Uint8Array {
  const copy = Float32Array.from(values);
  return new Uint8Array(copy.buffer);
}

class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private count = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: rawFloats(values) });
    return name;
  }

  node(opType: string, input: string[], name: string, attribute?: Node['attribute']): string {
    const output = this.fresh(name);
    this.nodes.push({ input, output: [output], name: output, opType, ...(attribute ? { attribute } : {}) });
    return output;
  }

  /** The activation's ONNX op(s) applied to x; throws for an activation without an export here. */
  activation(act: Activation, x: string, where: string): string {
    const p = act.params;
    switch (act.id) {
      case 'linear': return x;
      case 'relu': return this.node('Relu', [x], `${where}_relu`);
      case 'sigmoid': return this.node('Sigmoid', [x], `${where}_sigmoid`);
      case 'tanh': return this.node('Tanh', [x], `${where}_tanh`);
      case 'softsign': return this.node('Softsign', [x], `${where}_softsign`);
      case 'leaky_relu': return this.node('LeakyRelu', [x], `${where}_leaky_relu`, [floatAttr('alpha', p.alpha!)]);
      case 'elu': return this.node('Elu', [x], `${where}_elu`, [floatAttr('alpha', p.alpha!)]);
      // The table's SELU constants (DESIGN.md), which are also ONNX's defaults, written out.
      case 'selu': return this.node('Selu', [x], `${where}_selu`, [floatAttr('alpha', 1.6732632423543772), floatAttr('gamma', 1.0507009873554805)]);
      case 'hard_sigmoid': return this.node('HardSigmoid', [x], `${where}_hard_sigmoid`, [floatAttr('alpha', 1 / 6), floatAttr('beta', 0.5)]);
      case 'hard_swish': return this.node('HardSwish', [x], `${where}_hard_swish`);
      case 'relu6': {
        const lo = this.constant(this.fresh(`${where}_clip_min`), [], [0]);
        const hi = this.constant(this.fresh(`${where}_clip_max`), [], [6]);
        return this.node('Clip', [x, lo, hi], `${where}_relu6`);
      }
      case 'silu': return this.node('Mul', [x, this.node('Sigmoid', [x], `${where}_sigmoid`)], `${where}_silu`);
      default:
        throw new Error(`exportOnnx: ${where} has activation "${act.id}", which this exporter does not write; supported: linear, relu, relu6, leaky_relu, elu, selu, sigmoid, tanh, softsign, hard_sigmoid, hard_swish, silu`);
    }
  }
}

/**
 * Encodes the model as an ONNX ModelProto: one input "input" [batch, features], one output "output".
 * Supports dense, flatten, dropout (identity in inference) and activation layers.
 */
export function exportOnnx(model: Sequential, options: { name?: string } = {}): Uint8Array {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`exportOnnx: model must be a Sequential model, got ${model === null ? 'null' : typeof model}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`exportOnnx: options must be an object, got ${String(options)}`);
  const inputShape = model.inputShape;
  if (inputShape.length !== 1) {
    throw new Error(`exportOnnx: the model's inputShape must be [features] (dense models), got [${inputShape.join(', ')}]`);
  }
  const g = new GraphBuilder();
  let x = 'input';
  for (const layer of model.layers) {
    const where = layer.name;
    if (layer instanceof Dense) {
      const w = layer.kernel.value;
      const [inF, outF] = w.shape as [number, number];
      const inputs = [x, g.constant(`${where}.kernel`, [inF, outF], w.data as Float32Array)];
      if (layer.bias) inputs.push(g.constant(`${where}.bias`, [outF], layer.bias.value.data as Float32Array));
      x = g.node('Gemm', inputs, `${where}_gemm`);
      x = g.activation(layer.activation, x, where);
    } else if (layer instanceof ActivationLayer) {
      x = g.activation(layer.activation, x, where);
    } else if (layer instanceof Flatten || layer instanceof Dropout) {
      continue;
    } else {
      throw new Error(`exportOnnx: layer "${where}" is a ${layer.className}; this exporter writes dense, activation, flatten and dropout layers only`);
    }
  }
  // The graph's output needs a name of its own: an Identity when the last node is an input or a constant.
  const output = g.node('Identity', [x], 'output');
  const outFeatures = model.outputShape[0]!;
  const valueInfo = (name: string, features: number) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: features }] } } },
  });
  const type = modelProto();
  const message = type.fromObject({
    irVersion: ONNX_IR_VERSION,
    producerName: 'rectifier',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: options.name ?? model.name ?? 'rectifier',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', inputShape[0]!)],
      output: [valueInfo(output, outFeatures)],
    },
  });
  return type.encode(message).finish();
}
