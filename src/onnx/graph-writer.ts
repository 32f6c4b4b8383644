/**
 * Writing an ONNX graph: nodes, float and int64 initializers, and the encoding of the finished model
 * with the shared schema (schema.ts). Layer and activation exporters see only `GraphWriter`: they add
 * nodes and constants and get value names back, so none of them knows about protobuf.
 */
import { AttributeType, DataType, modelProto } from './schema.js';

/** An attribute value with its ONNX type said explicitly (1 as a float is not 1 as an int). */
export type Attribute =
  | { readonly float: number }
  | { readonly int: number }
  | { readonly floats: readonly number[] }
  | { readonly ints: readonly number[] }
  | { readonly string: string };

export const float = (v: number): Attribute => ({ float: v });
export const int = (v: number): Attribute => ({ int: v });
export const ints = (v: readonly number[]): Attribute => ({ ints: v });
export const text = (v: string): Attribute => ({ string: v });

export interface GraphWriter {
  /** The default-domain opset the graph is written against. */
  readonly opset: number;
  /** A float32 initializer; returns its name (made unique). */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string;
  /** An int64 initializer (shapes, axes, pads); returns its name. */
  int64s(name: string, dims: readonly number[], values: readonly number[]): string;
  /** A node; returns the name of its (single) output. `name` prefixes the node and output names. */
  node(opType: string, inputs: readonly string[], name: string, attributes?: Readonly<Record<string, Attribute>>): string;
}

/** The IR version that goes with an opset (ONNX's versioning table): what readers check first. */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

interface EncodedNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Record<string, unknown>[];
}

function encodeAttribute(name: string, a: Attribute): Record<string, unknown> {
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.string) };
}

/** Collects a graph and encodes it as a ModelProto. */
export class OnnxGraphBuilder implements GraphWriter {
  private readonly nodes: EncodedNode[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();

  constructor(readonly opset: number, reserved: readonly string[] = []) {
    for (const r of reserved) this.names.add(r);
  }

  private unique(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const unique = this.unique(name);
    // Little-endian float32 bytes, copied out of whatever memory the values live in.
    const raw = new Uint8Array(Float32Array.from(values).buffer);
    this.initializers.push({ name: unique, dims: [...dims], dataType: DataType.FLOAT, rawData: raw });
    return unique;
  }

  int64s(name: string, dims: readonly number[], values: readonly number[]): string {
    const unique = this.unique(name);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name: unique, dims: [...dims], dataType: DataType.INT64, rawData: raw });
    return unique;
  }

  node(opType: string, inputs: readonly string[], name: string, attributes: Readonly<Record<string, Attribute>> = {}): string {
    const unique = this.unique(name);
    this.nodes.push({
      input: [...inputs], output: [unique], name: unique, opType,
      attribute: Object.entries(attributes).map(([k, v]) => encodeAttribute(k, v)),
    });
    return unique;
  }

  /** The model bytes: one float32 input and output, each with a symbolic batch axis "batch". */
  encode(options: { graphName: string; input: { name: string; shape: readonly number[] }; output: { name: string; shape: readonly number[] }; producerVersion: string }): Uint8Array {
    const valueInfo = (name: string, shape: readonly number[]) => ({
      name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] } } },
    });
    const type = modelProto();
    const message = type.fromObject({
      irVersion: irVersionFor(this.opset),
      producerName: 'rectifier',
      producerVersion: options.producerVersion,
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(options.input.name, options.input.shape)],
        output: [valueInfo(options.output.name, options.output.shape)],
      },
    });
    return type.encode(message).finish();
  }
}
