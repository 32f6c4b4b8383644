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
 * The files are Node's (./checkpoint-files.ts writes and reads them, installed as the checkpoint store
 * below by Node's entry); this module holds what needs no disk: the format, the checks, the hook.
 *
 * A generation is written whole before checkpoint.json names it (io/generations.ts), so a crash at any
 * moment leaves the previous complete checkpoint. The position is always the next step to run: a
 * checkpoint at an epoch's end is written after that epoch's validation, history and callbacks, as the
 * start of the next epoch (before its shuffle).
 */
import type { Parameter } from '../../autograd/parameter.js';
import { crc32 } from '../../data/cache-format.js';
import type { NamedArray, SafetensorsContents } from '../../io/safetensors.js';
import type { OptimizerState } from '../../optim/optimizers.js';
import { describe } from '../../util/describe.js';
import type { RngState } from '../../util/random.js';
import type { Layer } from '../layer.js';
import type { History } from './callbacks.js';
import { ARCHITECTURE_KEY, TRAINING_KEY, type SavableModel } from './encode.js';

export const CHECKPOINT_FORMAT = 'rectifier-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const POINTER_FILE = 'checkpoint.json';
export const PREFIX = 'step-';
export const MODEL_FILE = 'model.safetensors';
export const STATE_TENSORS_FILE = 'state.safetensors';
export const STATE_FILE = 'state.json';
export const ORDER_TENSOR = 'data.order';
export const SLOT_PREFIX = 'optimizer.';
/** Sample indices are stored as float32, exact up to 2^24. */
export const MAX_SAMPLES = 2 ** 24;

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

/** Where checkpoints are written and read: directories on disk, in Node (./checkpoint-files.ts). */
export interface CheckpointStore {
  /** Writes a checkpoint into `root` atomically; returns the generation's directory. */
  write(root: string, contents: CheckpointContents): string;
  /** The latest checkpoint in `root`, every part checked. */
  read(root: string, where: string): LoadedCheckpoint;
  /** Whether two paths name the same place. */
  samePath(a: string, b: string): boolean;
}

let store: CheckpointStore | null = null;

/** Installs the checkpoint store (Node's entry installs the one on disk). */
export function setCheckpointStore(s: CheckpointStore | null): void {
  store = s;
}

/** The checkpoint store, or an Error from `where` saying that checkpoints need Node. */
export function checkpointStore(where: string): CheckpointStore {
  if (store) return store;
  throw new Error(`${where}: checkpoints are directories on disk, which need Node (import 'rectifier' in Node, or 'rectifier/node'); in a page, save the model with model.save('indexeddb://name')`);
}

/** CRC-32 of an array's bytes, as 8 hex digits. */
export function fingerprint(values: Float32Array | Int32Array): string {
  return crc32(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).toString(16).padStart(8, '0');
}

/** The model's trainable parameters, named as saved files name them (the optimizer's buffers are named after them). */
export function namedParameters(layers: readonly Layer[]): Array<[string, Parameter]> {
  return layers.flatMap((l) => l.parameters().map((p): [string, Parameter] => [`${l.name}.${p.name}`, p]));
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
export function checkState(raw: unknown, file: string): CheckpointState {
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
