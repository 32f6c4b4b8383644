/** Shared pieces of the ONNX tests: the committed fixtures, layout conversion, and small graphs written by hand. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modelProto } from '../../src/onnx/schema.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
export const PYTORCH_FIXTURES = fileURLToPath(new URL('../fixtures/pytorch/', import.meta.url));

export interface Fixture {
  readonly name: string;
  readonly opset: number;
  readonly producer: string;
  readonly layout: 'NCHW' | 'NHWC' | 'features';
  readonly inputShape: number[];
  readonly input: number[];
  readonly outputShape: number[];
  readonly output: number[];
  readonly ops: string[];
  readonly notes: string;
  readonly bytes: Uint8Array;
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();
}

export function fixture(name: string): Fixture {
  const meta = JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8'));
  return { ...meta, bytes: new Uint8Array(readFileSync(`${FIXTURES}${name}.onnx`)) };
}

/** [n, c, h, w] row-major values → [n, h, w, c]. */
export function nchwToNhwc(x: ArrayLike<number>, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let k = 0; k < c!; k++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) {
    out[((b * h! + y) * w! + z) * c! + k] = x[((b * c! + k) * h! + y) * w! + z]!;
  }
  return out;
}

/** The fixture's input as our models take it (channels-last). */
export function ourInput(f: Fixture): Float32Array {
  return f.layout === 'NCHW' ? nchwToNhwc(f.input, f.inputShape) : Float32Array.from(f.input);
}

/** Largest |got − want| / (1 + |want|): the "relative plus absolute" error the tolerances bound. */
export function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return worst;
}

export function softmaxRows(x: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += width) {
    let max = -Infinity;
    for (let i = 0; i < width; i++) max = Math.max(max, x[r + i]!);
    let sum = 0;
    for (let i = 0; i < width; i++) sum += Math.exp(x[r + i]! - max);
    for (let i = 0; i < width; i++) out[r + i] = Math.exp(x[r + i]! - max) / sum;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Graphs written by hand, for the cases no exporter produces on purpose (unsupported operators,
// branches, broken tensors).

export type Attr = number | string | number[] | { floats: number[] };

export interface NodeSpec {
  readonly op: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly name?: string;
  readonly attrs?: Record<string, Attr>;
}

export interface GraphSpec {
  readonly nodes: NodeSpec[];
  readonly initializers?: Record<string, { dims: number[]; values: number[] } | { dims: number[]; int64: number[] }>;
  readonly input?: { name: string; shape: (number | string)[] };
  readonly output?: string;
  readonly opset?: number;
}

function attribute(name: string, v: Attr) {
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return { name, type: 6, floats: v.floats };
}

/** Encodes a graph with the same schema the library uses (field numbers are ONNX's). */
export function onnxBytes(spec: GraphSpec): Uint8Array {
  const input = spec.input ?? { name: 'x', shape: ['batch', 4] };
  const valueInfo = (name: string, shape: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const initializer = Object.entries(spec.initializers ?? {}).map(([name, t]) => {
    if ('int64' in t) {
      const raw = new Uint8Array(t.int64.length * 8);
      const view = new DataView(raw.buffer);
      t.int64.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
      return { name, dims: t.dims, dataType: 7, rawData: raw };
    }
    return { name, dims: t.dims, dataType: 1, rawData: new Uint8Array(Float32Array.from(t.values).buffer) };
  });
  const type = modelProto();
  return type.encode(type.fromObject({
    irVersion: 8,
    producerName: 'test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `${n.op}_${i}`,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer,
      input: [valueInfo(input.name, input.shape)],
      output: [valueInfo(spec.output ?? spec.nodes[spec.nodes.length - 1]!.outputs[0]!, ['batch'])],
    },
  })).finish();
}

/** Deterministic weights for hand-written graphs. */
export function values(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  });
}
