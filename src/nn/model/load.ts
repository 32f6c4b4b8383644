/**
 * Rebuilding a model from safetensors bytes written by `model.save` (./encode.ts): the architecture from
 * the metadata through the layer registry, each weight checked by name and shape against the stored
 * tensors before it is allocated (nothing is initialised only to be overwritten, and an architecture
 * claiming billions of units fails at once), and the compile settings when they were saved. Every error
 * names the file and the metadata key at fault; a failure frees whatever was built.
 */
import { readModelBytes, type ModelSource } from '../../io/model-bytes.js';
import { bytesSource, parseSafetensors, type SafetensorsContents } from '../../io/safetensors.js';
import { optimizerFromConfig } from '../../optim/optimizers.js';
import type { Shape } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Layer } from '../layer.js';
import { layerFromConfig } from '../layers/index.js';
import type { LossId } from '../losses.js';
import { ARCHITECTURE_KEY, TRAINING_KEY } from './encode.js';
import { Sequential, type StoredModelWeights } from './sequential.js';
import type { MetricId } from './trainer.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A tensor or layer name as shown in a message: a name of a megabyte is cut. */
function shown(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

function shapeText(shape: readonly number[]): string {
  return shape.length > 8 ? `[${shape.slice(0, 8).join(', ')}, … (${shape.length} dimensions)]` : `[${shape.join(', ')}]`;
}

/** A metadata value parsed as JSON, or an error naming the file and the key. */
function jsonAt(source: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: __metadata__.${key} is not valid JSON (${(e as Error).message})`);
  }
}

/** Prefixes an error with where it comes from, unless it already names the file. */
function within(source: string, where: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(message.startsWith(`${source}:`) ? message : `${source}: ${where}: ${message}`);
}

/** A model from parsed safetensors contents; `source` names the file or bytes in errors. */
export function modelFromSafetensors({ tensors, metadata }: SafetensorsContents, source: string): Sequential {
  const archText = metadata[ARCHITECTURE_KEY];
  if (archText === undefined) throw new Error(`${source}: no architecture in the safetensors __metadata__; it was not saved by model.save (read its tensors with readSafetensors)`);
  const arch = jsonAt(source, ARCHITECTURE_KEY, archText);
  if (!isObject(arch) || arch.className !== 'Sequential') {
    throw new Error(`${source}: __metadata__.${ARCHITECTURE_KEY} is not a Sequential model (expected { className: "Sequential", inputShape, layers }, got ${describe(arch)})`);
  }
  if (!Array.isArray(arch.layers)) throw new Error(`${source}: __metadata__.${ARCHITECTURE_KEY}.layers must be an array of layer configs, got ${describe(arch.layers)}`);
  const layers: Layer[] = arch.layers.map((config: unknown, i: number) => {
    try {
      return layerFromConfig(config as Parameters<typeof layerFromConfig>[0]);
    } catch (e) {
      throw within(source, `__metadata__.${ARCHITECTURE_KEY}.layers[${i}]`, e);
    }
  });

  // Each weight is matched with its stored tensor before it is created.
  const used = new Set<string>();
  const stored: StoredModelWeights = (layerName: string, weightName: string, shape: Shape) => {
    const key = `${layerName}.${weightName}`;
    const t = tensors.get(key);
    if (!t) throw new Error(`${source}: weight ${shown(key)} is missing (the architecture has a layer ${shown(layerName)} with a ${weightName} of shape ${shapeText(shape)})`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: weight ${shown(key)} has shape ${shapeText(t.shape)} but the architecture needs ${shapeText(shape)}`);
    }
    used.add(key);
    return t.data;
  };
  let model: Sequential;
  try {
    model = new Sequential(
      { inputShape: arch.inputShape as number[], seed: (arch.seed ?? 0) as number, name: (arch.name ?? 'sequential') as string, layers },
      stored,
    );
  } catch (e) {
    throw within(source, `__metadata__.${ARCHITECTURE_KEY}`, e);
  }
  try {
    for (const key of tensors.keys()) if (!used.has(key)) throw new Error(`${source}: tensor ${shown(key)} does not belong to any layer of the architecture`);
    const trainingText = metadata[TRAINING_KEY];
    if (trainingText !== undefined) {
      const training = jsonAt(source, TRAINING_KEY, trainingText);
      if (!isObject(training)) throw new Error(`${source}: __metadata__.${TRAINING_KEY} must be an object { optimizer, loss, metrics }, got ${describe(training)}`);
      try {
        model.compile({
          optimizer: optimizerFromConfig(training.optimizer as Record<string, unknown>),
          loss: training.loss as LossId,
          metrics: (training.metrics ?? []) as MetricId[],
        });
      } catch (e) {
        throw within(source, `__metadata__.${TRAINING_KEY}`, e);
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * A reader for model files in another format, registered by the module that knows the format (src/onnx
 * registers ONNX): nn sits below those modules, so it cannot import them.
 */
export interface ModelReader {
  readonly format: string;
  /** True when the first bytes (up to 16) of a file that is not safetensors are this format's. */
  readonly detect: (head: Uint8Array) => boolean;
  readonly read: (bytes: Uint8Array, source: string, options?: Readonly<Record<string, unknown>>) => Sequential;
}

const modelReaders: ModelReader[] = [];

export function registerModelReader(reader: ModelReader): void {
  if (!modelReaders.some((r) => r.format === reader.format)) modelReaders.push(reader);
}

/** A safetensors file (even a damaged one): an 8-byte header length, then the JSON header's '{'. */
function looksLikeSafetensors(head: Uint8Array): boolean {
  return head.length >= 9 && head[8] === 0x7b;
}

function readerFor(head: Uint8Array): ModelReader | null {
  return looksLikeSafetensors(head) ? null : modelReaders.find((r) => r.detect(head)) ?? null;
}

/**
 * Loads a model: one saved by `model.save` (architecture, weights and, when saved, the compile settings),
 * or a file of a registered format (an ONNX model once src/onnx is loaded, `options` going to its
 * importer), decided by the first bytes, not by the name. The source is a path or `file://` URL (Node),
 * `indexeddb://name` or `localstorage://name` (a page), an http(s) or relative URL (fetched), a File or
 * Blob, a fetch Response, or the bytes.
 */
export async function loadModel(source: ModelSource, options?: Readonly<Record<string, unknown>>): Promise<Sequential> {
  const { bytes, name } = await readModelBytes('loadModel', source);
  const reader = readerFor(bytes.subarray(0, 16));
  if (reader) {
    try {
      return reader.read(bytes, name, options);
    } catch (e) {
      if (e instanceof Error && !e.message.startsWith(name)) e.message = `${name}: ${e.message}`;
      throw e;
    }
  }
  return modelFromSafetensors(parseSafetensors(bytesSource(bytes, name)), name);
}

/** The same from bytes in memory (a fetched file, a File's contents). */
export function loadModelFromBytes(bytes: Uint8Array, name = 'the given bytes', options?: Readonly<Record<string, unknown>>): Sequential {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`loadModelFromBytes: bytes must be a Uint8Array, got ${describe(bytes)}`);
  const reader = readerFor(bytes.subarray(0, 16));
  if (reader) return reader.read(bytes, name, options);
  return modelFromSafetensors(parseSafetensors(bytesSource(bytes, name)), name);
}
