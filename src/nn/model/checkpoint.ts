/**
 * Training checkpoints: everything `fit` needs to continue a run as if it had never stopped, in a
 * directory a user can read with ordinary tools.
 *
 *   <dir>/checkpoint.json          which generation is complete: { format, version, latest, epoch, step, … }
 *   <dir>/step-000120/             one generation, named by the steps trained so far
 *     model.safetensors            the model exactly as `model.save` writes it (loadModel and
 *                                  `rectifier evaluate` read it)
 *     state.safetensors            the optimizer's buffers (optimizer.<layer>.<weight>.<slot>: Adam's m and
 *                                  v, SGD's momentum) and the epoch's sample order (data.order)
 *     state.json                   where training stands (epoch, step), the fit options, the optimizer's
 *                                  update count and configuration, the training Rng's state, the sums of
 *                                  the epoch so far, the history, a fingerprint of the data, and the
 *                                  caller's metadata (the CLI's options)
 *
 * A generation is written whole before checkpoint.json names it (io/generations.ts), so a crash at any
 * moment leaves the previous complete checkpoint. The position is always the next step to run: a
 * checkpoint at an epoch's end is written after that epoch's validation, history and callbacks, as the
 * start of the next epoch (before its shuffle).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Parameter } from '../../autograd/parameter.js';
import { crc32 } from '../../data/cache.js';
import { readSafetensors } from '../../io/files.js';
import { readGenerationPointer, writeGeneration } from '../../io/generations.js';
import { encodeSafetensors, type NamedArray, type SafetensorsContents } from '../../io/safetensors.js';
import type { OptimizerState } from '../../optim/optimizers.js';
import { describe } from '../../util/describe.js';
import type { RngState } from '../../util/random.js';
import type { Layer } from '../layer.js';
import type { History } from './callbacks.js';
import { ARCHITECTURE_KEY, TRAINING_KEY, encodeModel, type SavableModel } from './encode.js';

export const CHECKPOINT_FORMAT = 'rectifier-checkpoint';
export const CHECKPOINT_VERSION = 1;
const POINTER_FILE = 'checkpoint.json';
const PREFIX = 'step-';
const MODEL_FILE = 'model.safetensors';
const STATE_TENSORS_FILE = 'state.safetensors';
const STATE_FILE = 'state.json';
const ORDER_TENSOR = 'data.order';
const SLOT_PREFIX = 'optimizer.';
/** Sample indices are stored as float32, exact up to 2^24. */
const MAX_SAMPLES = 2 ** 24;

/** How often `fit` writes a checkpoint. */
export type CheckpointEvery = { readonly epochs: number } | { readonly steps: number };

export interface CheckpointOptions {
  /** The checkpoint directory (created if missing); `fit(…, { resume: path })` continues from it. */
  readonly path: string;
  /**
   * Every n epochs (`{ epochs: n }`, or `n` alone) or every n steps (`{ steps: n }`); default every
   * epoch. `'interrupt'` writes only when fit's `signal` aborts. Training that runs to its end always
   * writes a last checkpoint (except with 'interrupt').
   */
  readonly every?: number | CheckpointEvery | 'interrupt';
  /** JSON data kept with each checkpoint (state.json's "metadata"): the CLI keeps its options there. */
  readonly metadata?: Record<string, unknown>;
}

/** Checked checkpoint options; `every` null means only on interruption. */
export interface CheckpointPlan {
  readonly path: string;
  readonly every: CheckpointEvery | null;
  readonly metadata: Record<string, unknown>;
}

/** The next step to run. */
export interface TrainingPosition {
  /** Its epoch, from 0 (equal to the epoch count once training is complete). */
  readonly epoch: number;
  /** Its index within the epoch, from 0. */
  readonly step: number;
  /** Steps run before it, over all epochs. */
  readonly globalStep: number;
}

/** The running sums of the epoch in progress, so that its logged loss and accuracy cover all its steps. */
export interface EpochSums {
  readonly lossSum: number;
  readonly seen: number;
  readonly correct: number;
  readonly counted: number;
}

/** The contents of state.json. */
export interface CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  /** When it was written (ISO 8601), for people; nothing reads it. */
  readonly written: string;
  readonly position: TrainingPosition & { readonly stepsPerEpoch: number; readonly complete: boolean };
  readonly fit: { readonly epochs: number; readonly batchSize: number; readonly shuffle: boolean; readonly validation: boolean };
  /** The training data checked on resume: sample count and CRC-32 of the inputs' and targets' bytes. */
  readonly data: { readonly samples: number; readonly inputsCrc32: string; readonly targetsCrc32: string };
  readonly optimizer: {
    readonly config: Record<string, unknown>;
    /** Updates applied so far: the schedule's position and Adam's bias-correction step. */
    readonly iterations: number;
    /** The rate of the next update (for people; the schedule recomputes it). */
    readonly nextLearningRate: number;
  };
  /** The model's training stream (shuffling, dropout, rrelu, augmentation). */
  readonly rng: RngState;
  readonly epochSums: EpochSums;
  readonly history: History;
  readonly metadata: Record<string, unknown>;
}

/** A checkpoint read back: its directory, state.json, the model's tensors, the optimizer's state, the sample order. */
export interface LoadedCheckpoint {
  readonly dir: string;
  /** Its files' paths, for messages. */
  readonly files: { readonly model: string; readonly state: string };
  readonly state: CheckpointState;
  readonly model: SafetensorsContents;
  readonly optimizer: OptimizerState;
  readonly order: Int32Array;
}

/** What a checkpoint is made of when it is written. */
export interface CheckpointContents {
  readonly model: SavableModel;
  readonly state: Omit<CheckpointState, 'format' | 'version' | 'written'>;
  readonly optimizer: OptimizerState;
  readonly order: Int32Array;
}

/** Checks `fit`'s checkpoint option, naming what to fix. */
export function checkpointPlan(options: unknown, where: string): CheckpointPlan {
  const shape = '{ path: "dir", every?: n | { epochs: n } | { steps: n } | "interrupt", metadata? }';
  if (!options || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${where}: checkpoint must be ${shape}, got ${describe(options)}`);
  const o = options as CheckpointOptions;
  for (const key of Object.keys(o)) {
    if (!['path', 'every', 'metadata'].includes(key)) throw new TypeError(`${where}: checkpoint has an unknown key ${describe(key)}; expected ${shape}`);
  }
  if (typeof o.path !== 'string' || o.path === '') throw new TypeError(`${where}: checkpoint.path must be a directory path, got ${describe(o.path)}`);
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  let every: CheckpointEvery | null;
  const e = o.every ?? { epochs: 1 };
  if (e === 'interrupt') every = null;
  else if (typeof e === 'number' && positive(e)) every = { epochs: e };
  else if (e && typeof e === 'object' && Object.keys(e).length === 1 && 'epochs' in e && positive(e.epochs)) every = { epochs: e.epochs };
  else if (e && typeof e === 'object' && Object.keys(e).length === 1 && 'steps' in e && positive(e.steps)) every = { steps: e.steps };
  else throw new TypeError(`${where}: checkpoint.every must be a positive integer of epochs, { epochs: n }, { steps: n } or "interrupt", got ${describe(o.every)}`);
  const metadata = o.metadata ?? {};
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new TypeError(`${where}: checkpoint.metadata must be an object of JSON values, got ${describe(o.metadata)}`);
  try {
    JSON.stringify(metadata);
  } catch (err) {
    throw new TypeError(`${where}: checkpoint.metadata must be JSON data (${(err as Error).message})`);
  }
  return { path: o.path, every, metadata };
}

/** Whether two paths name the same place. */
export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/** CRC-32 of an array's bytes, as 8 hex digits. */
export function fingerprint(values: Float32Array | Int32Array): string {
  return crc32(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).toString(16).padStart(8, '0');
}

/** The model's trainable parameters, named as saved files name them (the optimizer's buffers are named after them). */
export function namedParameters(layers: readonly Layer[]): Array<[string, Parameter]> {
  return layers.flatMap((l) => l.parameters().map((p): [string, Parameter] => [`${l.name}.${p.name}`, p]));
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

/** A model as a checkpoint sees it: its layers, architecture and compile settings. */
export type CheckpointedModel = SavableModel & { readonly layers: readonly Layer[] };

/**
 * Checks that `model` has the architecture and compile settings (optimizer with its schedule, loss,
 * metrics) that the checkpoint's model file was written with; the first difference is named.
 */
export function checkSameModel(model: CheckpointedModel, contents: SafetensorsContents, source: string): void {
  const stored = contents.metadata[ARCHITECTURE_KEY];
  if (!stored) throw new Error(`resume: ${source} has no architecture in its metadata; it was not written as a checkpoint`);
  const mismatch = firstDifference(parseJson(stored, source, ARCHITECTURE_KEY), JSON.parse(JSON.stringify(model.toJSON())), 'architecture');
  if (mismatch) throw new Error(`resume: the model differs from the checkpoint's (${source}): ${mismatch}; build the model the checkpoint was trained with`);
  const training = contents.metadata[TRAINING_KEY];
  const compiled = model.trainingConfig();
  const diff = firstDifference(training ? parseJson(training, source, TRAINING_KEY) : null, compiled ? JSON.parse(JSON.stringify(compiled)) : null, 'compile');
  if (diff) throw new Error(`resume: the compile settings differ from the checkpoint's (${source}): ${diff}; compile as the checkpoint's run did`);
  for (const l of model.layers) {
    for (const p of l.weights()) {
      const t = contents.tensors.get(`${l.name}.${p.name}`);
      if (!t || t.shape.join() !== p.shape.join()) throw new Error(`resume: ${source}: weight "${l.name}.${p.name}" is missing or not of shape [${p.shape.join(', ')}]`);
    }
  }
}

/** Puts a checkpoint's weights into `model` (checked first by `checkSameModel`). */
export function restoreWeights(model: CheckpointedModel, contents: SafetensorsContents, source: string): void {
  checkSameModel(model, contents, source);
  for (const l of model.layers) for (const p of l.weights()) p.assign(contents.tensors.get(`${l.name}.${p.name}`)!.data);
}

/** The first place two JSON values differ, as "path: a here, b there", or null when they are equal. */
export function firstDifference(checkpoint: unknown, current: unknown, path: string): string | null {
  if (checkpoint === current) return null;
  const both = (v: unknown) => v !== null && typeof v === 'object';
  if (both(checkpoint) && both(current) && Array.isArray(checkpoint) === Array.isArray(current)) {
    const a = checkpoint as Record<string, unknown>;
    const b = current as Record<string, unknown>;
    if (Array.isArray(a) && a.length !== (b as unknown as unknown[]).length) {
      return `${path} has ${a.length} entries in the checkpoint, ${(b as unknown as unknown[]).length} here`;
    }
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[key], b[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
      if (d) return d;
    }
    return null;
  }
  return `${path} is ${JSON.stringify(checkpoint) ?? 'absent'} in the checkpoint, ${JSON.stringify(current) ?? 'absent'} here`;
}

function parseJson(text: string, source: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`resume: ${source}: the metadata "${key}" is not valid JSON (${(e as Error).message})`);
  }
}

/** Checks state.json, naming the file and the key that is wrong. */
function checkState(raw: unknown, file: string): CheckpointState {
  const fail = (problem: string): never => {
    throw new Error(`resume: ${file}: ${problem}`);
  };
  if (!raw || typeof raw !== 'object') fail('expected a JSON object');
  const s = raw as Record<string, any>;
  if (s.format !== CHECKPOINT_FORMAT) fail(`format must be "${CHECKPOINT_FORMAT}", got ${describe(s.format)}`);
  if (s.version !== CHECKPOINT_VERSION) fail(`version ${describe(s.version)} is not one this version of rectifier reads (${CHECKPOINT_VERSION})`);
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const p = s.position;
  if (!p || !count(p.epoch) || !count(p.step) || !count(p.globalStep) || !(count(p.stepsPerEpoch) && p.stepsPerEpoch > 0) || typeof p.complete !== 'boolean') {
    fail(`position must be { epoch, step, globalStep, stepsPerEpoch, complete }, got ${describe(p)}`);
  }
  if (p.step >= p.stepsPerEpoch) fail(`position.step ${p.step} is not below stepsPerEpoch ${p.stepsPerEpoch}`);
  const f = s.fit;
  if (!f || !(count(f.epochs) && f.epochs > 0) || !(count(f.batchSize) && f.batchSize > 0) || typeof f.shuffle !== 'boolean' || typeof f.validation !== 'boolean') {
    fail(`fit must be { epochs, batchSize, shuffle, validation }, got ${describe(f)}`);
  }
  const d = s.data;
  if (!d || !(count(d.samples) && d.samples > 0) || typeof d.inputsCrc32 !== 'string' || typeof d.targetsCrc32 !== 'string') fail(`data must be { samples, inputsCrc32, targetsCrc32 }, got ${describe(d)}`);
  if (Math.ceil(d.samples / f.batchSize) !== p.stepsPerEpoch) fail(`position.stepsPerEpoch ${p.stepsPerEpoch} does not match ${d.samples} samples in batches of ${f.batchSize}`);
  const o = s.optimizer;
  if (!o || !o.config || typeof o.config !== 'object' || !count(o.iterations)) fail(`optimizer must be { config, iterations, nextLearningRate }, got ${describe(o)}`);
  if (!s.rng || typeof s.rng !== 'object') fail(`rng must be the state of an Rng, got ${describe(s.rng)}`);
  const e = s.epochSums;
  if (!e || ![e.lossSum, e.seen, e.correct, e.counted].every((v) => typeof v === 'number' && Number.isFinite(v))) fail(`epochSums must be four finite numbers, got ${describe(e)}`);
  const h = s.history;
  if (!h || !Array.isArray(h.epoch) || !h.history || typeof h.history !== 'object' || !Array.isArray(h.history.loss)) fail(`history must be { epoch: [], history: { loss: [], … } }, got ${describe(h)}`);
  for (const [key, values] of Object.entries(h.history as Record<string, unknown>)) {
    if (!Array.isArray(values) || values.length !== h.epoch.length || !values.every((v) => typeof v === 'number')) fail(`history.history.${key} must hold ${h.epoch.length} numbers`);
  }
  if (!s.metadata || typeof s.metadata !== 'object') fail(`metadata must be an object, got ${describe(s.metadata)}`);
  return s as CheckpointState;
}
