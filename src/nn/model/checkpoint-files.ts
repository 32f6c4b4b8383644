/**
 * Training checkpoints on disk (./checkpoint.ts describes the directory): written and read in Node,
 * installed as the checkpoint store when this module loads, so that fit's checkpoint and resume
 * options work. Node-only: imported by Node's entry and the CLI, never by the browser entry.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSafetensors } from '../../io/files.js';
import { readGenerationPointer, writeGeneration } from '../../io/generations.js';
import { encodeSafetensors, type NamedArray } from '../../io/safetensors.js';
import { describe } from '../../util/describe.js';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, MAX_SAMPLES, MODEL_FILE, ORDER_TENSOR, POINTER_FILE, PREFIX, SLOT_PREFIX, STATE_FILE, STATE_TENSORS_FILE,
  checkState, setCheckpointStore, type CheckpointContents, type CheckpointState, type LoadedCheckpoint,
} from './checkpoint.js';
import { encodeModel } from './encode.js';

/** Whether two paths name the same place. */
export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/** Writes a checkpoint into `root` atomically (see the top of this file); returns the generation's directory. */
export function writeCheckpoint(root: string, contents: CheckpointContents): string {
  const { position } = contents.state;
  if (contents.order.length > MAX_SAMPLES) {
    throw new RangeError(`checkpoint: ${contents.order.length} samples are more than the ${MAX_SAMPLES} a checkpoint's sample order holds`);
  }
  const tensors = new Map<string, NamedArray>();
  for (const [name, t] of contents.optimizer.slots) tensors.set(`${SLOT_PREFIX}${name}`, { shape: t.shape, data: t.data });
  tensors.set(ORDER_TENSOR, { shape: [contents.order.length], data: Float32Array.from(contents.order) });
  const state: CheckpointState = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, written: new Date().toISOString(), ...contents.state };
  const files = new Map<string, Uint8Array | string>([
    [MODEL_FILE, encodeModel(contents.model)],
    [STATE_TENSORS_FILE, encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT })],
    [STATE_FILE, JSON.stringify(state, null, 2) + '\n'],
  ]);
  return writeGeneration(root, {
    pointerFile: POINTER_FILE,
    prefix: PREFIX,
    name: `${PREFIX}${String(position.globalStep).padStart(6, '0')}`,
    files,
    summary: { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, epoch: position.epoch, step: position.step, globalStep: position.globalStep, complete: position.complete },
  });
}

/** The directory of the latest complete checkpoint in `root`, or null when there is none. */
export function latestCheckpoint(root: string): string | null {
  if (typeof root !== 'string' || root === '') throw new TypeError(`latestCheckpoint: path must be a non-empty string, got ${describe(root)}`);
  const pointer = readGenerationPointer(root, POINTER_FILE);
  return pointer ? join(root, pointer.latest) : null;
}

/** state.json of the latest checkpoint in `root` (checked), with its directory; an error when there is none. */
export function readCheckpointState(root: string, where = 'resume'): { dir: string; state: CheckpointState } {
  const dir = latestCheckpoint(root);
  if (!dir) throw new Error(`${where}: ${root} holds no checkpoint (no ${POINTER_FILE}); checkpoints are written by fit's checkpoint option or rectifier train --checkpoint`);
  const file = join(dir, STATE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file)));
  } catch (e) {
    throw new Error(`${where}: ${file} is not valid JSON (${(e as Error).message})`);
  }
  return { dir, state: checkState(raw, file) };
}

/** The latest checkpoint in `root`, every part checked. */
export function readCheckpoint(root: string, where = 'resume'): LoadedCheckpoint {
  const { dir, state } = readCheckpointState(root, where);
  const model = readSafetensors(join(dir, MODEL_FILE));
  const tensorsFile = join(dir, STATE_TENSORS_FILE);
  const { tensors } = readSafetensors(tensorsFile);
  const order = tensors.get(ORDER_TENSOR);
  const n = state.data.samples;
  if (!order || order.shape.length !== 1 || order.shape[0] !== n) throw new Error(`${where}: ${tensorsFile} must hold "${ORDER_TENSOR}" of shape [${n}]`);
  const indices = Int32Array.from(order.data);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    if (k !== order.data[i] || k < 0 || k >= n || seen[k]) throw new Error(`${where}: ${tensorsFile}: "${ORDER_TENSOR}" is not an order of ${n} samples (index ${i} holds ${order.data[i]})`);
    seen[k] = 1;
  }
  const slots = new Map<string, NamedArray>();
  for (const [name, t] of tensors) {
    if (name === ORDER_TENSOR) continue;
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`${where}: ${tensorsFile} holds "${name}", which is neither an optimizer buffer (${SLOT_PREFIX}…) nor ${ORDER_TENSOR}`);
    slots.set(name.slice(SLOT_PREFIX.length), t);
  }
  return { dir, files: { model: join(dir, MODEL_FILE), state: tensorsFile }, state, model, optimizer: { iterations: state.optimizer.iterations, slots }, order: indices };
}


setCheckpointStore({ write: writeCheckpoint, read: readCheckpoint, samePath });
