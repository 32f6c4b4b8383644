/**
 * Reading an ONNX file into plain data: nodes with their attributes, constant tensors (initializers and
 * Constant nodes' values, as typed arrays), and the graph's inputs and outputs with their shapes.
 *
 * The file is untrusted. protobufjs checks every length against the end of the buffer and limits nesting,
 * and bytes fields are views of the file, not copies; on top of that every tensor's element count is
 * checked against the bytes it actually holds before anything of its claimed size is allocated, so a
 * truncated file or a tensor claiming more data than the file holds is an error naming the tensor, and
 * memory stays proportional to the file's size. Tensors stored outside the file (external data) are
 * refused: the bytes are all we are given.
 */
import { DATA_TYPE_NAMES, ATTRIBUTE_TYPE, DATA_TYPE, modelProto } from './schema.js';

/** A constant tensor of the graph. int64 values become numbers (shapes and axes fit in 2^53). */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** FLOAT, FLOAT16 and DOUBLE tensors become float32; the integer and bool types become number[]-like int arrays. */
  readonly type: 'float' | 'int';
  readonly data: Float32Array | Float64Array;
}

export type DecodedAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor }
  | { readonly kind: 'other'; readonly type: number };

export interface OnnxNode {
  /** The node's name, or `#<index>` when the file leaves it empty. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, DecodedAttribute>;
}

/** A graph input or output: its element type and shape (a number, a symbolic name, or null when unknown). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly (number | string | null)[] | null;
}

export interface OnnxModel {
  readonly irVersion: number;
  /** The default-domain (ai.onnx) opset the graph is written against. */
  readonly opset: number;
  readonly producer: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  /** Inputs that are not initializers: what a caller feeds. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export class OnnxFormatError extends Error {
  constructor(problem: string) {
    super(`not a valid ONNX model: ${problem}`);
    this.name = 'OnnxFormatError';
  }
}

/** At most this many bytes (2 GiB, protobuf's own limit for one message). */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

type Long = { toNumber(): number };
/** An int64 field as a number (protobufjs gives a Long object when the `long` package is present). */
function int(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as Long).toNumber === 'function') return (v as Long).toNumber();
  return 0;
}

// The decoded protobuf message, as far as we read it.
interface RawTensor {
  dims?: unknown[]; dataType?: number; floatData?: number[]; int32Data?: number[]; int64Data?: unknown[]; doubleData?: number[];
  name?: string; rawData?: Uint8Array; externalData?: unknown[]; dataLocation?: number;
}
interface RawAttribute {
  name?: string; type?: number; f?: number; i?: unknown; s?: Uint8Array; t?: RawTensor; floats?: number[]; ints?: unknown[];
  strings?: unknown[]; tensors?: unknown[]; refAttrName?: string;
}
interface RawNode { input?: string[]; output?: string[]; name?: string; opType?: string; attribute?: RawAttribute[]; domain?: string }
interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
}
interface RawGraph { node?: RawNode[]; name?: string; initializer?: RawTensor[]; input?: RawValueInfo[]; output?: RawValueInfo[] }
interface RawModel { irVersion?: unknown; producerName?: string; producerVersion?: string; graph?: RawGraph; opsetImport?: { domain?: string; version?: unknown }[] }

const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DATA_TYPE.FLOAT]: 4, [DATA_TYPE.DOUBLE]: 8, [DATA_TYPE.FLOAT16]: 2, [DATA_TYPE.INT64]: 8, [DATA_TYPE.INT32]: 4,
  [DATA_TYPE.INT8]: 1, [DATA_TYPE.UINT8]: 1, [DATA_TYPE.BOOL]: 1,
};

function typeName(t: number): string {
  return DATA_TYPE_NAMES[t] ?? `type ${t}`;
}

/** IEEE half precision to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Checks and converts one TensorProto; `where` names it in errors. */
export function readTensor(raw: RawTensor, where: string): OnnxTensor {
  const name = raw.name ?? '';
  const dims = (raw.dims ?? []).map(int);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new OnnxFormatError(`${where} has invalid dims [${dims.join(', ')}]`);
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (!Number.isSafeInteger(count)) throw new OnnxFormatError(`${where} has dims [${dims.join(', ')}], more elements than can be addressed`);
  }
  const dataType = raw.dataType ?? 0;
  if (raw.dataLocation === 1 || (raw.externalData?.length ?? 0) > 0) {
    throw new OnnxFormatError(`${where} keeps its data in an external file; only self-contained models can be read (save the model with all tensors inside it)`);
  }
  const size = ELEMENT_BYTES[dataType];
  if (size === undefined) {
    throw new OnnxFormatError(`${where} has element type ${typeName(dataType)}; supported: FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT8, UINT8, BOOL`);
  }
  const isFloat = dataType === DATA_TYPE.FLOAT || dataType === DATA_TYPE.DOUBLE || dataType === DATA_TYPE.FLOAT16;
  const raw8 = raw.rawData;
  if (raw8 && raw8.length > 0) {
    // Compare before allocating: the claim must match the bytes actually present.
    if (raw8.length !== count * size) {
      throw new OnnxFormatError(`${where} claims dims [${dims.join(', ')}] of ${typeName(dataType)} (${count * size} bytes) but holds ${raw8.length} bytes of data`);
    }
    const view = new DataView(raw8.buffer, raw8.byteOffset, raw8.byteLength);
    const data = isFloat ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const o = i * size;
      switch (dataType) {
        case DATA_TYPE.FLOAT: data[i] = view.getFloat32(o, true); break;
        case DATA_TYPE.DOUBLE: data[i] = view.getFloat64(o, true); break;
        case DATA_TYPE.FLOAT16: data[i] = halfToFloat(view.getUint16(o, true)); break;
        case DATA_TYPE.INT64: data[i] = Number(view.getBigInt64(o, true)); break;
        case DATA_TYPE.INT32: data[i] = view.getInt32(o, true); break;
        case DATA_TYPE.INT8: data[i] = view.getInt8(o); break;
        default: data[i] = view.getUint8(o);
      }
    }
    return { name, dims, type: isFloat ? 'float' : 'int', data };
  }
  // Typed fields: which one holds the data depends on the element type (onnx.proto's comments).
  let values: ArrayLike<unknown>;
  switch (dataType) {
    case DATA_TYPE.FLOAT: values = raw.floatData ?? []; break;
    case DATA_TYPE.DOUBLE: values = raw.doubleData ?? []; break;
    case DATA_TYPE.INT64: values = raw.int64Data ?? []; break;
    default: values = raw.int32Data ?? []; // INT32, INT16, INT8, UINT8, BOOL, FLOAT16 (as bits)
  }
  if (values.length !== count) {
    throw new OnnxFormatError(`${where} claims dims [${dims.join(', ')}] (${count} values) but holds ${values.length}`);
  }
  const data = isFloat ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    data[i] = dataType === DATA_TYPE.FLOAT16 ? halfToFloat(int(v)) : int(v);
  }
  return { name, dims, type: isFloat ? 'float' : 'int', data };
}

function readAttribute(raw: RawAttribute, where: string): DecodedAttribute {
  const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array(0));
  if (raw.refAttrName) return { kind: 'other', type: raw.type ?? 0 };
  switch (raw.type) {
    case ATTRIBUTE_TYPE.FLOAT: return { kind: 'float', value: raw.f ?? 0 };
    case ATTRIBUTE_TYPE.INT: return { kind: 'int', value: int(raw.i) };
    case ATTRIBUTE_TYPE.STRING: return { kind: 'string', value: text(raw.s) };
    case ATTRIBUTE_TYPE.FLOATS: return { kind: 'floats', value: [...(raw.floats ?? [])] };
    case ATTRIBUTE_TYPE.INTS: return { kind: 'ints', value: (raw.ints ?? []).map(int) };
    case ATTRIBUTE_TYPE.TENSOR:
      if (!raw.t) throw new OnnxFormatError(`${where} is a tensor attribute without a tensor`);
      return { kind: 'tensor', value: readTensor(raw.t, where) };
    default: return { kind: 'other', type: raw.type ?? 0 };
  }
}

function readValueInfo(raw: RawValueInfo): OnnxValueInfo {
  const t = raw.type?.tensorType;
  const dims = t?.shape ? t.shape.dim : undefined;
  return {
    name: raw.name ?? '',
    elemType: t?.elemType ?? 0,
    // Decoded messages carry defaults on their prototype: a dimension is fixed only if dim_value was written.
    shape: dims === undefined || dims === null ? null : dims.map((d) => (Object.hasOwn(d, 'dimValue') ? int(d.dimValue) : d.dimParam ? d.dimParam : null)),
  };
}

/**
 * Decodes and checks an ONNX model. Throws OnnxFormatError for bytes that are not a well-formed ONNX
 * model (truncated, malformed, tensors whose data does not match their dims).
 */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeOnnx: expected the model's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length === 0) throw new OnnxFormatError('the file is empty');
  if (bytes.length > MAX_ONNX_BYTES) throw new OnnxFormatError(`it holds ${bytes.length} bytes, more than protobuf's 2 GiB limit`);
  let raw: RawModel;
  try {
    raw = modelProto().decode(bytes) as unknown as RawModel;
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /index out of range/.test(msg) ? ' (truncated?)' : '';
    throw new OnnxFormatError(`the protobuf encoding is broken: ${msg}${hint}`);
  }
  const graph = raw.graph;
  if (!graph) throw new OnnxFormatError('it has no graph (field 7 of ModelProto)');
  const irVersion = int(raw.irVersion);
  if (irVersion < 3) throw new OnnxFormatError(`its IR version is ${irVersion}; models from IR version 3 (ONNX 1.0) on carry the opset imports this reader needs`);
  const opsets = raw.opsetImport ?? [];
  const main = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!main) {
    throw new OnnxFormatError(`it imports no default-domain (ai.onnx) opset; imports: ${opsets.map((o) => `${o.domain}:${int(o.version)}`).join(', ') || 'none'}`);
  }
  const initializers = new Map<string, OnnxTensor>();
  (graph.initializer ?? []).forEach((t, i) => {
    const tensor = readTensor(t, `initializer ${i} ("${t.name ?? ''}")`);
    if (!tensor.name) throw new OnnxFormatError(`initializer ${i} has no name`);
    initializers.set(tensor.name, tensor);
  });
  const nodes: OnnxNode[] = (graph.node ?? []).map((n, i) => {
    const name = n.name || `#${i}`;
    const where = `node "${name}" (${n.opType ?? '?'})`;
    if (!n.opType) throw new OnnxFormatError(`node ${i} ("${n.name ?? ''}") has no operator type`);
    const attributes = new Map<string, DecodedAttribute>();
    for (const a of n.attribute ?? []) attributes.set(a.name ?? '', readAttribute(a, `attribute "${a.name ?? ''}" of ${where}`));
    return { name, opType: n.opType, domain: n.domain ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attributes };
  });
  return {
    irVersion,
    opset: int(main.version),
    producer: [raw.producerName, raw.producerVersion].filter(Boolean).join(' '),
    graphName: graph.name ?? '',
    nodes,
    initializers,
    inputs: (graph.input ?? []).map(readValueInfo).filter((v) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map(readValueInfo),
  };
}
