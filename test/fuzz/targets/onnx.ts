/**
 * Fuzz target: the ONNX reader, through `loadModel(file)` (which tells ONNX from safetensors by the first
 * bytes), `importOnnx(bytes)` and `describeOnnx(bytes)`. Inputs are the PyTorch and Keras exports in
 * test/fixtures/onnx damaged as bytes (truncations, bit flips, huge varints and lengths) and as decoded
 * protobuf messages (dims of 2^31 and beyond, wrong data types, raw data cut short, attributes of the wrong
 * type, unknown operators, opsets out of range, renamed inputs). A model that imports must run: predict on
 * a batch gives one output per sample of the model's output shape, and its weights are the ones the
 * description of the same bytes gives.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeOnnx, importOnnx, loadModel, type Sequential } from 'rectifier';
import { modelProto } from '../../../src/onnx/schema.js';
import { chance, mutateBytes, mutateJson, pick } from '../mutate.js';
import { WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

interface Corpus {
  readonly models: readonly { name: string; bytes: Uint8Array }[];
}

interface Args {
  readonly api: 'loadModel' | 'importOnnx' | 'describeOnnx';
  readonly file: string;
}

const fixtures = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url));

/** The parts of a model worth damaging: tensors, attributes, shapes, operators, versions. */
function interesting(path: readonly (string | number)[]): boolean {
  return path.some((k) => typeof k === 'string' && /^(dims|dataType|rawData|floatData|int64Data|attribute|opType|input|output|i|ints|f|t|type|shape|dim|dimValue|version|irVersion|opsetImport)$/.test(k));
}

/** Checks that an imported model runs and matches the description of the same bytes. */
function checkModel(model: Sequential, bytes: Uint8Array | null): void {
  const inSize = model.inputShape.reduce((a, b) => a * b, 1);
  const outSize = model.outputShape.reduce((a, b) => a * b, 1);
  let out;
  try {
    out = model.predict(new Float32Array(2 * inSize).fill(0.5));
  } catch (e) {
    throw new WrongResult(`the imported model cannot predict: ${(e as Error).message.slice(0, 300)}`);
  }
  const n = out.size;
  out.dispose();
  if (n !== 2 * outSize) throw new WrongResult(`predict gave ${n} values for 2 samples of ${outSize}`);
  if (!bytes) return;
  const description = describeOnnx(bytes);
  model.layers.forEach((layer, i) => {
    for (const p of layer.weights()) {
      const w = description.layers[i]?.weights.find((g) => g.name === p.name);
      const data = p.value.data as Float32Array;
      if (!w || w.data.length !== data.length || w.data.some((v, k) => !Object.is(Math.fround(v), data[k]))) {
        throw new WrongResult(`layer ${i} weight ${p.name} is not what the description of the same bytes holds`);
      }
    }
  });
}

export const target: FuzzTarget<Corpus> = {
  name: 'onnx',

  async corpus() {
    const names = readdirSync(fixtures).filter((f) => f.endsWith('.onnx')).sort();
    return { models: names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(`${fixtures}${name}`)) })) };
  },

  generate(rng, corpus): FuzzCase {
    const base = pick(rng, corpus.models);
    const api = pick(rng, ['loadModel', 'loadModel', 'importOnnx', 'describeOnnx'] as const);
    const file = 'model.onnx';
    const kind = rng.int(20);
    if (kind === 0) {
      const path = pick(rng, ['missing.onnx', '.', '/dev/zero', 'pipe.onnx', 'nodir/x.onnx']);
      return { files: {}, fifos: path === 'pipe.onnx' ? [path] : [], args: { api: 'loadModel', file: path } satisfies Args, how: `path ${path}` };
    }
    if (kind <= 8) {
      // Varint fields sit everywhere in protobuf; the hints are the first bytes, where the IR version is.
      const m = mutateBytes(rng, base.bytes, { fields: [{ offset: 1, bytes: 4 }, { offset: 1, bytes: 8 }] });
      return { files: { [file]: m.bytes }, args: { api, file } satisfies Args, how: `${base.name}: ${m.how}` };
    }
    // Structure-aware: decode, damage the message as JSON, encode again.
    const type = modelProto();
    const message = type.toObject(type.decode(base.bytes), { longs: Number, bytes: String, defaults: false });
    const m = mutateJson(rng, message, interesting, { maxItems: 1000 });
    let bytes: Uint8Array;
    try {
      bytes = type.encode(type.fromObject(m.value as Record<string, unknown>)).finish();
    } catch {
      // A damage protobuf cannot even express: damage the bytes instead.
      const b = mutateBytes(rng, base.bytes);
      return { files: { [file]: b.bytes }, args: { api, file } satisfies Args, how: `${base.name}: ${b.how}` };
    }
    if (chance(rng, 0.1)) {
      const b = mutateBytes(rng, bytes);
      return { files: { [file]: b.bytes }, args: { api, file } satisfies Args, how: `${base.name}: ${m.how}; ${b.how}` };
    }
    return { files: { [file]: bytes }, args: { api, file } satisfies Args, how: `${base.name}: ${m.how}` };
  },

  async run(raw) {
    const args = raw as Args;
    if (args.api === 'loadModel') {
      const model = await loadModel(args.file);
      try {
        checkModel(model, statSync(args.file).isFile() ? readFileSync(args.file) : null);
      } finally {
        model.dispose();
      }
      return {};
    }
    const bytes = readFileSync(args.file);
    if (args.api === 'describeOnnx') {
      const d = describeOnnx(bytes);
      for (const l of d.layers) {
        for (const w of l.weights) {
          if (w.data.length !== w.shape.reduce((a, b) => a * b, 1)) throw new WrongResult(`weight ${w.name} of shape [${w.shape.join(', ')}] holds ${w.data.length} values`);
        }
      }
      return {};
    }
    const model = await importOnnx(bytes);
    try {
      checkModel(model, bytes);
    } finally {
      model.dispose();
    }
    return {};
  },

  hasContext(message, raw) {
    const args = raw as Args;
    return message.includes(args.file) || /ONNX|onnx/.test(message) || message.includes(args.api);
  },
};
