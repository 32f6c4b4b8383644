/**
 * A model as safetensors bytes: the weights as `<layer>.<weight>` tensors (dense_1.kernel …) and, in the
 * `__metadata__`, the architecture and the training configuration as JSON, so `loadModel` can rebuild it.
 */
import { encodeSafetensors, type NamedArray } from '../../io/safetensors.js';
import type { Layer } from '../layer.js';

/** The metadata key of the architecture (a `SequentialConfig` as JSON). */
export const ARCHITECTURE_KEY = 'architecture';
/** The metadata key of the training configuration (optimizer, loss, metrics as JSON), when compiled. */
export const TRAINING_KEY = 'training';

/** What is saved of a model (a Sequential). */
export interface SavableModel {
  readonly layers: readonly Layer[];
  toJSON(): object;
  /** The compile settings, or null when not compiled. */
  trainingConfig(): object | null;
}

export function encodeModel(model: SavableModel): Uint8Array {
  const tensors = new Map<string, NamedArray>();
  for (const l of model.layers) for (const p of l.weights()) tensors.set(`${l.name}.${p.name}`, { shape: p.shape, data: p.value.data as Float32Array });
  const metadata: Record<string, string> = { format: 'rectifier', 'rectifier.version': '1', [ARCHITECTURE_KEY]: JSON.stringify(model.toJSON()) };
  const training = model.trainingConfig();
  if (training) metadata[TRAINING_KEY] = JSON.stringify(training);
  return encodeSafetensors(tensors, metadata);
}
