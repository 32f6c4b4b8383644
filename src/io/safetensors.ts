/**
 * The `.safetensors` format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {
 * string: string } }` with offsets relative to the byte after the header, then the raw little-endian data.
 * We write F32 (and I64 for the counters a PyTorch state_dict holds) and pad the header with spaces to a
 * multiple of 8 bytes, as the reference writer does, so data stays aligned. Files from elsewhere (a PyTorch
 * state_dict) may hold other dtypes: `{ anyDtype: true }` reads every numeric dtype into float32 and says
 * which it was. Pure functions on bytes: the same in Node and in the browser.
 *
 * The parser treats its input as untrusted: the header length is checked against the size and a 100 MB
 * cap (the reference implementation's) before anything is allocated; every entry's dtype, shape, offsets
 * and byte count is checked, and the ranges must tile the data section exactly. A bad file is an error
 * naming the problem, never an allocation of the size it claims.
 */
import { describe } from '../util/describe.js';

export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface NamedArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** The dtype in the file: written as F32 unless 'I64' (integral values); read back as the file says. */
  readonly dtype?: SafetensorsDtype;
}

/** Element types and their sizes in bytes (the safetensors format's names). */
const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

export interface ParseSafetensorsOptions {
  /** Read every numeric dtype (converted to float32) instead of F32 only. Default false. */
  readonly anyDtype?: boolean;
}

function half(bits: number): number {
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** One element of `dtype` at byte `o`, as a number. */
function element(dv: DataView, o: number, dtype: SafetensorsDtype): number {
  switch (dtype) {
    case 'F64': return dv.getFloat64(o, true);
    case 'F32': return dv.getFloat32(o, true);
    case 'F16': return half(dv.getUint16(o, true));
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const f = new DataView(new ArrayBuffer(4));
      f.setUint16(0, dv.getUint16(o, true), false);
      return f.getFloat32(0, false);
    }
    case 'I64': return Number(dv.getBigInt64(o, true));
    case 'I32': return dv.getInt32(o, true);
    case 'I16': return dv.getInt16(o, true);
    case 'I8': return dv.getInt8(o);
    default: return dv.getUint8(o);
  }
}

export interface SafetensorsContents {
  readonly tensors: Map<string, NamedArray>;
  readonly metadata: Record<string, string>;
}

/** Serialises tensors (in the order given; F32, or I64 where asked) and string metadata into safetensors bytes. */
export function encodeSafetensors(tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  if (!((tensors as unknown) instanceof Map)) throw new TypeError(`encodeSafetensors: tensors must be a Map of name → { shape, data: Float32Array }, got ${describe(tensors)}`);
  if (!metadata || typeof metadata !== 'object') throw new TypeError(`encodeSafetensors: metadata must be an object of strings, got ${describe(metadata)}`);
  for (const [name, t] of tensors) {
    if (!t || !(t.data instanceof Float32Array) || !Array.isArray(t.shape)) throw new TypeError(`encodeSafetensors: ${name} must be { shape: number[], data: Float32Array }, got ${describe(t)}`);
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata values must be strings, got ${describe(v)} for "${k}"`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`encodeSafetensors: ${name} has shape [${t.shape.join(', ')}] (${n} values) but ${t.data.length} values`);
    if (t.dtype !== undefined && t.dtype !== 'F32' && t.dtype !== 'I64') throw new TypeError(`encodeSafetensors: ${name} has dtype ${describe(t.dtype)}; F32 and I64 are written`);
    if (t.dtype === 'I64' && !t.data.every((v) => Number.isInteger(v))) throw new RangeError(`encodeSafetensors: ${name} is I64 but holds a value that is not an integer`);
    const size = t.dtype === 'I64' ? 8 : 4;
    header[name] = { dtype: t.dtype ?? 'F32', shape: [...t.shape], data_offsets: [offset, offset + n * size] };
    offset += n * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const bytes = new Uint8Array(8 + json.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors.values()) {
    const size = t.dtype === 'I64' ? 8 : 4;
    const dv = new DataView(bytes.buffer, pos, t.data.length * size);
    for (let i = 0; i < t.data.length; i++) {
      if (size === 8) dv.setBigInt64(i * 8, BigInt(t.data[i]!), true);
      else dv.setFloat32(i * 4, t.data[i]!, true);
    }
    pos += t.data.length * size;
  }
  return bytes;
}

function fail(path: string, problem: string): never {
  throw new Error(`${path} is not a valid safetensors file: ${problem}`);
}

/** A tensor or key name as shown in a message: a name of a megabyte is cut. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

/**
 * Bytes to parse, read on demand so that a file claiming gigabytes is rejected before anything of that
 * size is allocated: a file in Node (./files.ts), bytes in memory anywhere.
 */
export interface ByteSource {
  /** How the source is named in errors (a path, a URL, "the given bytes"). */
  readonly name: string;
  readonly size: number;
  /** Copies `length` bytes at `position` into `into` (from 0); returns how many were read. */
  read(into: Uint8Array, length: number, position: number): number;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name = 'the given bytes'): ByteSource {
  return {
    name,
    size: bytes.length,
    read(into, length, position) {
      const part = bytes.subarray(position, Math.min(bytes.length, position + length));
      into.set(part);
      return part.length;
    },
  };
}

/** Parses and validates safetensors bytes holding F32 tensors (any numeric dtype with `anyDtype`). */
export function parseSafetensors(source: ByteSource, options: ParseSafetensorsOptions = {}): SafetensorsContents {
  if (options === null || typeof options !== 'object') throw new TypeError(`parseSafetensors: options must be an object like { anyDtype: true }, got ${describe(options)}`);
  const anyDtype = options.anyDtype === true;
  const path = source.name;
  {
    const size = source.size;
    if (size < 8) fail(path, `it holds ${size} bytes, fewer than the 8-byte header length (truncated?)`);
    const lenBuf = new Uint8Array(8);
    source.read(lenBuf, 8, 0);
    const headerLen = new DataView(lenBuf.buffer).getBigUint64(0, true);
    if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(path, `the header claims ${headerLen} bytes, more than the ${MAX_HEADER_BYTES}-byte limit (corrupt length?)`);
    const n = Number(headerLen);
    if (n < 2) fail(path, `the header length is ${n} bytes, too short for a JSON object`);
    if (8 + n > size) fail(path, `the header claims ${n} bytes but the file holds only ${size - 8} after the length (truncated?)`);
    const headerBytes = new Uint8Array(n);
    source.read(headerBytes, n, 8);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
    } catch (e) {
      fail(path, `the header is not valid UTF-8 JSON (${(e as Error).message})`);
    }
    if (!header || typeof header !== 'object' || Array.isArray(header)) fail(path, 'the header is not a JSON object');
    const dataSize = size - 8 - n;
    const metadata: Record<string, string> = {};
    const entries: Array<{ name: string; shape: number[]; begin: number; end: number; dtype: SafetensorsDtype }> = [];
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(path, '__metadata__ must be an object of strings');
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (typeof v !== 'string') fail(path, `__metadata__.${k.length > 80 ? `${k.slice(0, 80)}…` : k} must be a string, got ${describe(v)}`);
          metadata[k] = v;
        }
        continue;
      }
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (!e || typeof e !== 'object' || Array.isArray(e)) fail(path, `entry ${quoted(name)} is not an object { dtype, shape, data_offsets }, got ${describe(e)}`);
      const known = typeof e.dtype === 'string' && Object.hasOwn(DTYPE_BYTES, e.dtype);
      if (anyDtype ? !known : e.dtype !== 'F32') {
        fail(path, `tensor ${quoted(name)} has dtype ${describe(e.dtype)}; ${anyDtype ? `supported: ${Object.keys(DTYPE_BYTES).join(', ')}` : 'only F32 is supported'}`);
      }
      const dtype = e.dtype as SafetensorsDtype;
      const width = DTYPE_BYTES[dtype];
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(path, `tensor ${quoted(name)} has an invalid shape ${describe(e.shape)}; expected an array of non-negative integers`);
      const off = e.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
        fail(path, `tensor ${quoted(name)} has invalid data_offsets ${describe(off)}; expected [begin, end] with 0 <= begin <= end`);
      }
      const [begin, end] = off as [number, number];
      if (end > dataSize) fail(path, `tensor ${quoted(name)} claims bytes ${begin}..${end} but the data section holds ${dataSize} bytes (truncated?)`);
      const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(count * width) || count * width !== end - begin) fail(path, `tensor ${quoted(name)} of shape ${describe(e.shape)} needs ${count * width} bytes but its offsets span ${end - begin}`);
      entries.push({ name, shape: e.shape as number[], begin, end, dtype });
    }
    // The ranges must tile the data section exactly: no overlap, no hole, nothing trailing.
    const sorted = [...entries].sort((a, b) => a.begin - b.begin);
    let expected = 0;
    for (const e of sorted) {
      if (e.begin !== expected) fail(path, `tensor ${quoted(e.name)} starts at byte ${e.begin} where ${expected} was expected (overlapping or missing data)`);
      expected = e.end;
    }
    if (expected !== dataSize) fail(path, `the tensors cover ${expected} bytes but the data section holds ${dataSize}`);
    const tensors = new Map<string, NamedArray>();
    for (const e of entries) {
      const bytes = new Uint8Array(e.end - e.begin);
      const got = bytes.length ? source.read(bytes, bytes.length, 8 + n + e.begin) : 0;
      if (got !== bytes.length) fail(path, `could read only ${got} of ${bytes.length} bytes of ${quoted(e.name)}`);
      const dv = new DataView(bytes.buffer);
      const width = DTYPE_BYTES[e.dtype];
      const data = new Float32Array(bytes.length / width);
      for (let i = 0; i < data.length; i++) data[i] = element(dv, i * width, e.dtype);
      tensors.set(e.name, { shape: e.shape, data, dtype: e.dtype });
    }
    return { tensors, metadata };
  }
}
