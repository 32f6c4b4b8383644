/**
 * Fuzz target: model files, through `loadModel(file)` and `readSafetensors(file)`. Inputs are saved models
 * (dense, convolutional with batch norm and prelu, compiled and not) and a raw tensor file, damaged at
 * three levels: the bytes (truncations, bit flips, huge header lengths), the header's JSON (dtypes, shapes,
 * offsets of the wrong type or size) and the architecture and training JSON inside its metadata (huge
 * units, unknown or prototype layer classes, wrong types). A file that loads must give exactly the tensors
 * an independent reading of the format finds, and a model whose weights are those tensors; a file that
 * such a reading accepts must not be rejected by readSafetensors.
 */
import { readFileSync, statSync } from 'node:fs';
import { encodeSafetensors, layers, loadModel, readSafetensors, sequential } from 'rectifier';
import { chance, mutateBytes, mutateJson, mutateText, pick, stringifyWithSpecials } from '../mutate.js';
import { WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

interface Base {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Whether the file holds an architecture (loadModel can read it). */
  readonly model: boolean;
}

interface Corpus {
  readonly bases: readonly Base[];
}

interface Args {
  readonly api: 'loadModel' | 'readSafetensors';
  readonly file: string;
}

/** The format read independently: an 8-byte length, a JSON header, F32 data tiling the rest exactly. */
interface Decoded {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

function decodeReference(bytes: Uint8Array): Decoded | null {
  if (bytes.length < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n < 2n || n > BigInt(bytes.length - 8)) return null;
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
  const dataLength = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return null;
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') return null;
        metadata[k] = v;
      }
      continue;
    }
    if (typeof entry !== 'object' || entry === null) return null;
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F32' || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) return null;
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) return null;
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength || end - begin !== count * 4) return null;
    spans.push([begin, end, name]);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(headerEnd + begin + 4 * i, true);
    tensors.set(name, { shape: shape as number[], data });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end] of spans) {
    if (begin !== at) return null;
    at = end;
  }
  return at === dataLength ? { tensors, metadata } : null;
}

function sameData(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Splits a file into its header object and data; null when the header is not readable JSON. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } | null {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function join(headerText: string, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

export const target: FuzzTarget<Corpus> = {
  name: 'safetensors',

  async corpus(dir) {
    const save = (name: string, build: () => ReturnType<typeof sequential>): Base => {
      const model = build();
      const file = `${dir}/${name}.safetensors`;
      model.save(file);
      model.dispose();
      return { name, bytes: new Uint8Array(readFileSync(file)), model: true };
    };
    const mlp = save('mlp', () =>
      sequential({ inputShape: [4], seed: 1, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 3 })] }).compile({ optimizer: 'adam', loss: 'softmax_cross_entropy', metrics: ['accuracy'] }),
    );
    const cnn = save('cnn', () =>
      sequential({
        inputShape: [6, 6, 1],
        seed: 2,
        layers: [
          layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'leaky_relu' }),
          layers.batchNorm(),
          layers.maxPool2d({ poolSize: 2 }),
          layers.flatten(),
          layers.dense({ units: 4 }),
          layers.prelu(),
          layers.dropout({ rate: 0.25 }),
          layers.dense({ units: 2 }),
        ],
      }).compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' }),
    );
    const plain = save('plain', () => sequential({ inputShape: [3], seed: 3, layers: [layers.dense({ units: 2, activation: 'elu' })] }));
    const raw: Base = {
      name: 'raw',
      bytes: encodeSafetensors(
        new Map([
          ['a', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, Number.NaN, Infinity, -0]) }],
          ['empty', { shape: [0, 4], data: new Float32Array(0) }],
          ['scalar', { shape: [], data: Float32Array.from([7]) }],
        ]),
        { note: 'raw tensors', other: '{"not": "an architecture"}' },
      ),
      model: false,
    };
    return { bases: [mlp, cnn, plain, raw] };
  },

  generate(rng, corpus): FuzzCase {
    const base = pick(rng, corpus.bases);
    const api = base.model && chance(rng, 0.75) ? 'loadModel' : 'readSafetensors';
    const file = 'model.safetensors';
    const kind = rng.int(20);
    if (kind === 0) {
      const path = pick(rng, ['missing.safetensors', '.', 'dir.safetensors', '/dev/null', '/dev/zero', 'pipe.safetensors', 'nodir/x.safetensors']);
      return {
        files: path === 'dir.safetensors' ? { 'dir.safetensors/x': base.bytes } : {},
        fifos: path === 'pipe.safetensors' ? ['pipe.safetensors'] : [],
        args: { api, file: path } satisfies Args,
        how: `path ${path}`,
      };
    }
    if (kind <= 7) {
      const m = mutateBytes(rng, base.bytes, { fields: [{ offset: 0, bytes: 8 }, { offset: 0, bytes: 4 }, { offset: 4, bytes: 4 }] });
      return { files: { [file]: m.bytes }, args: { api, file } satisfies Args, how: m.how };
    }
    const { header, data } = split(base.bytes)!;
    const lengthDelta = chance(rng, 0.1) ? pick(rng, [-1, 1, -8, 8, 1000]) : 0;
    if (kind <= 12 || !base.model) {
      // The header's own JSON: dtypes, shapes and offsets.
      const m = mutateJson(rng, header, (path) => path[0] !== '__metadata__');
      const text = chance(rng, 0.85) ? stringifyWithSpecials(rng, m.value) : mutateText(rng, JSON.stringify(header)).text;
      return { files: { [file]: join(text, data, lengthDelta) }, args: { api, file } satisfies Args, how: `header: ${m.how}${lengthDelta ? `; length ${lengthDelta}` : ''}` };
    }
    // The architecture or the training settings stored as JSON strings in the metadata.
    const metadata = { ...(header.__metadata__ as Record<string, string>) };
    const key = metadata.training && chance(rng, 0.3) ? 'training' : chance(rng, 0.1) ? pick(rng, ['format', 'rectifier.version']) : 'architecture';
    let how: string;
    if ((key === 'architecture' || key === 'training') && metadata[key] !== undefined && chance(rng, 0.85)) {
      const parsed = JSON.parse(metadata[key]!) as unknown;
      const m = mutateJson(rng, parsed, (path) => path.includes('config') || path.includes('className') || path.includes('layers') || path.includes('inputShape') || path.includes('optimizer'));
      metadata[key] = stringifyWithSpecials(rng, m.value);
      how = `${key}: ${m.how}`;
    } else if (chance(rng, 0.5)) {
      const m = mutateText(rng, metadata[key] ?? '');
      metadata[key] = m.text;
      how = `${key} text: ${m.how}`;
    } else {
      delete metadata[key];
      how = `${key} deleted`;
    }
    const text = JSON.stringify({ ...header, __metadata__: metadata });
    return { files: { [file]: join(text, data, lengthDelta) }, args: { api, file } satisfies Args, how: `${how}${lengthDelta ? `; length ${lengthDelta}` : ''}` };
  },

  async run(raw) {
    const args = raw as Args;
    let bytes: Uint8Array | null = null;
    try {
      // Only a regular file is read here: a named pipe would block and a device would never end.
      if (statSync(args.file).isFile()) bytes = readFileSync(args.file);
    } catch {
      // Not a readable regular file: only an error is correct, and the reference has nothing to say.
    }
    const reference = bytes ? decodeReference(bytes) : null;
    if (args.api === 'readSafetensors') {
      let got;
      try {
        got = readSafetensors(args.file);
      } catch (e) {
        if (reference) throw new WrongResult(`rejected a valid file: ${(e as Error).message}`);
        throw e;
      }
      if (!reference) throw new WrongResult('accepted a file the format does not allow');
      if (got.tensors.size !== reference.tensors.size) throw new WrongResult(`read ${got.tensors.size} tensors, the file holds ${reference.tensors.size}`);
      for (const [name, t] of reference.tensors) {
        const g = got.tensors.get(name);
        if (!g || g.shape.join() !== t.shape.join() || !sameData(g.data, t.data)) throw new WrongResult(`tensor ${JSON.stringify(name)} differs from the file`);
      }
      if (JSON.stringify(got.metadata) !== JSON.stringify(reference.metadata)) throw new WrongResult('metadata differs from the file');
      return {};
    }
    const model = await loadModel(args.file);
    try {
      if (!reference) throw new WrongResult('loadModel accepted a file the format does not allow');
      const used = new Set<string>();
      for (const l of model.layers) {
        for (const p of l.weights()) {
          const key = `${l.name}.${p.name}`;
          const t = reference.tensors.get(key);
          if (!t || !sameData(p.value.data as Float32Array, t.data)) throw new WrongResult(`weight ${key} is not the file's tensor`);
          used.add(key);
        }
      }
      if (used.size !== reference.tensors.size) throw new WrongResult(`the model uses ${used.size} of the file's ${reference.tensors.size} tensors`);
    } finally {
      model.dispose();
    }
    return {};
  },

  hasContext(message, raw) {
    const args = raw as Args;
    return message.includes(args.file) || message.includes(args.api);
  },
};
