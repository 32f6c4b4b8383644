/**
 * Rebuilding a model from safetensors bytes written by `model.save` (./encode.ts): the architecture from
 * the metadata through the layer registry, the weights checked by name and shape, and the compile
 * settings when they were saved.
 */
import { readSafetensors } from '../../io/files.js';
import { bytesSource, parseSafetensors, type SafetensorsContents } from '../../io/safetensors.js';
import { optimizerFromConfig } from '../../optim/optimizers.js';
import { describe } from '../../util/describe.js';
import { layerFromConfig } from '../layers/index.js';
import type { LossId } from '../losses.js';
import { ARCHITECTURE_KEY, TRAINING_KEY } from './encode.js';
import { Sequential, type SequentialConfig } from './sequential.js';
import type { MetricId } from './trainer.js';

/** A model from parsed safetensors contents; `source` names the file or bytes in errors. */
export function modelFromSafetensors({ tensors, metadata }: SafetensorsContents, source: string): Sequential {
  if (!metadata[ARCHITECTURE_KEY]) throw new Error(`${source}: no architecture in the safetensors __metadata__; it was not saved by model.save (read its tensors with readSafetensors)`);
  let arch: SequentialConfig;
  try {
    arch = JSON.parse(metadata[ARCHITECTURE_KEY]);
  } catch (e) {
    throw new Error(`${source}: the architecture in __metadata__ is not valid JSON (${(e as Error).message})`);
  }
  if (!arch || arch.className !== 'Sequential' || !Array.isArray(arch.layers)) throw new Error(`${source}: the architecture in __metadata__ is not a Sequential model`);
  const model = new Sequential({ inputShape: arch.inputShape, seed: arch.seed, name: arch.name, layers: arch.layers.map((l) => layerFromConfig(l)) });
  try {
    const expected = new Set<string>();
    for (const l of model.layers) {
      for (const p of l.weights()) {
        const key = `${l.name}.${p.name}`;
        expected.add(key);
        const t = tensors.get(key);
        if (!t) throw new Error(`${source}: weight "${key}" is missing`);
        if (t.shape.join() !== p.shape.join()) throw new Error(`${source}: weight "${key}" has shape [${t.shape.join(', ')}] but the architecture needs [${p.shape.join(', ')}]`);
        p.assign(t.data);
      }
    }
    for (const key of tensors.keys()) if (!expected.has(key)) throw new Error(`${source}: tensor "${key}" does not belong to any layer of the architecture`);
    if (metadata[TRAINING_KEY]) {
      const training = JSON.parse(metadata[TRAINING_KEY]) as { optimizer: Record<string, unknown>; loss: LossId; metrics: MetricId[] };
      model.compile({ optimizer: optimizerFromConfig(training.optimizer), loss: training.loss, metrics: training.metrics });
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Loads a model saved by `model.save` from a file: architecture, weights and (when saved) the compile settings. */
export function loadModel(path: string): Sequential {
  if (typeof path !== 'string' || path === '') throw new TypeError(`loadModel: path must be a non-empty string, got ${describe(path)}`);
  return modelFromSafetensors(readSafetensors(path), path);
}

/** The same from bytes in memory (a fetched file, a File's contents). */
export function loadModelFromBytes(bytes: Uint8Array, name = 'the given bytes'): Sequential {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`loadModelFromBytes: bytes must be a Uint8Array, got ${describe(bytes)}`);
  return modelFromSafetensors(parseSafetensors(bytesSource(bytes, name)), name);
}
