/**
 * ONNX models in: `importOnnx(bytes)` decodes a model (decode.ts), describes it as our layers
 * (graph-to-layers.ts) and builds an ordinary Sequential from that description through the layer
 * registry, with the graph's weights assigned. The result trains, predicts, saves and exports like any
 * model built here. `loadModel(path)` and `loadModelFromBytes` read ONNX too once this module is loaded:
 * it registers an ONNX reader with nn/, which decides by the file's first bytes, not its extension.
 */
import { layerFromConfig } from '../nn/layers/index.js';
import { registerModelReader } from '../nn/model/load.js';
import { Sequential } from '../nn/model/sequential.js';
import { describe } from '../util/describe.js';
import { decodeOnnx } from './decode.js';
import { describeOnnxGraph } from './graph-to-layers.js';
import type { DescribeOptions, ModelDescription } from './graph-to-layers.js';

export interface ImportOnnxOptions extends DescribeOptions {
  /** Seed of the model's training RNG (dropout masks, rrelu slopes); default 0. */
  readonly seed?: number;
  /** The model's name; default the graph's. */
  readonly name?: string;
}

function checkBytes(fn: string, bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    const hint = typeof bytes === 'string' ? ' (loadModel(path) reads a file)' : '';
    throw new TypeError(`${fn}: expected the model file's bytes as a Uint8Array (or Buffer), got ${describe(bytes)}${hint}`);
  }
  return bytes;
}

/**
 * Runs `work`, prefixing an error with the function the caller called: a message about "the graph" or a
 * node must say it comes from reading ONNX bytes, which carry no file name.
 */
function named<T>(fn: string, work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${fn}:`)) e.message = `${fn}: ${e.message}`;
    throw e;
  }
}

/** What `importOnnx` would build, as plain data: the layers' configs and weights, the layouts. */
export function describeOnnx(bytes: Uint8Array, options: DescribeOptions = {}): ModelDescription {
  return named('describeOnnx', () => describeOnnxGraph(decodeOnnx(checkBytes('describeOnnx', bytes)), options));
}

/** Builds a Sequential from a description and assigns its weights, checking every name and shape. */
export function modelFromDescription(description: ModelDescription, options: { seed?: number; name?: string } = {}): Sequential {
  const layers = description.layers.map((l) => layerFromConfig({ className: l.className, config: l.config }));
  const model = new Sequential({ inputShape: [...description.inputShape], layers, seed: options.seed ?? 0, name: options.name ?? description.name });
  try {
    model.layers.forEach((layer, i) => {
      const given = description.layers[i]!.weights;
      const names = new Set(given.map((w) => w.name));
      for (const p of layer.weights()) {
        const w = given.find((g) => g.name === p.name);
        if (!w) throw new Error(`importOnnx: layer ${i} (${layer.className}) needs a weight "${p.name}" the graph does not provide`);
        if (w.shape.join() !== p.shape.join()) throw new Error(`importOnnx: layer ${i} (${layer.className}) weight "${p.name}" has shape [${w.shape.join(', ')}], the layer needs [${p.shape.join(', ')}]`);
        p.assign(w.data);
        names.delete(p.name);
      }
      if (names.size) throw new Error(`importOnnx: layer ${i} (${layer.className}) has no weight named ${[...names].join(', ')}`);
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Imports an ONNX model (the bytes of a .onnx file) as a Sequential. Images are channels-last: a
 * PyTorch (NCHW) model takes the same images as before, as [height, width, channels].
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Sequential {
  return named('importOnnx', () => importBytes(bytes, options));
}

/** importOnnx without the prefix: loadModel names the file instead. */
function importBytes(bytes: Uint8Array, options: ImportOnnxOptions): Sequential {
  if (options === null || typeof options !== 'object') throw new TypeError(`importOnnx: options must be an object, got ${describe(options)}`);
  if (options.seed !== undefined && (typeof options.seed !== 'number' || !Number.isFinite(options.seed))) throw new TypeError(`importOnnx: seed must be a finite number, got ${describe(options.seed)}`);
  if (options.name !== undefined && typeof options.name !== 'string') throw new TypeError(`importOnnx: name must be a string, got ${describe(options.name)}`);
  const description = describeOnnxGraph(decodeOnnx(checkBytes('importOnnx', bytes)), options);
  return modelFromDescription(description, options);
}

// ModelProto's field tags as the first byte of a file: ir_version, producer_name/version, domain,
// model_version, doc_string, graph, opset_import, metadata_props. A safetensors file starts with its
// header's length and has '{' at byte 8, which nn/ checks first.
const MODEL_PROTO_TAGS = new Set([0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72]);

registerModelReader({
  format: 'ONNX',
  detect: (head) => head.length > 0 && MODEL_PROTO_TAGS.has(head[0]!),
  read: (bytes, _source, options) => importBytes(bytes, (options ?? {}) as ImportOnnxOptions),
});
